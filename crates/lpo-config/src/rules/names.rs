//! The names rule files refer to (carriers, services, zones), looked up in the engine the rate
//! cards compiled into, with "did you mean" hints for unknown ones.

use lpo_engine::Engine;
use lpo_engine::rules::Targets;

use crate::diag::{Pos, did_you_mean};
use crate::files::{Sp, TargetsDef};
use crate::loader::Loader;

/// Names known to the rules, for references and hints.
pub(super) struct Names<'a> {
    pub(super) engine: &'a Engine,
}

impl Names<'_> {
    pub(super) fn carrier(&self, id: &str) -> Option<u16> {
        self.engine
            .carriers
            .iter()
            .position(|c| c.id == id)
            .map(|i| i as u16)
    }

    pub(super) fn service(&self, id: &str) -> Option<u32> {
        let (c, s) = id.split_once('/')?;
        self.engine.service_by_ids(c, s)
    }

    pub(super) fn carrier_ids(&self) -> impl Iterator<Item = &str> {
        self.engine.carriers.iter().map(|c| c.id.as_str())
    }

    pub(super) fn service_ids(&self) -> Vec<String> {
        (0..self.engine.services.len() as u32)
            .map(|i| {
                let (c, s) = self.engine.service_ids(i);
                format!("{c}/{s}")
            })
            .collect()
    }

    pub(super) fn zone(&self, name: &str) -> Vec<(u16, u16)> {
        self.engine
            .carriers
            .iter()
            .enumerate()
            .filter_map(|(ci, c)| {
                c.zones
                    .names
                    .iter()
                    .position(|z| z == name)
                    .map(|zi| (ci as u16, zi as u16))
            })
            .collect()
    }

    pub(super) fn zone_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .engine
            .carriers
            .iter()
            .flat_map(|c| c.zones.names.iter().map(String::as_str))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl Loader {
    /// The carriers and services a `TargetsDef` names, each unknown one reported.
    pub(super) fn targets(&mut self, t: &TargetsDef, rel: &str, names: &Names<'_>) -> Targets {
        let mut out = Targets::default();
        for c in &t.carriers {
            match names.carrier(&c.value) {
                Some(i) => out.carriers.push(i),
                None => self.unknown_carrier(c, rel, names),
            }
        }
        for s in &t.services {
            match names.service(&s.value) {
                Some(i) => out.services.push(i),
                None => self.unknown_service(s, rel, names),
            }
        }
        out
    }

    pub(super) fn unknown_carrier(&mut self, c: &Sp<String>, rel: &str, names: &Names<'_>) {
        self.diags.error(
            "unknown-carrier",
            &Pos::at(rel, c.line, c.column),
            format!("unknown carrier `{}`", c.value),
            did_you_mean(&c.value, names.carrier_ids()).or_else(|| {
                Some(format!(
                    "known carriers: {}",
                    names.carrier_ids().collect::<Vec<_>>().join(", ")
                ))
            }),
        );
    }

    pub(super) fn unknown_service(&mut self, s: &Sp<String>, rel: &str, names: &Names<'_>) {
        let all = names.service_ids();
        let hint = if s.value.contains('/') {
            did_you_mean(&s.value, all.iter().map(String::as_str))
        } else {
            let matches: Vec<&String> = all
                .iter()
                .filter(|x| x.ends_with(&format!("/{}", s.value)))
                .collect();
            Some(if matches.is_empty() {
                "name services as `carrier/service`".to_string()
            } else {
                format!(
                    "name services as `carrier/service`, e.g. `{}`",
                    matches
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join("`, `")
                )
            })
        };
        self.diags.error(
            "unknown-service",
            &Pos::at(rel, s.line, s.column),
            format!("unknown service `{}`", s.value),
            hint,
        );
    }
}
