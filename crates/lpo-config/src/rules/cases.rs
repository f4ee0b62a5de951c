//! The example cases of rule files: an order and what the rules should make of it, for
//! `lpo test`.

use lpo_engine::Engine;
use lpo_model::{Date, Order, Strategy};

use super::names::Names;
use crate::diag::{Pos, did_you_mean};
use crate::files::{CaseDef, Sp};
use crate::loader::Loader;

/// An example case of a rule file, ready to run.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// `rules/10-address.yaml:40`
    pub location: String,
    pub order: Order,
    pub strategy: Option<Strategy>,
    pub date: Date,
    pub expect: Expect,
}

/// What a case expects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub from: Option<String>,
    pub rule: Option<String>,
    /// (carrier, service or every service, rule).
    pub excluded: Vec<(String, Option<String>, Option<String>)>,
    pub unallocated: bool,
}

/// The ship date cases use when they name none, so that they never depend on today.
pub const CASE_DATE: (i32, u32, u32) = (2026, 11, 26);

impl Loader {
    /// One example case of a rule file, checked against the final rule set.
    pub(super) fn case(&mut self, c: &CaseDef, rel: &str, engine: &Engine) -> Option<Case> {
        let pos = Pos::at(rel, c.name.line, c.name.column);
        let (order, strategy, _) = match c.order.clone().into_order() {
            Ok(x) => x,
            Err(e) => {
                self.diags.error(
                    "invalid-case",
                    &pos,
                    format!("case `{}`: {e}", c.name.value),
                    None,
                );
                return None;
            }
        };
        let names = Names { engine };
        let x = &c.expect;
        if let Some(cr) = &x.carrier
            && names.carrier(&cr.value).is_none()
        {
            self.unknown_carrier(cr, rel, &names);
        }
        if let (Some(cr), Some(sv)) = (&x.carrier, &x.service)
            && engine.service_by_ids(&cr.value, &sv.value).is_none()
            && names.carrier(&cr.value).is_some()
        {
            let full = Sp {
                value: format!("{}/{}", cr.value, sv.value),
                line: sv.line,
                column: sv.column,
            };
            self.unknown_service(&full, rel, &names);
        }
        let rule_ref = |l: &mut Loader, r: &Sp<String>| {
            if !engine.rules.iter().any(|x| x.id == r.value) {
                l.diags.error(
                    "unknown-rule",
                    &Pos::at(rel, r.line, r.column),
                    format!("unknown rule `{}`", r.value),
                    did_you_mean(&r.value, engine.rules.iter().map(|x| x.id.as_str())),
                );
            }
        };
        if let Some(r) = &x.rule {
            rule_ref(self, r);
        }
        for e in &x.excluded {
            if names.carrier(&e.carrier.value).is_none() {
                self.unknown_carrier(&e.carrier, rel, &names);
            }
            if let Some(r) = &e.rule {
                rule_ref(self, r);
            }
        }
        if x.carrier.is_none()
            && x.service.is_none()
            && x.excluded.is_empty()
            && !x.unallocated
            && x.rule.is_none()
        {
            self.diags.error(
                "empty-expect",
                &pos,
                format!("case `{}` expects nothing", c.name.value),
                Some("give carrier/service, rule, excluded or unallocated".into()),
            );
        }
        let (y, m, d) = CASE_DATE;
        let date = c
            .date
            .map(|d| d.0)
            .or(order.ship_date)
            .or_else(|| Date::from_ymd(y, m, d))
            .unwrap_or(Date::from_days(0));
        Some(Case {
            name: c.name.value.clone(),
            location: format!("{rel}:{}", c.name.line),
            order,
            strategy,
            date,
            expect: Expect {
                carrier: x.carrier.as_ref().map(|s| s.value.clone()),
                service: x.service.as_ref().map(|s| s.value.clone()),
                from: x.from.clone(),
                rule: x.rule.as_ref().map(|s| s.value.clone()),
                excluded: x
                    .excluded
                    .iter()
                    .map(|e| {
                        (
                            e.carrier.value.clone(),
                            e.service.clone(),
                            e.rule.as_ref().map(|r| r.value.clone()),
                        )
                    })
                    .collect(),
                unallocated: x.unallocated,
            },
        })
    }
}
