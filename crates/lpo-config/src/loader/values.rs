//! Values that files of several kinds share: ids, postcodes and postcode ranges, and the numeric
//! ranges of surcharge and rule conditions (with the checks that they can hold).

use lpo_engine::Range;

use super::Loader;
use crate::diag::Pos;
use crate::files::{Dec, RangeDef, Sp};

/// Ids: lowercase ASCII letters, digits and `_`, starting with a letter.
pub(crate) fn valid_id(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A four-digit postcode (`"0800"`).
pub(crate) fn parse_postcode(s: &str) -> Option<u16> {
    let s = s.trim();
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `"2000"` or `"2000-2234"` → inclusive range.
pub(crate) fn parse_postcode_range(s: &str) -> Option<(u16, u16)> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (parse_postcode(a)?, parse_postcode(b)?);
            (a <= b).then_some((a, b))
        }
        None => parse_postcode(s).map(|p| (p, p)),
    }
}

/// The engine range of a positioned range condition.
pub(crate) fn range_of<const S: u32>(r: &Sp<RangeDef<Dec<S>>>) -> Range {
    Range {
        over: r.value.over.map(|d| d.0),
        at_least: r.value.at_least.map(|d| d.0),
        under: r.value.under.map(|d| d.0),
        up_to: r.value.up_to.map(|d| d.0),
    }
}

impl Loader {
    /// Postcodes and ranges (`"0800"`, `"6000-6999"`) of a condition, each bad one reported.
    pub(crate) fn postcode_ranges(&mut self, rel: &str, ps: &[Sp<String>]) -> Vec<(u16, u16)> {
        let mut v = Vec::new();
        for p in ps {
            match parse_postcode_range(&p.value) {
                Some(r) => v.push(r),
                None => self.diags.error(
                    "invalid-postcode",
                    &Pos::at(rel, p.line, p.column),
                    format!("`{}` is not a postcode or a range of postcodes", p.value),
                    Some("write \"0800\" or \"6000-6999\", quoted".into()),
                ),
            }
        }
        v
    }

    /// Reports a range that gives no bound (`empty-condition`) or that no value satisfies
    /// (`contradictory-condition`); `subject` names the surcharge or rule.
    pub(crate) fn check_range(&mut self, subject: &str, name: &str, r: Range, pos: Pos) -> Range {
        if r == Range::default() {
            self.diags.error(
                "empty-condition",
                &pos,
                format!("{subject}: `{name}` gives no bound"),
                Some("use over, at_least, under or up_to".into()),
            );
        } else if r.is_empty() {
            self.diags.error(
                "contradictory-condition",
                &pos,
                format!("{subject}: `{name}` can never hold"),
                Some("check the bounds: the lower bound is above the upper".into()),
            );
        }
        r
    }
}
