//! What a new user meets first, each pinned by a regression test named after the bug it found:
//! orders and config files with old-Mac (lone CR) line ends, an empty day under a hard
//! commitment, a closed stderr, and addresses in postcodes that cross a state border.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DATE: &str = "2026-11-26";
const HEADER: &str = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm";

fn root() -> PathBuf {
    PathBuf::from(ROOT)
}

fn lpo_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lpo"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run lpo: {e}"))
}

fn lpo(args: &[&str]) -> Output {
    lpo_in(&root(), args)
}

/// `lpo` in `cwd`, which must finish its job: exit 0, or 3 (some orders not allocated).
fn finished_in(cwd: &Path, args: &[&str]) -> Output {
    let out = lpo_in(cwd, args);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{args:?}: exit {:?}: {}",
        out.status.code(),
        err(&out)
    );
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_else(|| panic!("not UTF-8: {p:?}"))
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn write(p: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::write(p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

/// Every line end of `text` as a lone CR (the bundled files have no line break inside a field).
fn to_cr(text: &[u8]) -> Vec<u8> {
    let t = String::from_utf8_lossy(text).replace("\r\n", "\n");
    assert!(!t.contains('\r'));
    t.replace('\n', "\r").into_bytes()
}

fn to_crlf(text: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(text)
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

/// `lpo optimise` of `orders` into `dir/name`: the exit code and the plan's bytes.
fn optimise(orders: &Path, dir: &Path, name: &str, extra: &[&str]) -> (Option<i32>, Vec<u8>) {
    let plan = dir.join(name);
    let mut args = vec![
        "optimise",
        "--orders",
        s(orders),
        "--out",
        s(&plan),
        "--date",
        DATE,
        "--time-limit",
        "3600",
    ];
    args.extend_from_slice(extra);
    let out = finished_in(&root(), &args);
    (out.status.code(), read(&plan))
}

#[test]
fn lone_cr_orders_file_from_the_probe_reads_both_orders() {
    let dir = tmp();
    let orders = dir.path().join("cr.csv");
    write(
        &orders,
        format!("{HEADER}\rA,3000,1,10,10,10\rB,3000,1,10,10,10\r"),
    );
    let (code, plan) = optimise(&orders, dir.path(), "p.csv", &["--greedy"]);
    assert_eq!(code, Some(0));
    let text = String::from_utf8_lossy(&plan).into_owned();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows[0].starts_with("A,allocated,") && rows[1].starts_with("B,allocated,"));
}

#[test]
fn lone_cr_and_crlf_samples_plan_byte_for_byte_like_lf_greedy_and_global() {
    let dir = tmp();
    let lf = root().join("examples/orders.csv");
    let sample = read(&lf);
    let cr = dir.path().join("cr.csv");
    let crlf = dir.path().join("crlf.csv");
    write(&cr, to_cr(&sample));
    write(&crlf, to_crlf(&sample));
    for extra in [&["--greedy"][..], &[][..]] {
        let (code, want) = optimise(&lf, dir.path(), "lf-plan.csv", extra);
        assert_eq!(want.iter().filter(|&&b| b == b'\n').count(), 1001);
        for (name, orders) in [("cr-plan.csv", &cr), ("crlf-plan.csv", &crlf)] {
            let (c, got) = optimise(orders, dir.path(), name, extra);
            assert_eq!(c, code, "{name} {extra:?}");
            assert!(
                got == want,
                "{name} {extra:?}: the plan differs from the LF one"
            );
        }
    }
    // The checker reads CR orders and a CR plan alike.
    let (_, plan) = optimise(&lf, dir.path(), "plan.csv", &[]);
    let cr_plan = dir.path().join("cr-plan-of-lf.csv");
    write(&cr_plan, to_cr(&plan));
    let out = lpo(&["check", "--orders", s(&cr), "--plan", s(&cr_plan)]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.starts_with("ok: 1000 orders"), "{said}");
}

#[test]
fn lone_cr_orders_give_lpo_diff_the_same_answer() {
    let (lf_dir, cr_dir) = (tmp(), tmp());
    let sample = read(&root().join("examples/orders.csv"));
    write(&lf_dir.path().join("orders.csv"), &sample);
    write(&cr_dir.path().join("orders.csv"), to_cr(&sample));
    let diff = |cwd: &Path| {
        finished_in(
            cwd,
            &[
                "diff",
                "--config",
                s(&root().join("lpo.yaml")),
                "--base",
                ROOT,
                "--orders",
                "orders.csv",
                "--date",
                DATE,
                "--greedy",
                "--format",
                "json",
            ],
        )
        .stdout
    };
    let lf = diff(lf_dir.path());
    let v: Value = serde_json::from_slice(&lf).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["orders"], 1000, "{v}");
    assert_eq!(v["base"]["allocated"], 978, "{v}");
    assert!(diff(cr_dir.path()) == lf, "lpo diff differs on CR orders");
}

#[test]
fn text_after_the_header_without_a_row_is_an_error_naming_the_file() {
    let dir = tmp();
    for (name, body) in [
        ("commas.csv", format!("{HEADER}\n,,,,,\n , ,,,,\n")),
        ("commas-cr.csv", format!("{HEADER}\r,,,,,\r")),
    ] {
        let orders = dir.path().join(name);
        write(&orders, body);
        let plan = dir.path().join("plan.csv");
        let out = lpo(&[
            "optimise",
            "--greedy",
            "--orders",
            s(&orders),
            "--out",
            s(&plan),
        ]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", err(&out));
        assert!(err(&out).contains(name), "{}", err(&out));
        assert!(err(&out).contains("no order rows"), "{}", err(&out));
        assert!(!plan.exists(), "{name}: a plan was written");
        write(
            &plan,
            "order_id,status,from,carrier,service,zone,chargeable_kg,base,surcharges,fuel,gst,total,eta_days,reason,warnings\n",
        );
        let out = lpo(&["check", "--orders", s(&orders), "--plan", s(&plan)]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", err(&out));
        assert!(err(&out).contains("no order rows"), "{}", err(&out));
        std::fs::remove_file(&plan).unwrap_or_else(|e| panic!("{e}"));
    }
    // A header alone (or with blank lines) is a day of no orders.
    let orders = dir.path().join("empty.csv");
    write(&orders, format!("{HEADER}\n\n\r\n"));
    let (code, plan) = optimise(&orders, dir.path(), "empty-plan.csv", &["--greedy"]);
    assert_eq!(code, Some(0));
    assert_eq!(plan.iter().filter(|&&b| b == b'\n').count(), 1);
}

/// A copy of the bundled configuration with every CSV and TSV file's line ends turned into
/// lone CRs.
fn cr_config() -> (tempfile::TempDir, PathBuf, usize) {
    let (dir, manifest) = common::config_copy();
    fn convert(dir: &Path, n: &mut usize) {
        for e in std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                convert(&p, n);
            } else if p.extension().is_some_and(|x| x == "csv" || x == "tsv") {
                write(&p, to_cr(&read(&p)));
                *n += 1;
            }
        }
    }
    let mut n = 0;
    convert(dir.path(), &mut n);
    (dir, manifest, n)
}

#[test]
fn lone_cr_config_csv_files_load_and_price_like_lf() {
    let (_keep, manifest, converted) = cr_config();
    assert!(converted >= 5, "{converted} files converted");
    let out = lpo(&["validate", "--deny-warnings", "--config", s(&manifest)]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let summary = |o: &Output| err(o).lines().last().unwrap_or("").to_string();
    let lf = lpo(&["validate", "--deny-warnings"]);
    // Same counts of carriers, zones, postcodes, rate rows and rules; only the version differs.
    let strip = |t: String| t.split("; version").next().unwrap_or("").to_string();
    assert_eq!(strip(summary(&out)), strip(summary(&lf)));
    let dir = tmp();
    let orders = root().join("examples/orders.csv");
    let (_, want) = optimise(&orders, dir.path(), "lf.csv", &["--greedy"]);
    let (_, got) = optimise(
        &orders,
        dir.path(),
        "cr.csv",
        &["--greedy", "--config", s(&manifest)],
    );
    assert!(got == want, "a CR config priced the sample differently");
    // A bad cell in a CR file is named at its own line.
    let file = manifest
        .with_file_name("data")
        .join("carriers/zones/auspost.csv");
    let text = String::from_utf8_lossy(&read(&file)).into_owned();
    let mut lines: Vec<String> = text.split('\r').map(str::to_string).collect();
    let third = lines.get_mut(2).unwrap_or_else(|| panic!("short {file:?}"));
    let mut cells: Vec<&str> = third.split(',').collect();
    assert!(cells.len() > 1, "{third}");
    cells[1] = "99x99";
    *third = cells.join(",");
    write(&file, lines.join("\r"));
    let out = lpo(&["validate", "--config", s(&manifest), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let d = v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["file"].as_str().is_some_and(|f| f.ends_with(name)))
        .unwrap_or_else(|| panic!("no diagnostic for {name}: {v}"));
    assert_eq!(d["line"], 3, "{d}");
}

#[test]
fn an_empty_day_under_a_hard_commitment_is_infeasible_not_a_penalty() {
    let dir = tmp();
    let orders = dir.path().join("header-only.csv");
    write(&orders, format!("{HEADER}\n"));
    let plan = dir.path().join("plan.csv");
    let out = lpo(&[
        "optimise",
        "--orders",
        s(&orders),
        "--out",
        s(&plan),
        "--date",
        DATE,
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", err(&out));
    let e = err(&out);
    assert!(e.contains("aramex_daily_minimum"), "{e}");
    assert!(!e.contains("penalty paid"), "{e}");
    assert!(!plan.exists(), "a plan was written for an infeasible day");
    // Every order rejected is the same empty day.
    let bad = dir.path().join("all-bad.csv");
    write(&bad, format!("{HEADER}\nX,3000,-1,10,10,10\n"));
    let out = lpo(&["optimise", "--orders", s(&bad), "--out", s(&plan)]);
    assert_eq!(out.status.code(), Some(4), "{}", err(&out));
    // Without the constraints, an empty day is fine.
    let (code, _) = optimise(&orders, dir.path(), "greedy.csv", &["--greedy"]);
    assert_eq!(code, Some(0));
}

/// Runs `lpo` with stderr a pipe whose reading end is already closed, so every write to it
/// fails with a broken pipe.
fn lpo_closed_stderr(cwd: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap_or_else(|e| panic!("{e}"));
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_lpo"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::from(writer))
        .output()
        .unwrap_or_else(|e| panic!("cannot run lpo: {e}"))
}

#[test]
fn closed_stderr_does_not_turn_exit_codes_into_101() {
    let dir = tmp();
    let out = lpo_closed_stderr(&root(), &["validate"]);
    assert_eq!(out.status.code(), Some(0));
    let plan = dir.path().join("plan.csv");
    let orders = root().join("examples/orders.csv");
    let out = lpo_closed_stderr(
        &root(),
        &[
            "optimise",
            "--orders",
            s(&orders),
            "--out",
            s(&plan),
            "--date",
            DATE,
            "--time-limit",
            "3600",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    let (_, want) = optimise(&orders, dir.path(), "want.csv", &[]);
    assert!(
        read(&plan) == want,
        "the plan differs when stderr is closed"
    );
    let out = lpo_closed_stderr(
        &root(),
        &[
            "diff",
            "--base",
            ROOT,
            "--orders",
            s(&orders),
            "--date",
            DATE,
            "--greedy",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(!out.stdout.is_empty());
    // Errors too: the exit code survives losing the message.
    let out = lpo_closed_stderr(
        &root(),
        &["optimise", "--orders", "/nonexistent", "--out", "x"],
    );
    assert_eq!(out.status.code(), Some(1));
    let out = lpo_closed_stderr(
        &root(),
        &["check", "--orders", s(&orders), "--plan", s(&orders)],
    );
    assert_eq!(out.status.code(), Some(2), "not a plan: a usage error");
}

fn quote(args: &[&str]) -> Value {
    let mut all = vec![
        "quote",
        "--json",
        "--date",
        DATE,
        "--weight-kg",
        "1",
        "--dims-cm",
        "10x10x10",
    ];
    all.extend_from_slice(args);
    let out = finished_in(&root(), &all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

fn warnings(q: &Value) -> Vec<String> {
    q["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings array: {q}"))
        .iter()
        .map(|w| w.as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn addresses_in_postcodes_across_state_borders_are_accepted() {
    // Every state a postcode spans is valid for it.
    for (pc, suburb, state) in [
        ("2620", "QUEANBEYAN", "NSW"),
        ("2620", "THARWA", "ACT"),
        ("4383", "WALLANGARRA", "QLD"),
        ("0872", "ALICE SPRINGS", "NT"),
    ] {
        let q = quote(&[
            "--to-postcode",
            pc,
            "--to-suburb",
            suburb,
            "--to-state",
            state,
        ]);
        assert!(q["selected"].is_object(), "{pc} {suburb} {state}: {q}");
        assert_eq!(warnings(&q), Vec::<String>::new(), "{pc} {suburb} {state}");
    }
    for (pc, state) in [
        ("2620", "NSW"),
        ("2620", "ACT"),
        ("0872", "SA"),
        ("0872", "WA"),
    ] {
        let q = quote(&["--to-postcode", pc, "--to-state", state]);
        assert!(q["selected"].is_object(), "{pc} {state}: {q}");
    }
    // A state the postcode does not span is still rejected, naming the states it does.
    let out = lpo(&[
        "quote",
        "--to-postcode",
        "2620",
        "--to-state",
        "VIC",
        "--weight-kg",
        "1",
        "--dims-cm",
        "10x10x10",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(
        err(&out).contains("postcode 2620 is in NSW or ACT, not VIC"),
        "{}",
        err(&out)
    );
    // In a plan: the border addresses are allocated; a known suburb that contradicts the state
    // given, and an unknown suburb, are priced with a warning in the plan's last column.
    let dir = tmp();
    let orders = dir.path().join("border.csv");
    write(
        &orders,
        "order_id,to_postcode,to_suburb,to_state,weight_kg,length_cm,width_cm,height_cm\n\
         Q,2620,QUEANBEYAN,NSW,1,10,10,10\n\
         QA,2620,Queanbeyan,ACT,1,10,10,10\n\
         W,4383,WALLANGARRA,QLD,1,10,10,10\n\
         J,4383,JENNINGS,NSW,1,10,10,10\n\
         N,3000,NOWHERE,,1,10,10,10\n\
         V,2620,,VIC,1,10,10,10\n",
    );
    let (code, plan) = optimise(&orders, dir.path(), "plan.csv", &["--greedy"]);
    assert_eq!(code, Some(3));
    let mut r = csv::Reader::from_reader(plan.as_slice());
    let h = r.headers().cloned().unwrap_or_default();
    assert_eq!(h.iter().next_back(), Some("warnings"));
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap_or_default()).collect();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap_or(usize::MAX);
    let (status, warn) = (col("status"), col("warnings"));
    let got: Vec<(&str, &str, &str)> = rows.iter().map(|x| (&x[0], &x[status], &x[warn])).collect();
    assert_eq!(got[0], ("Q", "allocated", ""));
    assert_eq!(got[1].1, "allocated");
    assert!(
        got[1]
            .2
            .starts_with("state_from_suburb: QUEANBEYAN 2620 is in NSW, not ACT"),
        "{got:?}"
    );
    assert_eq!(got[2], ("W", "allocated", ""), "{got:?}");
    assert_eq!(got[3], ("J", "allocated", ""), "{got:?}");
    assert_eq!(got[4].1, "allocated");
    assert!(
        got[4]
            .2
            .starts_with("unknown_suburb: `NOWHERE` is not a locality of 3000"),
        "{got:?}"
    );
    assert_eq!(got[5].1, "rejected");
    assert!(rows[5][col("reason")].contains("state_mismatch"), "{got:?}");
    let q = quote(&["--to-postcode", "3000", "--to-suburb", "NOWHERE"]);
    assert_eq!(warnings(&q).len(), 1, "{q}");
}

#[test]
fn rules_see_the_suburbs_state_in_a_border_postcode() {
    let (dir, manifest) = common::config_copy();
    write(
        &manifest.with_file_name("rules").join("15-nsw.yaml"),
        "rules:\n  - id: no-tnt-nsw\n    description: No TNT into NSW.\n    when:\n      state: [NSW]\n    reason: test\n    exclude:\n      carriers: [tnt]\n",
    );
    let by_rule = |args: &[&str]| {
        let mut all = vec!["--config", s(&manifest)];
        all.extend_from_slice(args);
        let q = quote(&all);
        q["excluded"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["rule"] == "no-tnt-nsw")
    };
    // Queanbeyan is NSW, Tharwa ACT, both in 2620; a postcode alone is its first row's state
    // (2620 BEARD, ACT); a state given without a suburb is taken as given.
    assert!(by_rule(&[
        "--to-postcode",
        "2620",
        "--to-suburb",
        "QUEANBEYAN"
    ]));
    assert!(by_rule(&[
        "--to-postcode",
        "2620",
        "--to-suburb",
        "QUEANBEYAN",
        "--to-state",
        "ACT"
    ]));
    assert!(!by_rule(&[
        "--to-postcode",
        "2620",
        "--to-suburb",
        "THARWA"
    ]));
    assert!(!by_rule(&["--to-postcode", "2620"]));
    assert!(by_rule(&["--to-postcode", "2620", "--to-state", "NSW"]));
    assert!(!by_rule(&["--to-postcode", "2620", "--to-state", "ACT"]));
    drop(dir);
}
