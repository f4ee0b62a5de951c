//! Warnings for rules that can never change anything: shadowed rules (repeating an earlier one)
//! and unreachable ones (naming only carriers and services that are switched off).

use lpo_engine::Engine;
use lpo_engine::rules::{Action, Rule, Targets, disabled_by};

use crate::diag::Pos;
use crate::files::RuleDef;
use crate::loader::Loader;

impl Loader {
    /// Warnings for rules that can never change anything: they only target carriers or services
    /// that are switched off (in the rate card or by an earlier `disable` rule), or they repeat an
    /// earlier rule.
    pub(super) fn check_reachability(
        &mut self,
        rules: &[Rule],
        defs: &[(&RuleDef, String)],
        engine: &Engine,
    ) {
        for (i, (rule, (def, rel))) in rules.iter().zip(defs).enumerate() {
            let pos = Pos::at(rel, def.id.line, def.id.column);
            let earlier = rules.get(..i).unwrap_or_default();
            if let Some(same) = earlier
                .iter()
                .find(|e| e.when == rule.when && e.actions == rule.actions)
            {
                self.diags.warning(
                    "shadowed-rule",
                    &pos,
                    format!(
                        "rule `{}` repeats rule `{}` ({}) and changes nothing",
                        rule.id, same.id, same.location
                    ),
                    Some("remove one of them".into()),
                );
                continue;
            }
            let off = |carrier: u16, service: u32| {
                let c_on = engine
                    .carriers
                    .get(usize::from(carrier))
                    .is_some_and(|c| c.enabled);
                let s_on = engine
                    .services
                    .get(service as usize)
                    .is_some_and(|s| s.enabled);
                !c_on || !s_on || disabled_by(earlier, carrier, service).is_some()
            };
            let services_of = |t: &Targets| -> Vec<(u16, u32)> {
                engine
                    .services
                    .iter()
                    .enumerate()
                    .filter(|(si, s)| t.matches(s.carrier, *si as u32))
                    .map(|(si, s)| (s.carrier, si as u32))
                    .collect()
            };
            for a in &rule.actions {
                let t = match a {
                    Action::Exclude(t) | Action::Prefer(t) | Action::Disable(t) => t,
                    Action::Adjust { targets, .. } => targets,
                    Action::Require(_) | Action::Set(_) => continue,
                };
                let targets = services_of(t);
                if !t.is_empty() && !targets.is_empty() && targets.iter().all(|&(c, s)| off(c, s)) {
                    let why = if matches!(a, Action::Disable(_)) {
                        "are already switched off"
                    } else {
                        "are all switched off"
                    };
                    self.diags.warning(
                        "unreachable-rule",
                        &pos,
                        format!(
                            "rule `{}` can never apply: the carriers and services it names {why}",
                            rule.id
                        ),
                        Some("remove the rule, or switch the carrier back on".into()),
                    );
                    break;
                }
            }
        }
    }
}
