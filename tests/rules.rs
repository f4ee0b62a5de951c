//! Business rules on the small test configuration: every action, the evaluation order, and the
//! diagnostics of broken rule files (snapshots of the rendered messages, one per code).
//!
//! On the mini card a 2 kg, 10 cm cube parcel from syd to 2000 costs: acme/road $9.68 (1 day),
//! zip/same_day $27.50 (0 days, express) — see tests/engine.rs for the derivations.
//!
//! Snapshots live in tests/snapshots/rules/; after an intended change, regenerate them with
//! `LPO_BLESS=1 cargo test --test rules` and review the diff.

mod common;

use std::path::{Path, PathBuf};

use lpo_config::{Diagnostic, Loaded, load};
use lpo_engine::{Engine, QuoteRequest};
use lpo_model::{Date, Order, Parcel, ReasonCode, ServiceLevel, Strategy};

/// The mini fixture with `rules: rules` and one rule file holding `yaml` (plus extra files).
fn with_rules(
    yaml: &str,
    extra: &[(&str, &str)],
) -> (tempfile::TempDir, Result<Loaded, Vec<Diagnostic>>) {
    let (dir, manifest) =
        common::mutated(&[("lpo.yaml", "gst_pct: 10\n", "gst_pct: 10\nrules: rules\n")]);
    let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    std::fs::create_dir_all(root.join("rules")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(root.join("rules/r.yaml"), yaml).unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in extra {
        let p = root.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let loaded = load(&manifest);
    (dir, loaded)
}

fn engine(yaml: &str) -> Engine {
    let (_dir, l) = with_rules(yaml, &[]);
    l.unwrap_or_else(|d| panic!("{}", render(&d))).engine
}

fn render(d: &[Diagnostic]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n\n")
        + "\n"
}

fn order() -> Order {
    let mut o = Order::default();
    o.to.postcode = 2000;
    o.to.residential = true;
    o.parcels = vec![Parcel::new(2000, 100, 100, 100)];
    o.ship_date = Date::from_ymd(2026, 11, 26);
    o
}

fn req() -> QuoteRequest {
    QuoteRequest {
        strategy: Strategy::Cheapest,
        date: Date::from_ymd(2026, 11, 26).unwrap_or(Date::from_days(0)),
        explain: true,
    }
}

/// (selected carrier, its invoice total, its score, ids of deciding rules).
fn outcome(e: &Engine, o: &Order) -> (String, i64, i64, Vec<String>) {
    let q = e.quote(o, &req()).unwrap_or_else(|err| panic!("{err}"));
    let s = q
        .selected()
        .unwrap_or_else(|| panic!("nothing selected: {:#?}", q.excluded));
    let rules = q
        .deciding_rules()
        .into_iter()
        .filter_map(|r| e.rules.get(r as usize))
        .map(|r| r.id.clone())
        .collect();
    (
        e.service_ids(s.service).0.to_string(),
        s.total.0,
        s.score.0,
        rules,
    )
}

fn exclusion(e: &Engine, o: &Order, carrier: &str) -> (ReasonCode, Option<String>) {
    let q = e.quote(o, &req()).unwrap_or_else(|err| panic!("{err}"));
    let x = q
        .excluded
        .iter()
        .find(|x| e.service_ids(x.service).0 == carrier)
        .unwrap_or_else(|| panic!("{carrier} not excluded"));
    (
        x.reason,
        x.rule
            .and_then(|r| e.rules.get(r as usize))
            .map(|r| r.id.clone()),
    )
}

#[test]
fn no_rules_baseline() {
    assert_eq!(
        outcome(&engine("rules: []\n"), &order()),
        ("acme".into(), 968, 968, vec![])
    );
}

#[test]
fn exclude_and_require_remove_options_with_the_rule_named() {
    let e =
        engine("rules:\n  - id: no-acme\n    description: d\n    exclude: { carriers: [acme] }\n");
    assert_eq!(
        outcome(&e, &order()),
        ("zip".into(), 2750, 2750, vec!["no-acme".into()])
    );
    assert_eq!(
        exclusion(&e, &order(), "acme"),
        (ReasonCode::ExcludedByRule, Some("no-acme".into()))
    );
    let e = engine(
        "rules:\n  - id: only-zip\n    description: d\n    require: { services: [zip/same_day] }\n",
    );
    assert_eq!(outcome(&e, &order()).0, "zip");
    assert_eq!(
        exclusion(&e, &order(), "acme"),
        (ReasonCode::NotRequiredByRule, Some("only-zip".into()))
    );
}

#[test]
fn adjust_changes_the_score_not_the_invoice() {
    // +$20 on acme: score 29.68 > zip's 27.50, so zip wins; acme's invoice stays 9.68.
    let e = engine(
        "rules:\n  - id: pen\n    description: d\n    adjust: { amount: 20, carriers: [acme] }\n",
    );
    assert_eq!(
        outcome(&e, &order()),
        ("zip".into(), 2750, 2750, vec!["pen".into()])
    );
    let q = e
        .quote(&order(), &req())
        .unwrap_or_else(|err| panic!("{err}"));
    let acme = q
        .options
        .iter()
        .find(|o| e.service_ids(o.service).0 == "acme")
        .map(|o| (o.total.0, o.score.0));
    assert_eq!(acme, Some((968, 2968)));
    // 200 % of 9.68 = 19.36 → score 29.04 > 27.50.
    let e = engine(
        "rules:\n  - id: pct\n    description: d\n    when: { carrier: [acme] }\n    adjust: { pct: 200 }\n",
    );
    assert_eq!(outcome(&e, &order()).0, "zip");
    // A bonus on the selected option is reported as deciding too.
    let e = engine(
        "rules:\n  - id: bonus\n    description: d\n    when: { carrier: [acme] }\n    adjust: { amount: -1.5 }\n",
    );
    assert_eq!(
        outcome(&e, &order()),
        ("acme".into(), 968, 818, vec!["bonus".into()])
    );
}

#[test]
fn prefer_breaks_ties_only() {
    // +17.82 on acme makes both score 27.50; without a preference the faster zip wins the tie.
    let tie = "  - id: tie\n    description: d\n    adjust: { amount: 17.82, carriers: [acme] }\n";
    let e = engine(&format!("rules:\n{tie}"));
    assert_eq!(outcome(&e, &order()).0, "zip");
    let e = engine(&format!(
        "rules:\n{tie}  - id: pick-acme\n    description: d\n    prefer: {{ carriers: [acme] }}\n"
    ));
    assert_eq!(
        outcome(&e, &order()),
        (
            "acme".into(),
            968,
            2750,
            vec!["tie".into(), "pick-acme".into()]
        )
    );
    // Without the tie, the preference changes nothing and is not reported.
    let e =
        engine("rules:\n  - id: pick-zip\n    description: d\n    prefer: { carriers: [zip] }\n");
    assert_eq!(outcome(&e, &order()), ("acme".into(), 968, 968, vec![]));
}

#[test]
fn set_acts_before_pricing_and_disable_is_a_kill_switch() {
    // Making the order express leaves only zip (acme is standard).
    let e = engine(
        "rules:\n  - id: rush\n    description: d\n    when: { postcodes: [\"2000\"] }\n    set: { service_level: express }\n",
    );
    assert_eq!(
        outcome(&e, &order()),
        ("zip".into(), 2750, 2750, vec!["rush".into()])
    );
    assert_eq!(exclusion(&e, &order(), "acme").0, ReasonCode::ServiceLevel);
    let e = engine("rules:\n  - id: off\n    description: d\n    disable: { carriers: [acme] }\n");
    assert_eq!(
        exclusion(&e, &order(), "acme"),
        (ReasonCode::DisabledByRule, Some("off".into()))
    );
    assert_eq!(outcome(&e, &order()).0, "zip");
}

#[test]
fn first_exclusion_wins_and_requires_intersect() {
    let e = engine(
        "rules:\n  - id: first\n    description: d\n    exclude: { carriers: [acme] }\n  - id: second\n    description: d\n    exclude: { carriers: [acme] }\n    when: { residential: true }\n",
    );
    assert_eq!(exclusion(&e, &order(), "acme").1.as_deref(), Some("first"));
    let e = engine(
        "rules:\n  - id: r1\n    description: d\n    require: { carriers: [acme, zip] }\n  - id: r2\n    description: d\n    require: { carriers: [zip] }\n",
    );
    assert_eq!(outcome(&e, &order()).0, "zip");
    assert_eq!(
        exclusion(&e, &order(), "acme"),
        (ReasonCode::NotRequiredByRule, Some("r2".into()))
    );
}

#[test]
fn conditions_on_the_option_area_and_distance() {
    // Exclude options over $10 → zip goes, acme stays; and "exclude: {}" takes what `when` matched.
    let e = engine(
        "rules:\n  - id: dear\n    description: d\n    when: { price: { over: 10 } }\n    exclude: {}\n",
    );
    let mut o = order();
    assert_eq!(
        exclusion(&e, &o, "zip"),
        (ReasonCode::ExcludedByRule, Some("dear".into()))
    );
    // Inside the Sydney polygon: acme excluded; in Melbourne: not.
    let (_d, l) = with_rules(
        "rules:\n  - id: syd-area\n    description: d\n    when: { in_area: ../carriers/geo/syd.geojson }\n    exclude: { carriers: [acme] }\n",
        &[],
    );
    let e = l.unwrap_or_else(|d| panic!("{}", render(&d))).engine;
    assert_eq!(exclusion(&e, &o, "acme").1.as_deref(), Some("syd-area"));
    o.to.postcode = 3000;
    assert_eq!(outcome(&e, &o).0, "acme");
    // Distance from the warehouse: 2000 is ~27 km from syd.
    let e = engine(
        "rules:\n  - id: far\n    description: d\n    when: { distance_km: { over: 20 } }\n    exclude: {}\n",
    );
    o.to.postcode = 2000;
    o.service_level = ServiceLevel::Express;
    assert_eq!(exclusion(&e, &o, "zip").1.as_deref(), Some("far"));
    let e = engine(
        "rules:\n  - id: far\n    description: d\n    when: { distance_km: { over: 30 } }\n    exclude: {}\n",
    );
    assert_eq!(outcome(&e, &o).0, "zip");
}

#[test]
fn combinators() {
    let e = engine(
        "rules:\n  - id: c\n    description: d\n    when:\n      any:\n        - { state: [VIC] }\n        - all: [{ postcodes: [\"2000-2099\"] }, { not: { residential: false } }]\n    exclude: { carriers: [acme] }\n",
    );
    let mut o = order();
    assert_eq!(exclusion(&e, &o, "acme").1.as_deref(), Some("c"));
    o.to.residential = false;
    assert_eq!(outcome(&e, &o).0, "acme");
    o.to.postcode = 3000;
    assert_eq!(exclusion(&e, &o, "acme").1.as_deref(), Some("c"));
}

// ---- Diagnostics: one snapshot per code ----

fn snapshot(name: &str, yaml: &str, extra: &[(&str, &str)]) -> String {
    let (_dir, l) = with_rules(yaml, extra);
    let text = match l {
        Ok(loaded) => render(&loaded.warnings),
        Err(d) => render(&d),
    };
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/snapshots/rules"
    ))
    .join(format!("{name}.txt"));
    if std::env::var_os("LPO_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with LPO_BLESS=1)", path.display()));
    assert_eq!(
        text, want,
        "snapshot {name} differs; rerun with LPO_BLESS=1 if intended"
    );
    text
}

/// Each entry: snapshot name = the diagnostic code it shows, the rule file, and the code that must
/// appear in it (checked apart from the snapshot, so a blessed snapshot cannot hide a wrong code).
const BROKEN: &[(&str, &str)] = &[
    (
        "unknown-field",
        "rules:\n  - id: a\n    description: d\n    exclude: { carriers: [acme] }\n    whne: { residential: true }\n",
    ),
    (
        "unknown-carrier",
        "rules:\n  - id: a\n    description: d\n    exclude: { carriers: [acmee] }\n",
    ),
    (
        "unknown-service",
        "rules:\n  - id: a\n    description: d\n    exclude: { services: [same_day] }\n",
    ),
    (
        "unknown-zone",
        "rules:\n  - id: a\n    description: d\n    when: { zone: [SYDD] }\n    exclude: {}\n",
    ),
    (
        "unknown-warehouse",
        "rules:\n  - id: a\n    description: d\n    when: { from: [sdy] }\n    exclude: {}\n",
    ),
    (
        "unknown-rule",
        "rules:\n  - id: a\n    description: d\n    exclude: { carriers: [acme] }\ncases:\n  - name: c\n    order: { to: { postcode: \"2000\" }, parcels: [{ weight_kg: 1, length_cm: 1, width_cm: 1, height_cm: 1 }] }\n    expect: { rule: b }\n",
    ),
    (
        "invalid-value",
        "rules:\n  - id: a\n    description: d\n    when: { weight_kg: { over: heavy } }\n    exclude: {}\n",
    ),
    (
        "invalid-id",
        "rules:\n  - id: Big Rule\n    description: d\n    exclude: { carriers: [acme] }\n",
    ),
    (
        "duplicate-id",
        "rules:\n  - id: a\n    description: d\n    exclude: { carriers: [acme] }\n  - id: a\n    description: d\n    exclude: { carriers: [zip] }\n",
    ),
    (
        "empty-condition",
        "rules:\n  - id: a\n    description: d\n    when: {}\n    exclude: { carriers: [acme] }\n",
    ),
    (
        "contradictory-condition",
        "rules:\n  - id: a\n    description: d\n    when:\n      all: [{ state: [NSW] }, { state: [WA] }]\n    exclude: { carriers: [acme] }\n",
    ),
    (
        "no-action",
        "rules:\n  - id: a\n    description: d\n    when: { residential: true }\n",
    ),
    (
        "empty-targets",
        "rules:\n  - id: a\n    description: d\n    require: {}\n",
    ),
    (
        "empty-adjust",
        "rules:\n  - id: a\n    description: d\n    adjust: { carriers: [acme] }\n",
    ),
    (
        "empty-set",
        "rules:\n  - id: a\n    description: d\n    when: { residential: true }\n    set: {}\n",
    ),
    (
        "set-needs-order-condition",
        "rules:\n  - id: a\n    description: d\n    when: { carrier: [acme] }\n    set: { signature: true }\n",
    ),
    (
        "disable-with-condition",
        "rules:\n  - id: a\n    description: d\n    when: { residential: true }\n    disable: { carriers: [acme] }\n",
    ),
    (
        "shadowed-rule",
        "rules:\n  - id: a\n    description: d\n    exclude: { carriers: [acme] }\n  - id: b\n    description: d\n    exclude: { carriers: [acme] }\n",
    ),
    (
        "unreachable-rule",
        "rules:\n  - id: off\n    description: d\n    disable: { carriers: [zip] }\n  - id: b\n    description: d\n    when: { residential: true }\n    adjust: { amount: 1, carriers: [zip] }\n",
    ),
    (
        "invalid-case",
        "rules: []\ncases:\n  - name: c\n    order: { to: { postcode: \"20000\" }, parcels: [{ weight_kg: 1, length_cm: 1, width_cm: 1, height_cm: 1 }] }\n    expect: { carrier: acme }\n",
    ),
    (
        "empty-expect",
        "rules: []\ncases:\n  - name: c\n    order: { to: { postcode: \"2000\" }, parcels: [{ weight_kg: 1, length_cm: 1, width_cm: 1, height_cm: 1 }] }\n    expect: {}\n",
    ),
    (
        "invalid-postcode",
        "rules:\n  - id: a\n    description: d\n    when: { postcodes: [\"20x0\"] }\n    exclude: {}\n",
    ),
    (
        "path-outside-root",
        "rules:\n  - id: a\n    description: d\n    when: { in_area: ../../outside.geojson }\n    exclude: {}\n",
    ),
    (
        "file-not-found",
        "rules:\n  - id: a\n    description: d\n    when: { in_area: areas/nope.geojson }\n    exclude: {}\n",
    ),
    (
        "duplicate-key",
        "rules:\n  - id: a\n    id: b\n    description: d\n    exclude: { carriers: [acme] }\n",
    ),
    ("yaml-syntax", "rules:\n\t- id: a\n"),
    (
        "missing-field",
        "rules:\n  - id: a\n    exclude: { carriers: [acme] }\n",
    ),
];

/// Every diagnostic code the rule loader can emit, read from its source: the string literal
/// that opens each `.error(` / `.warning(` call in the files of lpo-config that handle rules.
fn rule_codes_in_source() -> std::collections::BTreeSet<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/lpo-config/src");
    let mut files = Vec::new();
    let mut stack = vec![src];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && p.to_string_lossy().contains("rules")
            {
                files.push(p);
            }
        }
    }
    assert!(!files.is_empty(), "no rule source files found");
    let mut codes = std::collections::BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{e}"));
        for call in [".error(", ".warning("] {
            for (at, _) in text.match_indices(call) {
                let rest = text[at + call.len()..].trim_start();
                if let Some(lit) = rest.strip_prefix('"')
                    && let Some(end) = lit.find('"')
                {
                    codes.insert(lit[..end].to_string());
                }
            }
        }
    }
    codes
}

#[test]
fn every_rule_diagnostic_code_has_a_snapshot() {
    // Raised when the rules folder itself cannot be listed; it points at the manifest's
    // `rules:` line, not at a rule file, so it has no rule-file snapshot.
    const NOT_FROM_A_RULE_FILE: &[&str] = &["io-error"];
    let codes = rule_codes_in_source();
    // 19 when written (the rules folder is now listed by the loader, whose `io-error` is not
    // counted here); fewer means the scan broke.
    assert!(codes.len() >= 18, "too few codes found: {codes:?}");
    let covered: std::collections::BTreeSet<&str> = BROKEN.iter().map(|(c, _)| *c).collect();
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !covered.contains(c.as_str()) && !NOT_FROM_A_RULE_FILE.contains(&c.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "rule codes without a snapshot: {missing:?}"
    );
    for (code, yaml) in BROKEN {
        let text = snapshot(code, yaml, &[]);
        assert!(text.contains(&format!("[{code}]")), "{code}: {text}");
        assert!(
            text.contains("--> rules/r.yaml:"),
            "{code} must name the file and line: {text}"
        );
    }
}

#[test]
fn invalid_area_and_abusive_yaml() {
    let rule = "rules:\n  - id: a\n    description: d\n    when: { in_area: areas/a.geojson }\n    exclude: {}\n";
    let text = snapshot(
        "invalid-geojson",
        rule,
        &[(
            "rules/areas/a.geojson",
            "{\"type\": \"Point\", \"coordinates\": [151, -33]}",
        )],
    );
    assert!(text.contains("[invalid-geojson]"), "{text}");
    // Alias bombs, deep nesting and binary garbage in a rule file fail cleanly, fast, with the file named.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12u8 {
        let (p, c) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        bomb.push_str(&format!(
            "{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        ));
    }
    for junk in [
        bomb,
        format!("rules: {}{}\n", "[".repeat(3000), "]".repeat(3000)),
    ] {
        let (_d, l) = with_rules(&junk, &[]);
        let d = l.err().unwrap_or_default();
        assert!(d.iter().any(|d| d.file == "rules/r.yaml"), "{}", render(&d));
    }
    let (_d, l) = with_rules("", &[("rules/bin.yaml", "\u{0}\u{1}garbage")]);
    let d = l.err().unwrap_or_default();
    assert!(
        d.iter().any(|d| d.file == "rules/bin.yaml"),
        "{}",
        render(&d)
    );
    // A file over the size limit is refused without being read.
    let (dir, manifest) =
        common::mutated(&[("lpo.yaml", "gst_pct: 10\n", "gst_pct: 10\nrules: rules\n")]);
    let rules = manifest
        .parent()
        .map(|p| p.join("rules"))
        .unwrap_or_default();
    std::fs::create_dir_all(&rules).unwrap_or_else(|e| panic!("{e}"));
    let f = std::fs::File::create(rules.join("huge.yaml")).unwrap_or_else(|e| panic!("{e}"));
    f.set_len(lpo_config::MAX_FILE_BYTES + 1)
        .unwrap_or_else(|e| panic!("{e}"));
    let d = load(&manifest).err().unwrap_or_default();
    assert!(
        d.iter().any(|d| d.code == "file-too-large"),
        "{}",
        render(&d)
    );
    drop(dir);
}

#[test]
fn a_broken_rule_file_is_never_half_applied() {
    // One good rule and one broken one in the same file: the config does not load at all.
    let (_d, l) = with_rules(
        "rules:\n  - id: good\n    description: d\n    exclude: { carriers: [acme] }\n  - id: bad\n    description: d\n    exclude: { carriers: [nope] }\n",
        &[],
    );
    assert!(l.is_err());
}

#[test]
fn deciding_rules_are_exact_about_preferences_and_switch_offs() {
    // Under `fastest`, zip (0 days) beats acme (1 day) whatever the preference says, so a
    // preference for zip is not what decided it.
    let e = engine(
        "rules:\n  - id: tie\n    description: d\n    adjust: { amount: 17.82, carriers: [acme] }\n  - id: pick-zip\n    description: d\n    prefer: { carriers: [zip] }\n",
    );
    let q = e
        .quote(
            &order(),
            &QuoteRequest {
                strategy: Strategy::Fastest,
                ..req()
            },
        )
        .unwrap_or_else(|err| panic!("{err}"));
    let ids: Vec<&str> = q
        .deciding_rules()
        .into_iter()
        .filter_map(|r| e.rules.get(r as usize))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        e.service_ids(q.selected().map_or(0, |s| s.service)).0,
        "zip"
    );
    assert!(!ids.contains(&"pick-zip"), "{ids:?}");
    // An order no service can take names the rule that switched a carrier off.
    let e = engine("rules:\n  - id: off\n    description: d\n    disable: { carriers: [acme] }\n");
    let mut o = order();
    o.to.postcode = 3000; // outside zip's polygon
    let q = e.quote(&o, &req()).unwrap_or_else(|err| panic!("{err}"));
    assert!(q.selected().is_none());
    let ids: Vec<&str> = q
        .deciding_rules()
        .into_iter()
        .filter_map(|r| e.rules.get(r as usize))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, vec!["off"]);
}
