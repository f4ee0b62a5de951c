//! The `lpo` binary end to end, as a user or another system drives it: exit codes, the plan
//! and options CSV of the contract, rejected rows, determinism and config discovery.

mod common;
use common::{lpo, root};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Output;

const PLAN_HEADER: &str = "order_id,status,from,carrier,service,zone,chargeable_kg,base,surcharges,fuel,gst,total,eta_days,reason,warnings";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parses a CSV into header-keyed rows.
fn rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().cloned().unwrap_or_default();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap_or_else(|e| panic!("{e}"));
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Order ids of an orders CSV in order of first appearance.
fn order_ids(orders_csv: &Path) -> Vec<String> {
    let mut seen = Vec::new();
    for r in rows(&read(orders_csv)) {
        let id = r.get("order_id").cloned().unwrap_or_default();
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    seen
}

fn cents(s: &str) -> i64 {
    let (d, c) = s
        .split_once('.')
        .unwrap_or_else(|| panic!("not money: {s}"));
    let sign = if d.starts_with('-') { -1 } else { 1 };
    sign * (d.trim_start_matches('-').parse::<i64>().unwrap_or(0) * 100
        + c.parse::<i64>().unwrap_or(0))
}

#[test]
fn greedy_plan_takes_every_orders_cheapest_option_once_in_input_order() {
    let dir = tmp();
    let plan = dir.path().join("plan.csv");
    let options = dir.path().join("options.csv");
    let orders = root().join("examples/orders.csv");
    let args = [
        "optimise",
        "--orders",
        orders.to_str().unwrap_or(""),
        "--out",
        plan.to_str().unwrap_or(""),
        "--options-out",
        options.to_str().unwrap_or(""),
        "--greedy",
    ];
    let out = lpo(&args, &root());
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(3)),
        "exit {code:?}: {}",
        stderr(&out)
    );
    let text = read(&plan);
    assert_eq!(text.lines().next(), Some(PLAN_HEADER));
    let plan_rows = rows(&text);
    let ids: Vec<String> = plan_rows.iter().map(|r| r["order_id"].clone()).collect();
    assert_eq!(ids, order_ids(&orders), "every order once, in input order");
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for r in &plan_rows {
        *by_status.entry(r["status"].clone()).or_default() += 1;
        match r["status"].as_str() {
            "allocated" => {
                // total = base + surcharges + fuel + gst, to the cent.
                let sum = cents(&r["base"])
                    + cents(&r["surcharges"])
                    + cents(&r["fuel"])
                    + cents(&r["gst"]);
                assert_eq!(sum, cents(&r["total"]), "{r:?}");
                assert!(
                    !r["carrier"].is_empty() && !r["service"].is_empty() && !r["zone"].is_empty()
                );
            }
            "unallocated" => assert!(r["reason"].starts_with("no_feasible_service: "), "{r:?}"),
            other => panic!("unexpected status {other} in the clean sample: {r:?}"),
        }
    }
    assert_eq!(
        code == Some(3),
        by_status.contains_key("unallocated"),
        "exit 3 exactly when something is unallocated"
    );
    let err = stderr(&out);
    assert!(
        err.contains("allocated") && err.contains("total cost") && err.contains("by carrier"),
        "{err}"
    );

    // The options table: best first per order, the first one is the plan's choice.
    let opts = rows(&read(&options));
    let mut first: HashMap<String, &HashMap<String, String>> = HashMap::new();
    let mut last_total: HashMap<String, i64> = HashMap::new();
    for o in &opts {
        let id = o["order_id"].clone();
        let score: i64 = o["score_cents"].parse().unwrap_or(-1);
        if let Some(prev) = last_total.insert(id.clone(), score) {
            assert!(prev <= score, "options of {id} not best first");
        }
        first.entry(id).or_insert(o);
    }
    for r in plan_rows.iter().filter(|r| r["status"] == "allocated") {
        let best = first
            .get(&r["order_id"])
            .unwrap_or_else(|| panic!("no options for {}", r["order_id"]));
        assert_eq!(best["carrier"], r["carrier"]);
        assert_eq!(best["service"], r["service"]);
        assert_eq!(best["from"], r["from"]);
        assert_eq!(
            best["total_cents"].parse::<i64>().unwrap_or(-1),
            cents(&r["total"])
        );
    }

    // Same inputs, same bytes; the thread count changes nothing.
    let plan2 = dir.path().join("plan2.csv");
    let mut args2 = args.to_vec();
    let p2 = plan2.to_str().unwrap_or("").to_string();
    args2[4] = &p2;
    args2.truncate(5);
    args2.extend(["--greedy", "--threads", "1"]);
    let out2 = lpo(&args2, &root());
    assert_eq!(out2.status.code(), code);
    assert_eq!(
        read(&plan2),
        text,
        "byte-identical plans across runs and thread counts"
    );
}

#[test]
fn bad_rows_are_rejected_with_line_and_field_and_the_rest_still_runs() {
    let dir = tmp();
    let plan = dir.path().join("plan.csv");
    let orders = root().join("examples/orders-with-errors.csv");
    let out = lpo(
        &[
            "optimise",
            "--orders",
            orders.to_str().unwrap_or(""),
            "--out",
            plan.to_str().unwrap_or(""),
            "--greedy",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let plan_rows = rows(&read(&plan));
    let get = |id: &str| {
        plan_rows
            .iter()
            .find(|r| r["order_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} missing from the plan"))
    };
    assert_eq!(plan_rows.len(), order_ids(&orders).len());
    for (id, status, reason) in [
        ("GOOD-1", "allocated", ""),
        ("GOOD-2", "allocated", ""),
        ("BAD-POSTCODE", "rejected", "line 4, to_postcode"),
        ("BAD-ZERO", "rejected", "leading zero of 0800"),
        (
            "BAD-WEIGHT",
            "rejected",
            "line 6, weight_kg: `-2` must be greater than 0",
        ),
        ("NO-WEIGHT", "rejected", "line 7, weight_kg: is missing"),
        (
            "BAD-NUMBER",
            "rejected",
            "line 8, weight_kg: `1.5kg` is not a number",
        ),
        ("BAD-STATE", "rejected", "state_mismatch: line 9, to_state"),
        (
            "BAD-WAREHOUSE",
            "rejected",
            "unknown_warehouse: line 10, from",
        ),
        ("UNKNOWN-POSTCODE", "rejected", "unknown_postcode: line 11"),
        ("TOO-HEAVY-LOCKER", "unallocated", "address_type"),
        ("MULTI", "allocated", ""),
    ] {
        let r = get(id);
        assert_eq!(r["status"], status, "{r:?}");
        assert!(
            r["reason"].contains(reason),
            "{id}: {:?} should contain {reason:?}",
            r["reason"]
        );
    }
    // The two rows of MULTI are one consignment of 4.2 kg dead weight.
    let multi = get("MULTI");
    let kg: f64 = multi["chargeable_kg"].parse().unwrap_or(0.0);
    assert!(kg >= 4.2, "{multi:?}");
}

#[test]
fn quote_json_follows_the_contract() {
    let out = lpo(
        &["quote", "--input", "examples/quote.json", "--json"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(v["config_version"].as_str().is_some_and(|s| s.len() == 16));
    let options = v["options"].as_array().cloned().unwrap_or_default();
    assert!(!options.is_empty());
    let mut prev = i64::MIN;
    for o in &options {
        let total = o["total_cents"].as_i64().unwrap_or(-1);
        let lines: i64 = o["lines"].as_array().map_or(0, |l| {
            l.iter()
                .map(|l| l["amount_cents"].as_i64().unwrap_or(0))
                .sum()
        });
        assert_eq!(lines, total, "lines sum to the total: {o}");
        assert!(total >= prev, "sorted cheapest first");
        prev = total;
        assert!(
            ["syd", "mel"].contains(&o["from"].as_str().unwrap_or("")),
            "only the requested warehouses: {o}"
        );
    }
    assert_eq!(v["selected"]["carrier"], options[0]["carrier"]);
    assert_eq!(v["selected"]["service"], options[0]["service"]);
    assert!(
        options[0]["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "cheapest"))
    );
    for e in v["excluded"].as_array().cloned().unwrap_or_default() {
        assert!(
            e["reason_code"].as_str().is_some_and(|c| !c.is_empty()),
            "{e}"
        );
        assert!(e.get("rule").is_some(), "{e}");
    }
}

#[test]
fn quote_from_flags_explains_exclusions() {
    let out = lpo(
        &[
            "quote",
            "--to-postcode",
            "2000",
            "--weight-kg",
            "30",
            "--dims-cm",
            "60x50x40",
            "--address-type",
            "po_box",
            "--date",
            "2026-11-26",
        ],
        &root(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("Selected: startrack/"),
        "only StarTrack takes 30 kg to a PO box: {text}"
    );
    assert!(
        text.contains("auspost/parcel_post") && text.contains("too_heavy"),
        "{text}"
    );
    assert!(
        text.contains("couriersplease/road") && text.contains("address_type"),
        "{text}"
    );
}

#[test]
fn bad_usage_and_bad_requests_exit_2() {
    let out = lpo(
        &[
            "quote",
            "--to-postcode",
            "20000",
            "--weight-kg",
            "1",
            "--dims-cm",
            "1x1x1",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a 4-digit postcode"));
    let out = lpo(
        &[
            "quote",
            "--to-postcode",
            "2000",
            "--weight-kg",
            "1",
            "--dims-cm",
            "1x1",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = lpo(
        &["optimise", "--orders", "nope.csv", "--out", "x.csv"],
        &root(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unreadable file is an I/O failure"
    );
    let out = lpo(&["frobnicate"], &root());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_is_found_from_subfolders_and_missing_config_is_usage_error() {
    let out = lpo(&["validate"], &root().join("data/carriers"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("config OK: 9 carriers, 14 services, 3 warehouses"),
        "{}",
        stderr(&out)
    );
    let dir = tmp();
    let out = lpo(&["validate"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no lpo.yaml"));
}

#[test]
fn validate_reports_json_and_fails_on_broken_config() {
    let dir = tmp();
    let cfg = dir.path().join("cfg");
    std::fs::create_dir_all(cfg.join("carriers")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        cfg.join("lpo.yaml"),
        "postcodes: p.tsv\nwarehouses: w.yaml\ncarriers: carriers\ncolour: red\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = lpo(
        &[
            "--config",
            cfg.join("lpo.yaml").to_str().unwrap_or(""),
            "validate",
            "--format",
            "json",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["ok"], false);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "unknown-field");
    assert_eq!(d["file"], "lpo.yaml");
    assert_eq!(d["line"], 4);
}

#[test]
fn gen_orders_is_deterministic_per_seed() {
    let dir = tmp();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    let c = dir.path().join("c.csv");
    for (p, seed) in [(&a, "5"), (&b, "5"), (&c, "6")] {
        let out = lpo(
            &[
                "gen-orders",
                "--count",
                "300",
                "--seed",
                seed,
                "--out",
                p.to_str().unwrap_or(""),
            ],
            &root(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert_eq!(read(&a), read(&b));
    assert_ne!(read(&a), read(&c));
    assert_eq!(order_ids(&a).len(), 300);
    // Every path of the engine is exercised: PO boxes, lockers, express, dangerous goods, long items.
    let text = read(&a);
    for needle in [",po_box,", ",parcel_locker,", ",express,", ",true,"] {
        assert!(text.contains(needle), "{needle} missing");
    }
}

#[test]
fn schema_is_committed_and_current() {
    for kind in [
        "manifest",
        "warehouses",
        "carrier",
        "rules",
        "constraints",
        "openapi",
    ] {
        let out = lpo(&["schema", kind], &root());
        assert_eq!(out.status.code(), Some(0));
        let committed = read(&root().join(format!("docs/schema/{kind}.schema.json")));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            committed,
            "docs/schema/{kind}.schema.json is stale: regenerate with `lpo schema {kind} > docs/schema/{kind}.schema.json`"
        );
    }
}

#[test]
fn lpo_test_runs_the_bundled_cases_and_reports_failures() {
    let out = lpo(&["test"], &root());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    let last = text.lines().last().unwrap_or("");
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    let passed: usize = last
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 15, "{text}");

    // A case that expects the wrong carrier fails with expected vs actual and the rule trace.
    let dir = tmp();
    let cfg = dir.path().join("cfg");
    std::fs::create_dir_all(&cfg).unwrap_or_else(|e| panic!("{e}"));
    for entry in ["data", "constraints", "lpo.yaml"] {
        let from = root().join(entry);
        let to = cfg.join(entry);
        if from.is_dir() {
            std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
            copy_tree(&from, &to);
        } else {
            std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    std::fs::create_dir_all(cfg.join("rules")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        cfg.join("rules/10.yaml"),
        "rules:\n  - id: no-cp\n    description: d\n    exclude: { carriers: [couriersplease] }\ncases:\n  - name: wrong on purpose\n    order: { to: { postcode: \"3000\" }, parcels: [{ weight_kg: 2.5, length_cm: 30, width_cm: 20, height_cm: 10 }], from: [mel] }\n    expect: { carrier: couriersplease, rule: no-cp }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = lpo(&["test"], &cfg);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL  rules/10.yaml:6  wrong on purpose"),
        "{text}"
    );
    assert!(text.contains("expected couriersplease/*, got "), "{text}");
    assert!(
        text.contains("rule `no-cp` (rules/10.yaml:2) excluded couriersplease/road from mel"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("0 passed, 1 failed"), "{text}");
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        let t = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&t).unwrap_or_else(|e| panic!("{e}"));
            copy_tree(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[test]
fn explain_names_the_rules_and_the_price_gaps() {
    let out = lpo(
        &[
            "explain",
            "--to-postcode",
            "4825",
            "--weight-kg",
            "2",
            "--dims-cm",
            "30x20x10",
            "--from",
            "syd",
            "--service-level",
            "express",
            "--date",
            "2026-11-26",
        ],
        &root(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.starts_with("Chosen: tge/priority from syd"), "{text}");
    assert!(
        text.contains("Decided by rules: express-within-2-days (rules/20-service-levels.yaml:"),
        "{text}"
    );
    assert!(text.contains("auspost/express_post from syd            excluded_by_rule: rule `express-within-2-days`"), "{text}");
    assert!(text.contains("(would cost $"), "{text}");
    assert!(
        text.contains("tnt/overnight                            disabled_by_rule"),
        "{text}"
    );
    // Every service appears once under "Why not the others" (13 of 14; the 14th is chosen).
    let why: Vec<&str> = text
        .split("Why not the others:")
        .nth(1)
        .unwrap_or("")
        .split("Rule trace:")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(why.len(), 13, "{text}");

    // From an orders CSV by id, as JSON.
    let out = lpo(
        &[
            "explain",
            "--orders",
            "examples/orders-with-errors.csv",
            "--order-id",
            "MULTI",
            "--json",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(v["options"].as_array().is_some_and(|o| !o.is_empty()));
    let excluded = v["excluded"].as_array().cloned().unwrap_or_default();
    assert!(excluded.iter().any(|e| {
        e["rule"] == "suspend-tnt-overnight"
            && e["rule_location"]
                .as_str()
                .is_some_and(|l| l.starts_with("rules/10-carriers.yaml:"))
    }));
    // A rejected order says why.
    let out = lpo(
        &[
            "explain",
            "--orders",
            "examples/orders-with-errors.csv",
            "--order-id",
            "BAD-WEIGHT",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("weight_kg"), "{}", stderr(&out));
}

#[test]
fn plans_and_quotes_name_the_deciding_rules() {
    let dir = tmp();
    let plan = dir.path().join("plan.csv");
    let out = lpo(
        &[
            "optimise",
            "--orders",
            "examples/orders.csv",
            "--out",
            plan.to_str().unwrap_or(""),
        ],
        &root(),
    );
    assert!(matches!(out.status.code(), Some(0 | 3)));
    let rows = rows(&read(&plan));
    let with_rules: Vec<_> = rows
        .iter()
        .filter(|r| r["status"] == "allocated" && !r["reason"].is_empty())
        .collect();
    assert!(!with_rules.is_empty());
    let known = [
        "signature-over-500",
        "cp-claims-qld",
        "remote-area-penalty",
        "marketplace-tracking",
        "express-within-2-days",
    ];
    assert!(
        with_rules
            .iter()
            .any(|r| known.iter().any(|k| r["reason"].contains(k))),
        "{with_rules:?}"
    );
    let out = lpo(
        &[
            "quote",
            "--to-postcode",
            "6000",
            "--weight-kg",
            "35",
            "--dims-cm",
            "60x40x40",
            "--from",
            "syd",
            "--date",
            "2026-11-26",
            "--json",
        ],
        &root(),
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["selected"]["carrier"], "allied");
    assert_eq!(v["rules"][0], "heavy-to-wa-by-allied");
    assert!(
        v["excluded"]
            .as_array()
            .is_some_and(|x| x.iter().any(|e| e["rule"] == "heavy-to-wa-by-allied"
                && e["reason_code"] == "not_required_by_rule"))
    );
}
