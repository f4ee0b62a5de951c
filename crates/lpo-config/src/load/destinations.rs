//! Destination lists: the CSV files of postcodes (optionally with suburbs) that a surcharge's
//! `destinations` condition names.

use lpo_format::line_ends::{Syntax, record_line};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::diag::Pos;
use crate::files::Sp;
use crate::loader::Loader;
use crate::loader::repeats::Repeats;
use crate::loader::values::parse_postcode;

impl Loader {
    /// A destination list (CSV of postcodes, optionally with suburbs) named by a surcharge
    /// condition: postcode → suburbs, an empty list standing for the whole postcode.
    pub(super) fn destinations(
        &mut self,
        rel: &str,
        f: &Sp<String>,
    ) -> Option<FxHashMap<u16, Vec<Box<str>>>> {
        let path = self.resolve(rel, f)?;
        let text = self.read(&path, Syntax::Csv(b','))?;
        let drel = self.rel(&path);
        let mut map: FxHashMap<u16, Vec<Box<str>>> = FxHashMap::default();
        // Postcodes listed whole (their suburbs need not be).
        let mut whole: FxHashSet<u16> = FxHashSet::default();
        let mut repeats = Repeats::new(&drel);
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = rdr.headers().cloned().unwrap_or_default();
        let (Some(pc), sc) = (
            headers.iter().position(|h| h == "postcode"),
            headers.iter().position(|h| h == "suburb"),
        ) else {
            self.diags.error(
                "csv-missing-column",
                &Pos::at(&drel, 1, 0),
                "a destinations list needs a postcode column (and optionally suburb)",
                None,
            );
            return None;
        };
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.diags
                        .error("csv-syntax", &Pos::at(&drel, line, 0), e.to_string(), None);
                    continue;
                }
            };
            let line = rec
                .position()
                .map_or(0, |p| record_line(text.as_bytes(), p));
            let Some(p) = rec.get(pc).and_then(parse_postcode) else {
                self.diags.error(
                    "invalid-postcode",
                    &Pos::at(&drel, line, pc as u64 + 1),
                    format!("`{}` is not a 4-digit postcode", rec.get(pc).unwrap_or("")),
                    None,
                );
                continue;
            };
            let suburb: Box<str> = sc
                .and_then(|i| rec.get(i))
                .unwrap_or("")
                .to_uppercase()
                .into();
            if repeats.repeats(&mut self.diags, (p, suburb.clone()), line) {
                continue;
            }
            // A row without a suburb takes in the whole postcode, whatever else it lists.
            if suburb.is_empty() {
                whole.insert(p);
                map.insert(p, Vec::new());
            } else if !whole.contains(&p) {
                map.entry(p).or_default().push(suburb);
            }
        }
        repeats.finish(&mut self.diags);
        Some(map)
    }
}
