//! `lpo diff` on the small test configuration (tests/fixtures/mini), whose prices are worked out
//! by hand (the derivations are in tests/engine.rs), with the base side read from git objects;
//! bad input; and the HTML reports rendered in headless Chromium.
//!
//! The five orders and their prices under the unchanged card (fuel 10 %, GST 10 %):
//! - A: 2 kg, 10 cm cube, to 2000 (SYD). acme/road band 0–5 $8.00, fuel 0.80, GST 0.88 → $9.68;
//!   zip/same_day (2000 is ~27 km from syd: band 10–40 km) $25.00 + GST 2.50 → $27.50.
//! - B: 2 kg in a 40 cm cube to 2000: 16 kg cubic; acme band 5–30 $6.00 + 0.50 × 16 = 14.00,
//!   fuel 1.40, GST 1.54 → $16.94; zip $27.50.
//! - C: 5.2 kg to 3000 (MEL): 6 kg; acme 7.00 + 0.80 × 6 = 11.80, fuel 1.18, GST 1.30 → $14.28.
//! - D: 1 kg to 2880 Broken Hill (NSW): lane SYD,* 12.00 + 1.00 = 13.00, minimum $15.00, fuel
//!   1.50, GST 1.65 → $18.15.
//! - E: to 6000 (Perth): no zone anywhere → unallocated.
//!
//! Base total: 9.68 + 16.94 + 14.28 + 18.15 = $59.05.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ORDERS: &str = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm\n\
A,2000,2,10,10,10\n\
B,2000,2,40,40,40\n\
C,3000,5.2,10,10,10\n\
D,2880,1,10,10,10\n\
E,6000,1,10,10,10\n";

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    orders: PathBuf,
}

fn git(root: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The mini fixture committed in a fresh git repository (under `config/`), plus the orders.
fn repo() -> Repo {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("config");
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{e}"));
    common::copy_dir(Path::new(common::MINI), &root);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    let orders = dir.path().join("orders.csv");
    std::fs::write(&orders, ORDERS).unwrap_or_else(|e| panic!("{e}"));
    Repo {
        _dir: dir,
        root,
        orders,
    }
}

impl Repo {
    fn edit(&self, file: &str, find: &str, replace: &str) {
        let p = self.root.join(file);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert!(text.contains(find), "{file} lacks {find:?}");
        std::fs::write(&p, text.replacen(find, replace, 1)).unwrap_or_else(|e| panic!("{e}"));
    }

    fn write(&self, file: &str, text: &str) {
        let p = self.root.join(file);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    }

    /// `lpo diff --base HEAD …` in the config folder.
    fn diff(&self, extra: &[&str]) -> Output {
        self.diff_from("HEAD", extra)
    }

    fn diff_from(&self, base: &str, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lpo"))
            .current_dir(&self.root)
            .args(["diff", "--base", base, "--date", "2026-11-26", "--orders"])
            .arg(&self.orders)
            .args(extra)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn json(&self) -> Value {
        let out = self.diff(&["--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }
}

fn group<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|g| g["key"] == key))
        .unwrap_or_else(|| panic!("no `{key}` in {list:#}"))
}

fn change<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["changes"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["order_id"] == id))
        .unwrap_or_else(|| panic!("order {id} did not change: {:#}", d["changes"]))
}

fn ids(d: &Value) -> Vec<String> {
    let mut v: Vec<String> = d["changes"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|c| c["order_id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn unchanged_config_changes_nothing() {
    let r = repo();
    let d = r.json();
    assert_eq!(
        (
            d["base"]["total_cents"].as_i64(),
            d["head"]["total_cents"].as_i64()
        ),
        (Some(5905), Some(5905))
    );
    assert_eq!(d["delta_cents"], 0);
    assert!(ids(&d).is_empty());
    assert_eq!(d["base"]["config_version"], d["head"]["config_version"]);
    assert_eq!(d["changed_files"], serde_json::json!([]));
}

/// Rate change: SYD→SYD 0–5 kg $8.00 → $9.00 and 5–30 kg basic $6.00 → $16.00.
/// A: 9.00 + 0.90 + GST 0.99 = $10.89 (still under zip): repriced +$1.21.
/// B: 16.00 + 0.50 × 16 = 24.00 + 2.40 + GST 2.64 = $29.04 > zip $27.50: moves to zip, +$10.56.
/// Head total 10.89 + 27.50 + 14.28 + 18.15 = $70.82; difference +$11.77.
#[test]
fn a_rate_change_reprices_and_moves_orders() {
    let r = repo();
    r.edit(
        "carriers/rates/acme-road.csv",
        "SYD,SYD,1,0,5,8.00,0,",
        "SYD,SYD,1,0,5,9.00,0,",
    );
    r.edit(
        "carriers/rates/acme-road.csv",
        "SYD,SYD,1,5,30,6.00,0.50,",
        "SYD,SYD,1,5,30,16.00,0.50,",
    );
    let d = r.json();
    assert_eq!(d["base"]["total_cents"], 5905);
    assert_eq!(d["head"]["total_cents"], 7082);
    assert_eq!(d["delta_cents"], 1177);
    assert_eq!(ids(&d), ["A", "B"]);
    let a = change(&d, "A");
    assert_eq!(
        (
            a["change"].as_str(),
            a["base_cents"].as_i64(),
            a["head_cents"].as_i64()
        ),
        (Some("repriced"), Some(968), Some(1089))
    );
    assert_eq!(
        a["cause"],
        "acme/road from syd: base +$1.00, fuel +$0.10, gst +$0.11"
    );
    let b = change(&d, "B");
    assert_eq!(
        (b["change"].as_str(), b["delta_cents"].as_i64()),
        (Some("moved"), Some(1056))
    );
    assert_eq!(b["head"], "zip/same_day from syd");
    let m = group(&d["moves"], "acme/road → zip/same_day");
    assert_eq!(
        (m["orders"].as_u64(), m["delta_cents"].as_i64()),
        (Some(1), Some(1056))
    );
    // Both changes trace back to acme/road's rate lines.
    let c = group(&d["causes"], "acme/road repriced (base, fuel, gst)");
    assert_eq!(
        (c["orders"].as_u64(), c["delta_cents"].as_i64()),
        (Some(2), Some(1177))
    );
    assert_eq!(
        d["changed_files"][0]["path"],
        "carriers/rates/acme-road.csv"
    );
    assert_eq!(d["by_carrier"]["zip"]["head_cents"], 2750);
    assert_eq!(d["by_carrier"]["acme"]["base_cents"], 5905);
    assert_eq!(d["by_carrier"]["acme"]["head_cents"], 1089 + 1428 + 1815);
}

/// A new rule excludes acme from the CBD (2000): A and B go by zip at $27.50 each
/// (+17.82 and +10.56). Head total 27.50 + 27.50 + 14.28 + 18.15 = $87.43; difference +$28.38.
#[test]
fn a_new_exclusion_rule_moves_the_orders_it_matches() {
    let r = repo();
    r.edit(
        "lpo.yaml",
        "carriers: carriers",
        "carriers: carriers\nrules: rules",
    );
    r.write(
        "rules/10-cbd.yaml",
        "rules:\n  - id: no-acme-cbd\n    description: Acme misses CBD deliveries.\n    when:\n      postcodes: [\"2000\"]\n    reason: Acme cannot deliver in the CBD\n    exclude:\n      carriers: [acme]\n",
    );
    let d = r.json();
    assert_eq!(d["head"]["total_cents"], 8743);
    assert_eq!(d["delta_cents"], 2838);
    assert_eq!(ids(&d), ["A", "B"]);
    assert_eq!(change(&d, "A")["delta_cents"], 1782);
    assert_eq!(change(&d, "B")["delta_cents"], 1056);
    let key = "rule `no-acme-cbd` (rules/10-cbd.yaml:2) excludes acme/road";
    let c = group(&d["causes"], key);
    assert_eq!(
        (c["orders"].as_u64(), c["delta_cents"].as_i64()),
        (Some(2), Some(2838))
    );
    assert_eq!(
        change(&d, "A")["cause"],
        format!("{key}: Acme cannot deliver in the CBD")
    );
    let files: Vec<(&str, &str)> = d["changed_files"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|f| {
                    (
                        f["path"].as_str().unwrap_or(""),
                        f["change"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        files,
        [("lpo.yaml", "modified"), ("rules/10-cbd.yaml", "added")]
    );
}

/// acme disabled: A and B move to zip (+17.82, +10.56); C and D have no other service and
/// become unallocated (−14.28, −18.15). Head total 27.50 × 2 = $55.00; difference −$4.05.
#[test]
fn a_disabled_carrier_moves_some_orders_and_strands_others() {
    let r = repo();
    r.edit("carriers/acme.yaml", "enabled: true", "enabled: false");
    let d = r.json();
    assert_eq!(d["head"]["total_cents"], 5500);
    assert_eq!(d["delta_cents"], -405);
    assert_eq!(
        (
            d["head"]["allocated"].as_u64(),
            d["head"]["unallocated"].as_u64()
        ),
        (Some(2), Some(3))
    );
    assert_eq!(d["counts"]["moved"], 2);
    assert_eq!(d["counts"]["newly_unallocated"], 2);
    let c = change(&d, "C");
    assert_eq!(
        (
            c["change"].as_str(),
            c["delta_cents"].as_i64(),
            c["head"].is_null()
        ),
        (Some("newly_unallocated"), Some(-1428), true)
    );
    let g = group(&d["causes"], "acme/road carrier_disabled");
    assert_eq!(
        (g["orders"].as_u64(), g["delta_cents"].as_i64()),
        (Some(4), Some(-405))
    );
    // The headline must not read the two stranded orders as a saving: like for like (A and B,
    // allocated on both sides) the change costs +$28.38; C and D cost $14.28 + $18.15 = $32.43
    // on base and are gone on head.
    assert_eq!(d["like_for_like_cents"], 2838);
    assert_eq!(
        (
            d["dropped"]["orders"].as_u64(),
            d["dropped"]["cents"].as_i64()
        ),
        (Some(2), Some(3243))
    );
    assert!(
        d["warnings"][0]
            .as_str()
            .unwrap_or("")
            .contains("2 order(s) allocated on base are not allocated on head; they cost $32.43"),
        "{}",
        d["warnings"]
    );
    // The text and Markdown forms carry the same totals.
    let text = String::from_utf8_lossy(&r.diff(&[]).stdout).to_string();
    assert!(
        text.contains("total      $59.05 → $55.00   -$4.05"),
        "{text}"
    );
    assert!(text.contains("like for like +$28.38"), "{text}");
    let md = String::from_utf8_lossy(&r.diff(&["--format", "markdown"]).stdout).to_string();
    assert!(
        md.starts_with("### LPO cost impact: 🔺 +$28.38 like for like"),
        "{md}"
    );
    assert!(
        md.contains("| difference | | -$4.05 (like for like +$28.38) |"),
        "{md}"
    );
    assert!(
        md.contains("| acme/road carrier_disabled | 4 | -$4.05 |"),
        "{md}"
    );
}

#[test]
fn bad_sides_and_one_sided_rejections_are_reported_not_hidden() {
    let r = repo();
    // A revision that does not exist.
    let out = r.diff_from("no-such-branch", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`no-such-branch` is neither a folder nor a revision"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // An invalid head: its diagnostics tagged `head`, nothing written.
    r.edit("carriers/acme.yaml", "enabled: true", "enabled: maybe");
    let report = r.root.join("r.html");
    let out = r.diff(&["--report", report.to_str().unwrap_or("")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[head: working tree] error[") && err.contains("carriers/acme.yaml:3"),
        "{err}"
    );
    assert!(err.contains("no diff was made"), "{err}");
    assert!(out.stdout.is_empty() && !report.exists());
    r.edit("carriers/acme.yaml", "enabled: maybe", "enabled: true");

    // A folder as the base (no git), and an order that only the head rejects (its warehouse
    // is gone): listed as such, never silently dropped; exit 3.
    let base = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    common::copy_dir(&r.root, base.path());
    r.edit("warehouses.yaml", "  - { id: mel, name: Melbourne test DC, postcode: \"3000\", lat: -37.8136, lon: 144.9631 }\n", "");
    std::fs::write(&r.orders, "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm,from\nA,2000,2,10,10,10,\nF,3000,1,10,10,10,mel\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = r.diff_from(base.path().to_str().unwrap_or(""), &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    // F from mel: lane MEL,* 9.00 + 1.00 × 1 = 10.00, fuel 1.00, GST 1.10 → $12.10.
    assert_eq!(d["base"]["total_cents"], 968 + 1210);
    assert_eq!(d["head"]["total_cents"], 968);
    assert_eq!(d["head"]["rejected"], 1);
    let f = change(&d, "F");
    assert_eq!(f["change"], "rejected_on_head_only");
    assert!(f["cause"].as_str().unwrap_or("").contains("mel"), "{f}");
}

fn chromium() -> PathBuf {
    let p = PathBuf::from("/usr/bin/chromium");
    assert!(
        p.exists(),
        "headless Chromium is needed to check the HTML reports: run scripts/setup (apt-get install chromium)"
    );
    p
}

/// The DOM Chromium builds from a report.
fn rendered_dom(html: &Path) -> String {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--dump-dom",
        ])
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn html_reports_render_in_headless_chromium_with_every_chart() {
    let r = repo();
    r.edit("carriers/acme.yaml", "enabled: true", "enabled: false");
    let report = r.root.join("diff.html");
    let out = r.diff(&["--report", report.to_str().unwrap_or("")]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&report).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"),
        "not self-contained"
    );
    let dom = rendered_dom(&report);
    for id in [
        "chart-carrier-cost",
        "chart-carrier-parcels",
        "chart-distribution",
        "chart-zone",
        "chart-map",
    ] {
        assert!(
            dom.contains(&format!("<svg id=\"{id}\"")),
            "no chart {id} in the rendered page"
        );
    }
    assert!(dom.contains("<table id=\"table-top\""));
    // The figures on the page are the diff's: the totals, and the changed orders in the table.
    assert!(
        dom.contains("$59.05") && dom.contains("$55.00") && dom.contains("-$4.05"),
        "totals missing"
    );
    for id in ["A", "B", "C", "D"] {
        assert!(
            dom.contains(&format!("<tr><td>{id}</td>")),
            "order {id} missing from the table"
        );
    }
    // Bars: acme's base cost and zip's head cost are drawn (as titled rectangles).
    assert!(dom.contains("acme: $59.05"), "acme's base bar missing");
    assert!(dom.contains("zip: $55.00"), "zip's head bar missing");

    // `lpo optimise --report FILE.html`.
    let plan = r.root.join("plan.csv");
    let page = r.root.join("plan.html");
    let out = Command::new(env!("CARGO_BIN_EXE_lpo"))
        .current_dir(&r.root)
        .args(["optimise", "--quiet", "--date", "2026-11-26", "--orders"])
        .arg(&r.orders)
        .arg("--out")
        .arg(&plan)
        .arg("--report")
        .arg(&page)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = rendered_dom(&page);
    for id in [
        "chart-carrier-cost",
        "chart-carrier-parcels",
        "chart-distribution",
        "chart-zone",
        "chart-map",
    ] {
        assert!(
            dom.contains(&format!("<svg id=\"{id}\"")),
            "no chart {id} in the plan report"
        );
    }
    assert!(dom.contains("$55.00"), "the plan total is missing");
}

/// Sum of the `total` column of a plan's allocated rows, in cents.
fn plan_total(plan: &Path) -> i64 {
    let mut rd = csv::Reader::from_path(plan).unwrap_or_else(|e| panic!("{e}"));
    rd.records()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .filter(|r| &r[1] == "allocated")
        .map(|r| lpo_model::parse_decimal(&r[11], 2, false).unwrap_or_else(|e| panic!("{e:?}")))
        .sum()
}

/// Under the bundled day's constraints both sides are solved globally, and each side's total is
/// exactly what `lpo optimise` plans for that config.
#[test]
fn global_sides_are_the_plans_lpo_optimise_makes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (base, head) = (dir.path().join("base"), dir.path().join("head"));
    for side in [&base, &head] {
        for sub in ["data", "rules", "constraints"] {
            std::fs::create_dir_all(side.join(sub)).unwrap_or_else(|e| panic!("{e}"));
            common::copy_dir(&root.join(sub), &side.join(sub));
        }
        std::fs::copy(root.join("lpo.yaml"), side.join("lpo.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(
        head.join("rules/15-depot.yaml"),
        "rules:\n  - id: no-couriersplease-vic\n    description: Depot closed.\n    when:\n      state: [VIC]\n    reason: depot closed\n    exclude:\n      carriers: [couriersplease]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let orders = root.join("examples/orders.csv");
    let lpo = |args: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_lpo"))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let out = lpo(&[
        "diff".as_ref(),
        "--base".as_ref(),
        base.as_os_str(),
        "--head".as_ref(),
        head.as_os_str(),
        "--orders".as_ref(),
        orders.as_os_str(),
        "--date".as_ref(),
        "2026-11-26".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        // Proven optimal is what is asserted: the limit only bounds a hang.
        "--time-limit".as_ref(),
        "3600".as_ref(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    for (side, dir) in [("base", &base), ("head", &head)] {
        assert_eq!(d[side]["method"], "global");
        assert_eq!(d[side]["report"]["status"], "optimal");
        let plan = dir.join("plan.csv");
        let out = lpo(&[
            "optimise".as_ref(),
            "--quiet".as_ref(),
            "--config".as_ref(),
            dir.as_os_str(),
            "--orders".as_ref(),
            orders.as_os_str(),
            "--date".as_ref(),
            "2026-11-26".as_ref(),
            "--out".as_ref(),
            plan.as_os_str(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            d[side]["total_cents"].as_i64(),
            Some(plan_total(&plan)),
            "{side}"
        );
    }
    let rule = group(
        &d["causes"],
        "rule `no-couriersplease-vic` (rules/15-depot.yaml:2) excludes couriersplease/road",
    );
    assert!(rule["orders"].as_u64() > Some(0));
    // The changed orders' deltas add up to the difference of the totals: nothing is lost.
    let moved: i64 = d["changes"].as_array().map_or(0, |c| {
        c.iter()
            .map(|c| c["delta_cents"].as_i64().unwrap_or(0))
            .sum()
    });
    assert_eq!(
        moved,
        d["delta_cents"].as_i64().unwrap_or(0),
        "order deltas must add up to the total difference"
    );
}

/// The reverse of disabling acme: C and D become allocated again ($14.28 + $18.15 = $32.43),
/// A and B move back from zip (−$17.82 − $10.56). Order ids that are Markdown and HTML
/// syntax come out escaped.
#[test]
fn newly_allocated_orders_and_awkward_ids_are_reported_as_such() {
    let r = repo();
    let base = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    common::copy_dir(&r.root, base.path());
    let acme = base.path().join("carriers/acme.yaml");
    let text = std::fs::read_to_string(&acme).unwrap_or_default();
    std::fs::write(&acme, text.replacen("enabled: true", "enabled: false", 1))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&r.orders, ORDERS.replace("\nC,", "\n\"C|<x>&\","))
        .unwrap_or_else(|e| panic!("{e}"));
    let base = base.path().to_str().unwrap_or("").to_string();
    let out = r.diff_from(&base, &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d["delta_cents"], 405);
    assert_eq!(d["like_for_like_cents"], -2838);
    assert_eq!(
        (d["added"]["orders"].as_u64(), d["added"]["cents"].as_i64()),
        (Some(2), Some(3243))
    );
    assert_eq!(d["counts"]["newly_allocated"], 2);
    assert_eq!(change(&d, "C|<x>&")["change"], "newly_allocated");
    let md =
        String::from_utf8_lossy(&r.diff_from(&base, &["--format", "markdown"]).stdout).to_string();
    assert!(
        md.contains("| C\\|&lt;x&gt;&amp; | newly_allocated |"),
        "{md}"
    );
    let page = r.root.join("r.html");
    let out = r.diff_from(&base, &["--report", page.to_str().unwrap_or("")]);
    assert_eq!(out.status.code(), Some(3));
    let html = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(
        html.contains("<tr><td>C|&lt;x&gt;&amp;</td><td>newly_allocated</td>"),
        "order id not escaped in the HTML"
    );
}

/// A side whose global constraints cannot hold: exit 4, the side named, nothing written.
#[test]
fn infeasible_constraints_on_a_side_exit_4() {
    let r = repo();
    r.edit(
        "lpo.yaml",
        "carriers: carriers",
        "carriers: carriers\nconstraints: constraints.yaml",
    );
    r.write(
        "constraints.yaml",
        "commitments:\n  - id: zip_minimum\n    carrier: zip\n    min_parcels: 100\n",
    );
    let out_file = r.root.join("impact.md");
    let out = r.diff(&[
        "--format",
        "markdown",
        "--out",
        out_file.to_str().unwrap_or(""),
    ]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("head (working tree)") && err.contains("zip_minimum"),
        "{err}"
    );
    assert!(!out_file.exists());
}
