//! Output formats: the plan and options CSV of the contract, the quote JSON, and atomic file writes.

use std::borrow::Cow;

use lpo_engine::{Engine, Quote};
use lpo_model::{Cents, Line, QuoteOption};
use serde::Serialize;

/// Header of the plan CSV: the contract's columns, then `warnings` (what the order's address
/// left uncertain, such as a suburb the postcode table does not know).
pub const PLAN_HEADER: &str = "order_id,status,from,carrier,service,zone,chargeable_kg,base,surcharges,fuel,gst,total,eta_days,reason,warnings\n";

/// Header of the options CSV.
pub const OPTIONS_HEADER: &str =
    "order_id,from,carrier,service,zone,chargeable_kg,eta_days,total_cents,score_cents\n";

/// Appends `field` to `buf`, quoted when it holds a comma, quote or line break.
pub fn push_field(buf: &mut String, field: &str) {
    if field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        buf.push('"');
        buf.push_str(&field.replace('"', "\"\""));
        buf.push('"');
    } else {
        buf.push_str(field);
    }
}

/// Grams as kg with up to three decimals and no trailing zeros: 6750 → `6.75`.
pub fn kg_str(g: u64) -> String {
    let s = format!("{}.{:03}", g / 1000, g % 1000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Appends one `allocated` plan row.
pub fn push_allocated(
    buf: &mut String,
    engine: &Engine,
    order_id: &str,
    o: &QuoteOption,
    reason: &str,
    warnings: &[String],
) {
    use std::fmt::Write as _;
    let (carrier, service) = engine.service_ids(o.service);
    push_field(buf, order_id);
    let _ = write!(
        buf,
        ",allocated,{},{carrier},{service},",
        engine.warehouse_id(o.warehouse)
    );
    push_field(buf, engine.zone_name(o.service, o.zone));
    let _ = write!(
        buf,
        ",{},{},{},{},{},{},{},",
        kg_str(o.chargeable_g),
        o.base,
        o.surcharges,
        o.fuel,
        o.gst,
        o.total,
        o.eta_days
    );
    push_field(buf, reason);
    push_warnings(buf, warnings);
}

/// Appends an `unallocated` or `rejected` plan row.
pub fn push_unplaced(
    buf: &mut String,
    order_id: &str,
    status: &str,
    reason: &str,
    warnings: &[String],
) {
    push_field(buf, order_id);
    buf.push(',');
    buf.push_str(status);
    buf.push_str(",,,,,,,,,,,,");
    push_field(buf, reason);
    push_warnings(buf, warnings);
}

/// The `warnings` field, `; `-separated, and the row's end.
fn push_warnings(buf: &mut String, warnings: &[String]) {
    buf.push(',');
    push_field(buf, &warnings.join("; "));
    buf.push('\n');
}

/// Appends the options rows of one order, best first.
pub fn push_options(buf: &mut String, engine: &Engine, order_id: &str, options: &[QuoteOption]) {
    use std::fmt::Write as _;
    for o in options {
        let (carrier, service) = engine.service_ids(o.service);
        push_field(buf, order_id);
        let _ = write!(
            buf,
            ",{},{carrier},{service},",
            engine.warehouse_id(o.warehouse)
        );
        push_field(buf, engine.zone_name(o.service, o.zone));
        let _ = writeln!(
            buf,
            ",{},{},{},{}",
            kg_str(o.chargeable_g),
            o.eta_days,
            o.total.0,
            o.score.0
        );
    }
}

pub use crate::staged::write_atomic;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LineJson<'a> {
    /// `base`, `fuel`, `gst` or `surcharge:<id>`.
    pub code: Cow<'a, str>,
    pub amount_cents: i64,
}

/// One feasible (warehouse, service) for the order.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OptionJson<'a> {
    pub carrier: &'a str,
    pub service: &'a str,
    /// Warehouse the order ships from.
    pub from: &'a str,
    pub zone: &'a str,
    pub chargeable_kg: f64,
    pub eta_days: u8,
    /// `cheapest` and/or `fastest` among the options.
    pub tags: Vec<&'static str>,
    /// Price lines; they sum exactly to `total_cents`.
    pub lines: Vec<LineJson<'a>>,
    /// Invoice price including GST, cents.
    pub total_cents: i64,
    /// What the selection minimises: the price plus rule adjustments.
    pub score_cents: i64,
}

/// A (warehouse, service) that cannot take the order, and why.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ExcludedJson<'a> {
    pub carrier: &'a str,
    pub service: &'a str,
    pub from: Option<&'a str>,
    /// Stable reason code (docs/reason-codes.md).
    pub reason_code: &'static str,
    /// The business rule that excluded it, if a rule did.
    pub rule: Option<&'a str>,
    /// Human-readable detail (filled when the request asks for `explain`).
    pub detail: &'a str,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SelectedJson<'a> {
    pub carrier: &'a str,
    pub service: &'a str,
    pub from: &'a str,
}

/// The contract's quote JSON. It borrows from the engine and the quote, so building it costs
/// little beyond the vectors.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct QuoteJson<'a> {
    /// Version (hash) of the configuration the quote was computed with.
    pub config_version: &'a str,
    pub ship_date: String,
    /// Feasible options, best first under the requested strategy.
    pub options: Vec<OptionJson<'a>>,
    pub excluded: Vec<ExcludedJson<'a>>,
    /// The best option; null when no service can take the order.
    pub selected: Option<SelectedJson<'a>>,
    /// Ids of the business rules that changed the outcome.
    pub rules: Vec<&'a str>,
    /// What the destination left uncertain, as `code: detail` (`unknown_suburb`: the postcode
    /// table does not know the suburb in its postcode; `state_from_suburb`: the suburb's state
    /// was used instead of the one given). Empty when nothing is in doubt.
    pub warnings: &'a [String],
}

/// A price line's code in the quote JSON: `base`, `fuel`, `gst` or `surcharge:<id>`.
pub fn line_code(engine: &Engine, line: Line) -> Cow<'_, str> {
    match line {
        Line::Base => Cow::Borrowed("base"),
        Line::Surcharge(i) => Cow::Owned(format!("surcharge:{}", engine.surcharge_id(i))),
        Line::Fuel => Cow::Borrowed("fuel"),
        Line::Gst => Cow::Borrowed("gst"),
    }
}

/// Converts an engine quote to the contract's JSON shape.
pub fn quote_json<'a>(engine: &'a Engine, q: &'a Quote) -> QuoteJson<'a> {
    let min_total = q
        .options
        .iter()
        .map(|o| o.total)
        .min()
        .unwrap_or(Cents::ZERO);
    let min_eta = q.options.iter().map(|o| o.eta_days).min().unwrap_or(0);
    let options = q
        .options
        .iter()
        .map(|o| {
            let (carrier, service) = engine.service_ids(o.service);
            let mut tags = Vec::new();
            if o.total == min_total {
                tags.push("cheapest");
            }
            if o.eta_days == min_eta {
                tags.push("fastest");
            }
            let lines = q
                .lines(o)
                .map(|(l, c)| LineJson {
                    code: line_code(engine, l),
                    amount_cents: c.0,
                })
                .collect();
            OptionJson {
                carrier,
                service,
                from: engine.warehouse_id(o.warehouse),
                zone: engine.zone_name(o.service, o.zone),
                chargeable_kg: o.chargeable_g as f64 / 1000.0,
                eta_days: o.eta_days,
                tags,
                lines,
                total_cents: o.total.0,
                score_cents: o.score.0,
            }
        })
        .collect();
    let excluded = q
        .excluded
        .iter()
        .map(|e| {
            let (carrier, service) = engine.service_ids(e.service);
            ExcludedJson {
                carrier,
                service,
                from: e.warehouse.map(|w| engine.warehouse_id(w)),
                reason_code: e.reason.as_str(),
                rule: e
                    .rule
                    .and_then(|r| engine.rules.get(r as usize))
                    .map(|r| r.id.as_str()),
                detail: &e.detail,
            }
        })
        .collect();
    let selected = q.selected().map(|o| {
        let (carrier, service) = engine.service_ids(o.service);
        SelectedJson {
            carrier,
            service,
            from: engine.warehouse_id(o.warehouse),
        }
    });
    QuoteJson {
        config_version: &engine.version,
        ship_date: q.date.to_string(),
        options,
        excluded,
        selected,
        rules: q
            .deciding_rules()
            .into_iter()
            .filter_map(|r| engine.rules.get(r as usize))
            .map(|r| r.id.as_str())
            .collect(),
        warnings: &q.warnings,
    }
}

/// Ids of the rules that decided a quote's outcome.
pub fn rule_ids(engine: &Engine, q: &Quote) -> Vec<String> {
    q.deciding_rules()
        .into_iter()
        .filter_map(|r| engine.rules.get(r as usize))
        .map(|r| r.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut b = String::new();
        push_field(&mut b, "plain");
        b.push(',');
        push_field(&mut b, "a,b \"c\"");
        assert_eq!(b, "plain,\"a,b \"\"c\"\"\"");
        assert_eq!(kg_str(6750), "6.75");
        assert_eq!(kg_str(7000), "7");
        assert_eq!(kg_str(5), "0.005");
    }
}
