//! Compiling one rule definition: its id, its condition (see `conditions`) and its actions
//! (exclude, require, adjust, prefer, set, disable).

use lpo_engine::rules::{Action, Expr, Rule, Settings};

use super::conditions::is_empty_when;
use super::names::Names;
use crate::diag::Pos;
use crate::files::{RuleDef, TargetsDef};
use crate::loader::Loader;

fn rule_id_ok(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

impl Loader {
    /// One rule definition: its id, condition and actions; `None` when it cannot be compiled.
    pub(super) fn rule(
        &mut self,
        rd: &RuleDef,
        rel: &str,
        names: &Names<'_>,
        earlier: &[Rule],
    ) -> Option<Rule> {
        let pos = Pos::at(rel, rd.id.line, rd.id.column);
        let id = &rd.id.value;
        if !rule_id_ok(id) {
            self.diags.error(
                "invalid-id",
                &pos,
                format!("rule id `{id}` is not a valid id"),
                Some(
                    "rule ids are lowercase letters, digits, `-` and `_`, starting with a letter"
                        .into(),
                ),
            );
        }
        if let Some(other) = earlier.iter().find(|r| r.id == *id) {
            self.diags.error(
                "duplicate-id",
                &pos,
                format!("rule `{id}` is already defined at {}", other.location),
                None,
            );
            return None;
        }
        let when = match &rd.when {
            None => Expr::True,
            Some(w) => {
                if is_empty_when(&w.value) {
                    self.diags.error(
                        "empty-condition",
                        &Pos::at(rel, w.line, w.column),
                        format!("rule `{id}`: `when` is empty"),
                        Some("leave `when` out for a rule that always applies".into()),
                    );
                }
                self.expr(&w.value, rel, (w.line, w.column), id, names)?
            }
        };
        let mut actions = Vec::new();
        let option_level = when.is_option_level();
        if let Some(t) = &rd.exclude {
            actions.push(Action::Exclude(self.targets(&t.value, rel, names)));
        }
        if let Some(t) = &rd.require {
            let targets = self.targets(&t.value, rel, names);
            if t.value.carriers.is_empty() && t.value.services.is_empty() {
                self.diags.error(
                    "empty-targets",
                    &Pos::at(rel, t.line, t.column),
                    format!("rule `{id}`: `require` names no carrier or service"),
                    Some("list `carriers:` and/or `services:` that may ship the order".into()),
                );
            }
            actions.push(Action::Require(targets));
        }
        if let Some(a) = &rd.adjust {
            let targets = self.targets(
                &TargetsDef {
                    carriers: a.value.carriers.clone(),
                    services: a.value.services.clone(),
                },
                rel,
                names,
            );
            if a.value.amount.is_none() && a.value.pct.is_none() {
                self.diags.error(
                    "empty-adjust",
                    &Pos::at(rel, a.line, a.column),
                    format!("rule `{id}`: `adjust` needs `amount` or `pct`"),
                    None,
                );
            }
            actions.push(Action::Adjust {
                targets,
                amount: lpo_model::Cents(a.value.amount.map_or(0, |d| d.0)),
                pct: lpo_model::Bp(a.value.pct.map_or(0, |d| d.0)),
            });
        }
        if let Some(t) = &rd.prefer {
            actions.push(Action::Prefer(self.targets(&t.value, rel, names)));
        }
        if let Some(s) = &rd.set {
            if option_level {
                self.diags.error(
                    "set-needs-order-condition",
                    &Pos::at(rel, s.line, s.column),
                    format!("rule `{id}`: `set` acts before pricing, so its condition cannot test the carrier, service, zone, price, eta, warehouse or distance"),
                    None,
                );
            }
            let v = &s.value;
            if v.signature.is_none()
                && v.residential.is_none()
                && v.dangerous_goods.is_none()
                && v.service_level.is_none()
            {
                self.diags.error(
                    "empty-set",
                    &Pos::at(rel, s.line, s.column),
                    format!("rule `{id}`: `set` changes nothing"),
                    None,
                );
            }
            actions.push(Action::Set(Settings {
                signature: v.signature,
                residential: v.residential,
                dangerous_goods: v.dangerous_goods,
                service_level: v.service_level.map(Into::into),
            }));
        }
        if let Some(t) = &rd.disable {
            if rd.when.is_some() {
                self.diags.error(
                    "disable-with-condition",
                    &Pos::at(rel, t.line, t.column),
                    format!("rule `{id}`: `disable` switches carriers off for every order and takes no `when`"),
                    Some("use `exclude` for a conditional exclusion".into()),
                );
            }
            let targets = self.targets(&t.value, rel, names);
            if t.value.carriers.is_empty() && t.value.services.is_empty() {
                self.diags.error(
                    "empty-targets",
                    &Pos::at(rel, t.line, t.column),
                    format!("rule `{id}`: `disable` names nothing"),
                    None,
                );
            }
            actions.push(Action::Disable(targets));
        }
        if actions.is_empty() {
            self.diags.error(
                "no-action",
                &pos,
                format!("rule `{id}` has no action"),
                Some("give one or more of exclude, require, adjust, prefer, set, disable".into()),
            );
        }
        Some(Rule {
            id: id.clone(),
            description: rd.description.clone(),
            reason: rd.reason.clone(),
            location: format!("{rel}:{}", rd.id.line),
            when,
            actions,
        })
    }
}
