//! The global run's summary on stderr, from its typed report.

use std::fmt::Write as _;

use lpo_plan::report::{SolverReport, dollars};
use lpo_solve::{Status, group};

/// What `lpo optimise` prints after a global solve: status and gap, the model's size, the cost
/// against the per-order choice, every constraint and tier schedule in words.
pub fn solver_summary(r: &SolverReport) -> String {
    let mut s = String::new();
    let status = match r.status {
        Status::Optimal => "optimal",
        Status::TimeLimit => "stopped at the time limit with the best plan found",
        Status::Feasible => "a plan not proven within the gap (every step taken)",
    };
    let m = &r.model;
    let _ = writeln!(
        s,
        "global: {status}, gap {:.4} %, solved in {:.0} ms ({} solves)",
        r.gap_pct,
        r.solves_total.as_secs_f64() * 1e3,
        r.time_ms.solves.len()
    );
    let repaired = m.orders_in_split_classes.unwrap_or(0);
    let _ = writeln!(
        s,
        "model: {} orders in {} classes, {} options after dominance (per-order model: {} columns); {} of {} tier combination(s) solved (the others bounded), {} column-generation rounds, largest LP {} columns x {} rows{}",
        group(m.orders),
        group(m.classes as u64),
        group(m.class_options_after_dominance as u64),
        group(m.columns_per_order_model),
        m.tier_combinations_solved.unwrap_or(0),
        m.tier_combinations.unwrap_or(0),
        m.column_generation_rounds.unwrap_or(0),
        group(m.largest_lp_columns.unwrap_or(0) as u64),
        group(m.largest_lp_rows.unwrap_or(0) as u64),
        if repaired > 0 {
            format!(
                "; {repaired} order(s) placed by an integer solve of the classes the relaxation split"
            )
        } else {
            String::new()
        }
    );
    let c = &r.cost;
    let _ = writeln!(
        s,
        "cost: plan {} vs per-order cheapest {} ({}{}); tier discounts in the plan save {}",
        dollars(c.plan_cents),
        dollars(c.greedy_cents),
        if c.plan_minus_greedy_cents >= 0 {
            "+"
        } else {
            ""
        },
        dollars(c.plan_minus_greedy_cents),
        dollars(c.tier_savings_cents),
    );
    if let Some(v) = &c.greedy_breaks {
        let _ = writeln!(
            s,
            "      (the per-order choice breaks the constraints: {v})"
        );
    }
    for row in &r.constraints {
        let _ = writeln!(s, "  {:<10} {:<24} {}", row.kind, row.id, row.meaning);
    }
    for t in &r.tiers {
        let _ = writeln!(
            s,
            "  {:<10} {:<24} {} parcels to {}: {} (bands {:?})",
            "tiers",
            t.id,
            group(t.volume_parcels),
            t.carrier,
            if t.reached == 0 {
                "no tier reached".to_string()
            } else {
                format!("tier {} ({} off)", t.reached, t.reached_discount)
            },
            t.band_parcels
        );
    }
    s.truncate(s.trim_end().len());
    s
}
