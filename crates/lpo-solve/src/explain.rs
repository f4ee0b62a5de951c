//! Why a day is infeasible, in words: the capacities and commitments that cannot hold, from
//! plain counts and from the elastic slacks of the combination that needed the least relaxing.

use lpo_engine::constraints::{CapacityUnit, CommitmentUnit};
use lpo_engine::{Constraints, Engine};

use crate::cg::lp::LpOptimum;
use crate::classes::Batch;
use crate::types::Infeasibility;

/// Slack above this counts as a row the LP had to relax.
const EPS: f64 = 1e-6;

/// Explains an infeasible batch from the combination of tier bands that needed the least
/// relaxing: which capacities and commitments would have to give and by how much, with the
/// plain counts behind them.
pub(crate) fn explain_infeasible(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    least: Option<&LpOptimum>,
) -> Infeasibility {
    let mut reasons = counted_reasons(engine, cons, batch, least);
    if reasons.is_empty() {
        reasons.push(
            "no plan meets every constraint, but no single capacity or commitment explains it"
                .into(),
        );
    }
    Infeasibility { reasons }
}

/// The capacities and commitments that cannot hold, with the counts that prove it: a capacity
/// below what can go nowhere else, a hard minimum above all that can go by its carrier, and,
/// given a combination's LP, the rows its elastic slacks had to relax.
pub(crate) fn counted_reasons(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    least: Option<&LpOptimum>,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let carrier = |c: u16| {
        engine
            .carriers
            .get(usize::from(c))
            .map_or("?", |c| c.id.as_str())
    };
    let slack = |r: usize| least.and_then(|l| l.slack.get(r).copied()).unwrap_or(0.0);
    for (i, cap) in cons.capacities.iter().enumerate() {
        // Parcels (or grams) that can go nowhere else.
        let must: u64 = batch
            .classes
            .iter()
            .enumerate()
            .filter(|&(k, _)| {
                batch
                    .options_of(k)
                    .iter()
                    .all(|o| cap.scope.matches(engine, o.service, o.warehouse))
            })
            .map(|(_, c)| {
                c.count
                    * match cap.unit {
                        CapacityUnit::Parcels => c.parcels,
                        CapacityUnit::Grams => c.grams,
                    }
            })
            .sum();
        let over = slack(i);
        let fmt = |n: f64| match cap.unit {
            CapacityUnit::Parcels => format!("{} parcels", group(n.round() as u64)),
            CapacityUnit::Grams => format!("{} kg", group((n / 1000.0).ceil() as u64)),
        };
        if must > cap.limit {
            reasons.push(format!(
                "capacity `{}` ({}) allows {}, but {} have no other feasible option",
                cap.id,
                cap.origin,
                fmt(cap.limit as f64),
                fmt(must as f64)
            ));
        } else if over > EPS {
            reasons.push(format!(
                "capacity `{}` ({}) allows {} and would need {} more to place every order under the other constraints",
                cap.id,
                cap.origin,
                fmt(cap.limit as f64),
                fmt(over)
            ));
        }
    }
    for (i, m) in cons.commitments.iter().enumerate() {
        if m.penalty.is_some() {
            continue;
        }
        let reach: u64 = batch
            .classes
            .iter()
            .enumerate()
            .filter_map(|(k, c)| {
                let best = batch
                    .options_of(k)
                    .iter()
                    .filter(|o| o.carrier == m.carrier)
                    .map(|o| match m.unit {
                        CommitmentUnit::Parcels => c.parcels,
                        CommitmentUnit::Spend => (0..usize::from(o.bands))
                            .map(|b| batch.price(o, b).total.0.max(0) as u64)
                            .max()
                            .unwrap_or(0),
                    })
                    .max()?;
                Some(best * c.count)
            })
            .sum();
        let orders: u64 = batch
            .classes
            .iter()
            .enumerate()
            .filter(|&(k, _)| batch.options_of(k).iter().any(|o| o.carrier == m.carrier))
            .map(|(_, c)| c.count)
            .sum();
        let fmt = |n: f64| match m.unit {
            CommitmentUnit::Parcels => format!("{} parcels", group(n.round() as u64)),
            CommitmentUnit::Spend => format!("${}", group((n / 100.0).ceil() as u64)),
        };
        let short_by = slack(cons.capacities.len() + i);
        if reach < m.min {
            reasons.push(format!(
                "commitment `{}` ({}) needs {} to {}, but only {} orders of the batch ({}) can go by {}",
                m.id,
                m.origin,
                fmt(m.min as f64),
                carrier(m.carrier),
                group(orders),
                fmt(reach as f64),
                carrier(m.carrier)
            ));
        } else if short_by > EPS {
            reasons.push(format!(
                "commitment `{}` ({}) needs {} to {}; the capacities and the other commitments leave it {} short",
                m.id,
                m.origin,
                fmt(m.min as f64),
                carrier(m.carrier),
                fmt(short_by)
            ));
        }
    }
    reasons
}

/// 12345 → "12,345".
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
