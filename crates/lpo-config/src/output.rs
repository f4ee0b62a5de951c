//! Output formats: the plan and options CSV of the contract, the quote JSON, and atomic file writes.

use std::io::Write;
use std::path::Path;

use lpo_engine::{Engine, Quote};
use lpo_model::{Cents, Line, QuoteOption};
use serde::Serialize;

/// Header of the plan CSV, as the contract fixes it.
pub const PLAN_HEADER: &str = "order_id,status,from,carrier,service,zone,chargeable_kg,base,surcharges,fuel,gst,total,eta_days,reason\n";

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
    buf.push('\n');
}

/// Appends an `unallocated` or `rejected` plan row.
pub fn push_unplaced(buf: &mut String, order_id: &str, status: &str, reason: &str) {
    push_field(buf, order_id);
    buf.push(',');
    buf.push_str(status);
    buf.push_str(",,,,,,,,,,,,");
    push_field(buf, reason);
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

/// Writes a file atomically: into a temporary file beside it, flushed to disk, then renamed over
/// the target, so a crash or kill never leaves a half-written file.
pub fn write_atomic(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        for p in parts {
            f.write_all(p)?;
        }
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[derive(Debug, Serialize)]
pub struct LineJson {
    pub code: String,
    pub amount_cents: i64,
}

#[derive(Debug, Serialize)]
pub struct OptionJson {
    pub carrier: String,
    pub service: String,
    pub from: String,
    pub zone: String,
    pub chargeable_kg: f64,
    pub eta_days: u8,
    pub tags: Vec<&'static str>,
    pub lines: Vec<LineJson>,
    pub total_cents: i64,
    pub score_cents: i64,
}

#[derive(Debug, Serialize)]
pub struct ExcludedJson {
    pub carrier: String,
    pub service: String,
    pub from: Option<String>,
    pub reason_code: &'static str,
    pub rule: Option<String>,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct SelectedJson {
    pub carrier: String,
    pub service: String,
    pub from: String,
}

/// The contract's quote JSON.
#[derive(Debug, Serialize)]
pub struct QuoteJson {
    pub config_version: String,
    pub ship_date: String,
    pub options: Vec<OptionJson>,
    pub excluded: Vec<ExcludedJson>,
    pub selected: Option<SelectedJson>,
    /// Ids of the business rules that changed the outcome.
    pub rules: Vec<String>,
}

/// Converts an engine quote to the contract's JSON shape.
pub fn quote_json(engine: &Engine, q: &Quote) -> QuoteJson {
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
                    code: match l {
                        Line::Base => "base".to_string(),
                        Line::Surcharge(i) => format!("surcharge:{}", engine.surcharge_id(i)),
                        Line::Fuel => "fuel".to_string(),
                        Line::Gst => "gst".to_string(),
                    },
                    amount_cents: c.0,
                })
                .collect();
            OptionJson {
                carrier: carrier.to_string(),
                service: service.to_string(),
                from: engine.warehouse_id(o.warehouse).to_string(),
                zone: engine.zone_name(o.service, o.zone).to_string(),
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
                carrier: carrier.to_string(),
                service: service.to_string(),
                from: e.warehouse.map(|w| engine.warehouse_id(w).to_string()),
                reason_code: e.reason.as_str(),
                rule: e
                    .rule
                    .and_then(|r| engine.rules.get(r as usize))
                    .map(|r| r.id.clone()),
                detail: e.detail.clone(),
            }
        })
        .collect();
    let selected = q.selected().map(|o| {
        let (carrier, service) = engine.service_ids(o.service);
        SelectedJson {
            carrier: carrier.to_string(),
            service: service.to_string(),
            from: engine.warehouse_id(o.warehouse).to_string(),
        }
    });
    QuoteJson {
        config_version: engine.version.clone(),
        ship_date: q.date.to_string(),
        options,
        excluded,
        selected,
        rules: rule_ids(engine, q),
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
