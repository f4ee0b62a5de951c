//! `lpo test`: run the example cases that rule files carry.

use lpo_config::rules::Case;
use lpo_engine::{Engine, Quote, QuoteRequest};
use lpo_format::output::rule_ids;
use lpo_model::Strategy;

use crate::common::{Global, Outcome, load_config};
use crate::explain::trace_lines;
use lpo_model::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only cases whose name contains this text.
    #[arg(long)]
    filter: Option<String>,
}

/// Checks one case: what differed (nothing when it passes), and the quote it was checked
/// against, kept for showing the rule trace.
pub fn check(engine: &Engine, case: &Case) -> (Vec<String>, Option<Quote>) {
    let req = QuoteRequest {
        strategy: case.strategy.unwrap_or(Strategy::Cheapest),
        date: case.date,
        explain: true,
    };
    let q = match engine.quote(&case.order, &req) {
        Ok(q) => q,
        Err(e) => return (vec![format!("the order cannot be quoted: {e}")], None),
    };
    let x = &case.expect;
    let mut problems = Vec::new();
    let actual = describe_selection(engine, &q);
    if x.unallocated {
        if q.selected().is_some() {
            problems.push(format!("expected no feasible service, got {actual}"));
        }
    } else if let Some(sel) = q.selected() {
        let (c, s) = engine.service_ids(sel.service);
        let from = engine.warehouse_id(sel.warehouse);
        let want_c = x.carrier.as_deref().is_none_or(|w| w == c);
        let want_s = x.service.as_deref().is_none_or(|w| w == s);
        let want_f = x.from.as_deref().is_none_or(|w| w == from);
        if !(want_c && want_s && want_f) {
            let want = format!(
                "{}/{}{}",
                x.carrier.as_deref().unwrap_or("*"),
                x.service.as_deref().unwrap_or("*"),
                x.from
                    .as_deref()
                    .map(|f| format!(" from {f}"))
                    .unwrap_or_default()
            );
            problems.push(format!("expected {want}, got {actual}"));
        }
    } else if x.carrier.is_some() || x.service.is_some() {
        problems.push(format!(
            "expected {}/{}, got no feasible service",
            x.carrier.as_deref().unwrap_or("*"),
            x.service.as_deref().unwrap_or("*")
        ));
    }
    let deciding = rule_ids(engine, &q);
    if let Some(rule) = &x.rule
        && !deciding.contains(rule)
    {
        let got = if deciding.is_empty() {
            "no rule".to_string()
        } else {
            deciding.join(", ")
        };
        problems.push(format!(
            "expected rule `{rule}` to decide the outcome; deciding rules: {got}"
        ));
    }
    for (carrier, service, rule) in &x.excluded {
        let hits: Vec<_> = q
            .excluded
            .iter()
            .filter(|e| {
                let (c, s) = engine.service_ids(e.service);
                c == carrier && service.as_deref().is_none_or(|w| w == s)
            })
            .collect();
        let name = format!("{carrier}/{}", service.as_deref().unwrap_or("*"));
        if hits.is_empty() {
            problems.push(format!(
                "expected {name} to be excluded, but it was offered"
            ));
            continue;
        }
        if let Some(rule) = rule {
            let by: Vec<&str> = hits
                .iter()
                .filter_map(|e| e.rule.and_then(|r| engine.rules.get(r as usize)))
                .map(|r| r.id.as_str())
                .collect();
            if !by.contains(&rule.as_str()) {
                let reasons: Vec<String> = hits.iter().map(|e| e.reason.to_string()).collect();
                problems.push(format!(
                    "expected {name} to be excluded by rule `{rule}`, it was excluded for: {}",
                    reasons.join(", ")
                ));
            }
        }
    }
    (problems, Some(q))
}

fn describe_selection(engine: &Engine, q: &Quote) -> String {
    match q.selected() {
        Some(sel) => {
            let (c, s) = engine.service_ids(sel.service);
            format!(
                "{c}/{s} from {} (${})",
                engine.warehouse_id(sel.warehouse),
                sel.total
            )
        }
        None => "no feasible service".to_string(),
    }
}

pub fn run(cli: &Global, a: &Args) -> Outcome {
    let loaded = load_config(cli)?;
    let engine = &loaded.engine;
    let (mut passed, mut failed) = (0usize, 0usize);
    for case in &loaded.cases {
        if a.filter.as_deref().is_some_and(|f| !case.name.contains(f)) {
            continue;
        }
        match check(engine, case) {
            (problems, _) if problems.is_empty() => {
                passed += 1;
                say!("ok    {}  {}", case.location, case.name);
            }
            (problems, quote) => {
                failed += 1;
                say!("FAIL  {}  {}", case.location, case.name);
                for p in problems {
                    say!("        {p}");
                }
                if let Some(q) = quote {
                    let trace = trace_lines(engine, &q);
                    if trace.is_empty() {
                        say!("        rule trace: no rule matched");
                    } else {
                        say!("        rule trace:");
                        for t in trace {
                            say!("          {t}");
                        }
                    }
                }
            }
        }
    }
    if passed + failed == 0 {
        say!("no cases (rule files carry them under `cases:`)");
    }
    say!("{passed} passed, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::Failure
    } else {
        ExitCode::Ok
    })
}
