//! Rule files: reading, validating (unknown names with "did you mean", empty and contradictory
//! conditions, unreachable and shadowed rules) and compiling into engine rules; and their cases.
//!
//! `Loader::rules` here reads the files; `compile` compiles one rule and its actions, with the
//! conditions of `conditions` and the names of `names`; `reachability` warns about rules that
//! can never change anything; `cases` reads the example cases ([`Case`]).

use std::path::Path;

use lpo_engine::Engine;
use lpo_engine::rules::Rule;

use crate::files::{RuleDef, RulesFile, Sp};
use crate::loader::Loader;

mod cases;
mod compile;
mod conditions;
mod names;
mod reachability;

pub use cases::{CASE_DATE, Case, Expect};
use names::Names;

impl Loader {
    /// Reads every rule file of `dir` (name order) into `engine.rules`, and their cases.
    pub(crate) fn rules(
        &mut self,
        dir: &Path,
        from: (&str, &Sp<String>),
        engine: &mut Engine,
    ) -> Vec<Case> {
        let Some(paths) = self.yaml_files(dir, from) else {
            return Vec::new();
        };
        let mut files = Vec::new();
        for p in &paths {
            if let Some(f) = self.yaml::<RulesFile>(p) {
                files.push(f);
            }
        }
        let mut rules: Vec<Rule> = Vec::new();
        let mut defs: Vec<(&RuleDef, String)> = Vec::new();
        {
            let names = Names { engine };
            for (file, rel) in &files {
                for rd in file.rules.iter().filter(|r| r.enabled) {
                    if let Some(r) = self.rule(rd, rel, &names, &rules) {
                        rules.push(r);
                        defs.push((rd, rel.clone()));
                    }
                }
            }
        }
        self.check_reachability(&rules, &defs, engine);
        engine.set_rules(rules);
        // Cases, checked against the final rule set.
        let mut cases = Vec::new();
        for (file, rel) in &files {
            for c in &file.cases {
                if let Some(case) = self.case(c, rel, engine) {
                    cases.push(case);
                }
            }
        }
        cases
    }
}
