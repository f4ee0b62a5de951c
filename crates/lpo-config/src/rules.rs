//! Rule files: reading, validating (unknown names with "did you mean", empty and contradictory
//! conditions, unreachable and shadowed rules) and compiling into engine rules; and their cases.

use std::path::Path;

use lpo_engine::rules::{Action, Expr, Pred, Rule, Settings, Targets, disabled_by};
use lpo_engine::{Engine, Range};
use lpo_model::{Date, Order, State, Strategy};

use crate::diag::{Pos, did_you_mean};
use crate::files::*;
use crate::load::{Loader, range_of};

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

fn rule_id_ok(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Names known to the rules, for references and hints.
struct Names<'a> {
    engine: &'a Engine,
}

impl Names<'_> {
    fn carrier(&self, id: &str) -> Option<u16> {
        self.engine
            .carriers
            .iter()
            .position(|c| c.id == id)
            .map(|i| i as u16)
    }

    fn service(&self, id: &str) -> Option<u32> {
        let (c, s) = id.split_once('/')?;
        self.engine.service_by_ids(c, s)
    }

    fn carrier_ids(&self) -> impl Iterator<Item = &str> {
        self.engine.carriers.iter().map(|c| c.id.as_str())
    }

    fn service_ids(&self) -> Vec<String> {
        (0..self.engine.services.len() as u32)
            .map(|i| {
                let (c, s) = self.engine.service_ids(i);
                format!("{c}/{s}")
            })
            .collect()
    }

    fn zone(&self, name: &str) -> Vec<(u16, u16)> {
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

    fn zone_names(&self) -> Vec<&str> {
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
    /// Reads every rule file of `dir` (name order) into `engine.rules`, and their cases.
    pub(crate) fn rules(
        &mut self,
        dir: &Path,
        from: (&str, &Sp<String>),
        engine: &mut Engine,
    ) -> Vec<Case> {
        let mut paths: Vec<_> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml") && p.is_file())
                .collect(),
            Err(e) => {
                let pos = Pos::at(from.0, from.1.line, from.1.column);
                self.diags.error(
                    "io-error",
                    &pos,
                    format!("cannot list `{}`: {e}", from.1.value),
                    None,
                );
                return Vec::new();
            }
        };
        paths.sort();
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

    fn targets(&mut self, t: &TargetsDef, rel: &str, names: &Names<'_>) -> Targets {
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

    fn unknown_carrier(&mut self, c: &Sp<String>, rel: &str, names: &Names<'_>) {
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

    fn unknown_service(&mut self, s: &Sp<String>, rel: &str, names: &Names<'_>) {
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

    fn rule(
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

    fn expr(
        &mut self,
        w: &WhenDef,
        rel: &str,
        at: (u64, u64),
        id: &str,
        names: &Names<'_>,
    ) -> Option<Expr> {
        let mut parts: Vec<Expr> = Vec::new();
        let mut leaf = |p: Pred| parts.push(Expr::Leaf(p));
        let pos = |l: u64, c: u64| Pos::at(rel, l, c);
        let subject = format!("rule `{id}`");
        if let Some(r) = &w.weight_kg {
            leaf(Pred::ConsignmentG(self.check_range(
                &subject,
                "weight_kg",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.parcel_weight_kg {
            leaf(Pred::AnyParcelG(self.check_range(
                &subject,
                "parcel_weight_kg",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.longest_cm {
            leaf(Pred::AnyLongestMm(self.check_range(
                &subject,
                "longest_cm",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.volume_m3 {
            leaf(Pred::AnyVolumeMm3(self.check_range(
                &subject,
                "volume_m3",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.parcels {
            leaf(Pred::Parcels(self.check_range(
                &subject,
                "parcels",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.declared_value {
            leaf(Pred::DeclaredCents(self.check_range(
                &subject,
                "declared_value",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(b) = w.dangerous_goods {
            leaf(Pred::DangerousGoods(b));
        }
        if let Some(b) = w.signature {
            leaf(Pred::Signature(b));
        }
        if let Some(b) = w.residential {
            leaf(Pred::Residential(b));
        }
        if let Some(l) = w.service_level {
            leaf(Pred::ServiceLevel(l.into()));
        }
        if let Some(v) = &w.channel {
            leaf(Pred::Channel(v.clone()));
        }
        if let Some(v) = &w.sku {
            leaf(Pred::Sku(v.clone()));
        }
        if let Some(v) = &w.weekday {
            let mask = v.iter().fold(0u8, |m, d| m | (1 << (*d as u8)));
            leaf(Pred::Weekday(mask));
        }
        if let Some(d) = &w.ship_date {
            let r = Range {
                at_least: d.value.from.map(|x| i64::from(x.0.days())),
                up_to: d.value.to.map(|x| i64::from(x.0.days())),
                ..Range::default()
            };
            leaf(Pred::ShipDate(self.check_range(
                &subject,
                "ship_date",
                r,
                pos(d.line, d.column),
            )));
        }
        if let Some(v) = &w.state {
            let states = v
                .iter()
                .map(|s| match s {
                    StateDef::Nsw => State::Nsw,
                    StateDef::Vic => State::Vic,
                    StateDef::Qld => State::Qld,
                    StateDef::Sa => State::Sa,
                    StateDef::Wa => State::Wa,
                    StateDef::Tas => State::Tas,
                    StateDef::Nt => State::Nt,
                    StateDef::Act => State::Act,
                })
                .collect();
            leaf(Pred::State(states));
        }
        if let Some(v) = &w.suburb {
            leaf(Pred::Suburb(v.iter().map(|s| s.to_uppercase()).collect()));
        }
        if let Some(v) = &w.address_type {
            leaf(Pred::AddressType(v.iter().map(|&a| a.into()).collect()));
        }
        if let Some(r) = &w.distance_km {
            leaf(Pred::DistanceM(self.check_range(
                &subject,
                "distance_km",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.price {
            leaf(Pred::PriceCents(self.check_range(
                &subject,
                "price",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.eta_days {
            leaf(Pred::EtaDays(self.check_range(
                &subject,
                "eta_days",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(ps) = &w.postcodes {
            let v = self.postcode_ranges(rel, ps);
            parts.push(Expr::Leaf(Pred::Postcodes(v)));
        }
        if let Some(a) = &w.in_area {
            let path = self.resolve(rel, a)?;
            let mp = self.geojson(&path)?;
            parts.push(Expr::Leaf(Pred::InArea(Box::new(mp))));
        }
        if let Some(cs) = &w.carrier {
            let mut v = Vec::new();
            for c in cs {
                match names.carrier(&c.value) {
                    Some(i) => v.push(i),
                    None => self.unknown_carrier(c, rel, names),
                }
            }
            parts.push(Expr::Leaf(Pred::Carrier(v)));
        }
        if let Some(ss) = &w.service {
            let mut v = Vec::new();
            for s in ss {
                match names.service(&s.value) {
                    Some(i) => v.push(i),
                    None => self.unknown_service(s, rel, names),
                }
            }
            parts.push(Expr::Leaf(Pred::Service(v)));
        }
        if let Some(zs) = &w.zone {
            let mut v = Vec::new();
            for z in zs {
                let found = names.zone(&z.value);
                if found.is_empty() {
                    self.diags.error(
                        "unknown-zone",
                        &pos(z.line, z.column),
                        format!("no carrier has a zone `{}`", z.value),
                        did_you_mean(&z.value, names.zone_names()),
                    );
                }
                v.extend(found);
            }
            parts.push(Expr::Leaf(Pred::Zone(v)));
        }
        if let Some(ws) = &w.from {
            let mut v = Vec::new();
            for x in ws {
                match names.engine.warehouse_by_id(&x.value) {
                    Some(i) => v.push(i),
                    None => self.diags.error(
                        "unknown-warehouse",
                        &pos(x.line, x.column),
                        format!("unknown warehouse `{}`", x.value),
                        did_you_mean(
                            &x.value,
                            names.engine.warehouses.iter().map(|w| w.id.as_str()),
                        ),
                    ),
                }
            }
            parts.push(Expr::Leaf(Pred::From(v)));
        }
        for sub in &w.all {
            if is_empty_when(&sub.value) {
                self.diags.error(
                    "empty-condition",
                    &pos(sub.line, sub.column),
                    format!("rule `{id}`: an `all` entry is empty"),
                    None,
                );
            }
            parts.push(self.expr(&sub.value, rel, (sub.line, sub.column), id, names)?);
        }
        if !w.any.is_empty() {
            let mut alts = Vec::new();
            for sub in &w.any {
                if is_empty_when(&sub.value) {
                    self.diags.error(
                        "empty-condition",
                        &pos(sub.line, sub.column),
                        format!("rule `{id}`: an `any` entry is empty (it would always match)"),
                        None,
                    );
                }
                alts.push(self.expr(&sub.value, rel, (sub.line, sub.column), id, names)?);
            }
            parts.push(Expr::Any(alts));
        }
        if let Some(n) = &w.not {
            parts.push(Expr::Not(Box::new(self.expr(
                &n.value,
                rel,
                (n.line, n.column),
                id,
                names,
            )?)));
        }
        if let Some(msg) = contradiction(&parts) {
            self.diags.error(
                "contradictory-condition",
                &pos(at.0, at.1),
                format!("rule `{id}`: {msg}, so the condition can never hold"),
                Some(
                    "the keys of one mapping and the entries of `all` must all hold together"
                        .into(),
                ),
            );
        }
        Some(match parts.len() {
            0 => Expr::True,
            1 => parts.pop().unwrap_or(Expr::True),
            _ => Expr::All(parts),
        })
    }

    /// Warnings for rules that can never change anything: they only target carriers or services
    /// that are switched off (in the rate card or by an earlier `disable` rule), or they repeat an
    /// earlier rule.
    fn check_reachability(&mut self, rules: &[Rule], defs: &[(&RuleDef, String)], engine: &Engine) {
        for (i, (rule, (def, rel))) in rules.iter().zip(defs).enumerate() {
            let pos = Pos::at(rel, def.id.line, def.id.column);
            if let Some(j) = rules[..i]
                .iter()
                .position(|e| e.when == rule.when && e.actions == rule.actions)
            {
                self.diags.warning(
                    "shadowed-rule",
                    &pos,
                    format!(
                        "rule `{}` repeats rule `{}` ({}) and changes nothing",
                        rule.id, rules[j].id, rules[j].location
                    ),
                    Some("remove one of them".into()),
                );
                continue;
            }
            let earlier = &rules[..i];
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

    fn case(&mut self, c: &CaseDef, rel: &str, engine: &Engine) -> Option<Case> {
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

fn is_empty_when(w: &WhenDef) -> bool {
    w.all.is_empty()
        && w.any.is_empty()
        && w.not.is_none()
        && w.weight_kg.is_none()
        && w.parcel_weight_kg.is_none()
        && w.longest_cm.is_none()
        && w.volume_m3.is_none()
        && w.parcels.is_none()
        && w.declared_value.is_none()
        && w.dangerous_goods.is_none()
        && w.signature.is_none()
        && w.residential.is_none()
        && w.service_level.is_none()
        && w.channel.is_none()
        && w.sku.is_none()
        && w.weekday.is_none()
        && w.ship_date.is_none()
        && w.postcodes.is_none()
        && w.state.is_none()
        && w.suburb.is_none()
        && w.address_type.is_none()
        && w.in_area.is_none()
        && w.distance_km.is_none()
        && w.carrier.is_none()
        && w.service.is_none()
        && w.zone.is_none()
        && w.price.is_none()
        && w.eta_days.is_none()
        && w.from.is_none()
}

/// Two tests of one conjunction that cannot both hold: disjoint lists of the same kind, or
/// opposite flags. Looks through nested `all`s.
fn contradiction(parts: &[Expr]) -> Option<String> {
    fn leaves<'a>(parts: &'a [Expr], out: &mut Vec<&'a Pred>) {
        for p in parts {
            match p {
                Expr::Leaf(l) => out.push(l),
                Expr::All(v) => leaves(v, out),
                _ => {}
            }
        }
    }
    fn disjoint<T: PartialEq>(a: &[T], b: &[T]) -> bool {
        !a.iter().any(|x| b.contains(x))
    }
    let mut ls = Vec::new();
    leaves(parts, &mut ls);
    for (i, a) in ls.iter().enumerate() {
        for b in ls.iter().skip(i + 1) {
            let clash = match (a, b) {
                (Pred::State(x), Pred::State(y)) => {
                    disjoint(x, y).then_some("two `state` tests share no state")
                }
                (Pred::AddressType(x), Pred::AddressType(y)) => {
                    disjoint(x, y).then_some("two `address_type` tests share no type")
                }
                (Pred::Carrier(x), Pred::Carrier(y)) => {
                    disjoint(x, y).then_some("two `carrier` tests share no carrier")
                }
                (Pred::Service(x), Pred::Service(y)) => {
                    disjoint(x, y).then_some("two `service` tests share no service")
                }
                (Pred::From(x), Pred::From(y)) => {
                    disjoint(x, y).then_some("two `from` tests share no warehouse")
                }
                (Pred::ServiceLevel(x), Pred::ServiceLevel(y)) => {
                    (x != y).then_some("`service_level` is tested for two values")
                }
                (Pred::DangerousGoods(x), Pred::DangerousGoods(y)) => {
                    (x != y).then_some("`dangerous_goods` is both true and false")
                }
                (Pred::Signature(x), Pred::Signature(y)) => {
                    (x != y).then_some("`signature` is both true and false")
                }
                (Pred::Residential(x), Pred::Residential(y)) => {
                    (x != y).then_some("`residential` is both true and false")
                }
                _ => None,
            };
            if let Some(m) = clash {
                return Some(m.to_string());
            }
        }
    }
    None
}
