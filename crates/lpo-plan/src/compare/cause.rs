//! Attribution: why an order's outcome changed between two configurations (the rule, the
//! exclusion or the price lines responsible), and which config files differ.

use std::collections::{BTreeMap, BTreeSet};

use lpo_config::Loaded;
use lpo_engine::{Engine, Quote};
use lpo_format::output::line_code;
use lpo_model::QuoteOption;

use super::model::{FileChange, signed};
use super::rows::PlanRow;

/// The option of `q` for (warehouse, carrier, service), by ids.
fn option_of<'a>(
    engine: &Engine,
    q: &'a Quote,
    from: &str,
    carrier: &str,
    service: &str,
) -> Option<&'a QuoteOption> {
    q.options.iter().find(|o| {
        engine.warehouse_id(o.warehouse) == from
            && engine.service_ids(o.service) == (carrier, service)
    })
}

fn exclusion_words(
    engine: &Engine,
    q: &Quote,
    from: &str,
    carrier: &str,
    service: &str,
) -> Option<(String, String)> {
    let e = q.excluded.iter().find(|e| {
        engine.service_ids(e.service) == (carrier, service)
            && e.warehouse.is_none_or(|w| engine.warehouse_id(w) == from)
    })?;
    let rule = e.rule.and_then(|r| engine.rules.get(r as usize));
    Some(match rule {
        Some(r) => (
            format!(
                "rule `{}` ({}) excludes {carrier}/{service}",
                r.id, r.location
            ),
            r.reason.clone().unwrap_or_else(|| r.description.clone()),
        ),
        None => (
            format!("{carrier}/{service} {}", e.reason.as_str()),
            e.detail.clone(),
        ),
    })
}

/// Price lines of an option by code (`base`, `fuel`, `gst`, `surcharge:<id>`).
fn lines(engine: &Engine, q: &Quote, o: &QuoteOption) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for (l, c) in q.lines(o) {
        *m.entry(line_code(engine, l).into_owned()).or_insert(0) += c.0;
    }
    m
}

/// The price lines that differ between two options: (codes, "base +$1.00, fuel +$0.10").
fn line_deltas(a: &BTreeMap<String, i64>, b: &BTreeMap<String, i64>) -> (String, String) {
    let codes: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut keys = Vec::new();
    let mut words = Vec::new();
    for c in codes {
        let d = b.get(c).copied().unwrap_or(0) - a.get(c).copied().unwrap_or(0);
        if d != 0 {
            keys.push(c.clone());
            words.push(format!("{c} {}", signed(d)));
        }
    }
    (keys.join(", "), words.join(", "))
}

/// Why an order's outcome changed: (aggregation key, words for this order).
pub(crate) fn cause(
    base: &Engine,
    head: &Engine,
    qb: &Quote,
    qh: &Quote,
    rb: &PlanRow,
    rh: &PlanRow,
    global: bool,
) -> (String, String) {
    if rb.allocated() {
        let (f, c, s) = (&rb.from, &rb.carrier, &rb.service);
        match option_of(head, qh, f, c, s) {
            None => {
                if let Some((key, detail)) = exclusion_words(head, qh, f, c, s) {
                    return (key.clone(), format!("{key}: {detail}"));
                }
                let key = format!("{c}/{s} from {f} is not in the head configuration");
                return (key.clone(), key);
            }
            Some(oh) => {
                if let Some(ob) = option_of(base, qb, f, c, s)
                    && oh.total > ob.total
                {
                    let (k, w) = line_deltas(&lines(base, qb, ob), &lines(head, qh, oh));
                    return (
                        format!("{c}/{s} repriced ({k})"),
                        format!("{c}/{s} from {f}: {w}"),
                    );
                }
            }
        }
    }
    if rh.allocated() {
        let (f, c, s) = (&rh.from, &rh.carrier, &rh.service);
        match option_of(base, qb, f, c, s) {
            None => {
                let was = exclusion_words(base, qb, f, c, s)
                    .map(|(k, _)| format!(" (base: {k})"))
                    .unwrap_or_default();
                let key = format!("{c}/{s} newly available");
                return (key.clone(), format!("{key}{was}"));
            }
            Some(ob) => {
                if let Some(oh) = option_of(head, qh, f, c, s)
                    && ob.total != oh.total
                {
                    let (k, w) = line_deltas(&lines(base, qb, ob), &lines(head, qh, oh));
                    return (
                        format!("{c}/{s} repriced ({k})"),
                        format!("{c}/{s} from {f}: {w}"),
                    );
                }
            }
        }
    }
    let rules_b: BTreeSet<String> = qb
        .deciding_rules()
        .into_iter()
        .filter_map(|r| base.rules.get(r as usize).map(|r| r.id.clone()))
        .collect();
    let rules_h: BTreeSet<String> = qh
        .deciding_rules()
        .into_iter()
        .filter_map(|r| head.rules.get(r as usize).map(|r| r.id.clone()))
        .collect();
    if rules_b != rules_h {
        let added: Vec<&String> = rules_h.difference(&rules_b).collect();
        let removed: Vec<&String> = rules_b.difference(&rules_h).collect();
        let key = format!("rules deciding the choice: +{added:?} -{removed:?}");
        return (key.clone(), key);
    }
    if global {
        let key = "global constraints (a plan-wide trade-off; see the solver report)".to_string();
        return (key.clone(), key);
    }
    let key = "ranking changed (scores or eta)".to_string();
    (key.clone(), key)
}

/// The config files that differ, compared as loaded (no second read from disk).
pub(crate) fn changed_files(base: &Loaded, head: &Loaded) -> Vec<FileChange> {
    fn by_path(l: &Loaded) -> BTreeMap<&str, &[u8]> {
        l.files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice()))
            .collect()
    }
    let (b, h) = (by_path(base), by_path(head));
    let paths: BTreeSet<&str> = b.keys().chain(h.keys()).copied().collect();
    paths
        .into_iter()
        .filter_map(|f| {
            let change = match (b.get(f), h.get(f)) {
                (Some(_), None) => "removed",
                (None, Some(_)) => "added",
                (Some(x), Some(y)) if x != y => "modified",
                _ => return None,
            };
            Some(FileChange {
                path: f.to_string(),
                change,
            })
        })
        .collect()
}
