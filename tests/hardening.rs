//! Regression tests for what an outside probe found feeding LPO hostile input (issue 15): input
//! budgets, flags out of range, outputs that are all or nothing, `--out -`, ids that are not
//! UTF-8, blank rows and byte-order marks in the plan, and an `lpo.yaml` that cannot be read.

mod common;

use std::path::Path;
use std::process::Output;

use common::{lpo, path_str, root};

const HEADER: &str = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm\n";

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(p: &Path, data: impl AsRef<[u8]>) {
    std::fs::write(p, data).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
}

/// `lpo optimise --greedy` in `dir` with the bundled config and a fixed date.
fn optimise(dir: &Path, extra: &[&str]) -> Output {
    let config = root().join("lpo.yaml");
    let mut args = vec![
        "optimise",
        "--config",
        path_str(&config),
        "--greedy",
        "--date",
        "2026-11-26",
        "-q",
    ];
    args.extend_from_slice(extra);
    lpo(&args, dir)
}

#[test]
fn an_endless_orders_stream_stops_at_the_input_limit() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = optimise(
        dir.path(),
        &[
            "--orders",
            "/dev/zero",
            "--out",
            "plan.csv",
            "--max-input-mib",
            "4",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(
        err(&out).contains("/dev/zero goes on past the input limit of 4 MiB"),
        "{}",
        err(&out)
    );
    assert!(!dir.path().join("plan.csv").exists());
}

#[test]
fn an_orders_file_above_the_limit_is_refused_and_the_limit_comes_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let big = dir.path().join("big.csv");
    let f = std::fs::File::create(&big).unwrap_or_else(|e| panic!("{e}"));
    // A sparse file: 3 MiB that take no disk.
    f.set_len(3 << 20).unwrap_or_else(|e| panic!("{e}"));
    let out = optimise(
        dir.path(),
        &[
            "--orders",
            "big.csv",
            "--out",
            "plan.csv",
            "--max-input-mib",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(
        err(&out).contains("is 3 MiB, above the input limit of 2 MiB"),
        "{}",
        err(&out)
    );
    let config = root().join("lpo.yaml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lpo"))
        .args([
            "check",
            "--config",
            path_str(&config),
            "--orders",
            "big.csv",
            "--plan",
            "big.csv",
        ])
        .env("LPO_MAX_INPUT_MIB", "1")
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(
        err(&out).contains("above the input limit of 1 MiB"),
        "{}",
        err(&out)
    );
}

#[test]
fn thread_time_and_gap_flags_out_of_range_are_usage_errors_stating_the_range() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases: [(&[&str], &str); 9] = [
        (&["--threads", "20000"], "from 1 to 1024"),
        (&["--threads", "0"], "from 1 to 1024"),
        (&["--threads", "many"], "from 1 to 1024"),
        (&["--solver-threads", "0"], "1..=1024"),
        (&["--time-limit", "NaN"], "above 0"),
        (&["--time-limit", "inf"], "above 0"),
        (&["--time-limit", "1e9"], "at most 604800"),
        (&["--gap", "1e400"], "from 0 to below 100"),
        (&["--gap=-1"], "from 0 to below 100"),
    ];
    for (flags, range) in cases {
        let mut args = vec!["--orders", "x.csv", "--out", "plan.csv"];
        args.extend_from_slice(flags);
        let out = optimise(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", err(&out));
        assert!(err(&out).contains(range), "{flags:?}: {}", err(&out));
    }
    let config = root().join("lpo.yaml");
    for flag in ["--workers", "--pool-threads"] {
        let out = lpo(
            &["serve", "--config", path_str(&config), flag, "5000"],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", err(&out));
        assert!(
            err(&out).contains("from 1 to 1024"),
            "{flag}: {}",
            err(&out)
        );
    }
}

#[test]
fn when_one_output_cannot_be_written_none_is_and_the_old_plan_stays() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let orders = root().join("examples").join("orders.csv");
    write(&dir.path().join("plan.csv"), "the plan of yesterday\n");
    let out = optimise(
        dir.path(),
        &[
            "--orders",
            path_str(&orders),
            "--out",
            "plan.csv",
            "--options-out",
            "no-such-folder/options.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    assert!(
        err(&out).contains("no-such-folder/options.csv"),
        "{}",
        err(&out)
    );
    let plan = std::fs::read_to_string(dir.path().join("plan.csv")).unwrap_or_default();
    assert_eq!(plan, "the plan of yesterday\n");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec!["plan.csv".to_string()],
        "temporary files were left"
    );
}

#[test]
fn a_temporary_file_left_by_a_killed_run_is_removed_by_the_next() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let orders = root().join("examples").join("orders.csv");
    // No process has a pid above Linux's pid_max (4194304).
    let stale = dir.path().join(".plan.csv.tmp-4194305");
    write(&stale, "half a plan");
    let out = optimise(
        dir.path(),
        &["--orders", path_str(&orders), "--out", "plan.csv"],
    );
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", err(&out));
    assert!(!stale.exists(), "the stale temporary file is still there");
    assert!(dir.path().join("plan.csv").exists());
}

#[test]
fn out_dash_writes_the_plan_to_standard_output() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let orders = root().join("examples").join("orders.csv");
    let to_file = optimise(
        dir.path(),
        &["--orders", path_str(&orders), "--out", "plan.csv"],
    );
    let to_stdout = optimise(dir.path(), &["--orders", path_str(&orders), "--out", "-"]);
    assert_eq!(
        to_stdout.status.code(),
        to_file.status.code(),
        "{}",
        err(&to_stdout)
    );
    assert!(!dir.path().join("-").exists(), "a file named - was written");
    let plan = std::fs::read(dir.path().join("plan.csv")).unwrap_or_default();
    assert!(plan.len() > 1000);
    assert_eq!(to_stdout.stdout, plan, "stdout is not the plan");
}

/// The plan's rows as (order_id, status, reason).
fn plan_rows(dir: &Path) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("plan.csv")).unwrap_or_else(|e| panic!("{e}"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap_or_else(|e| panic!("{e}"));
            (
                rec.get(0).unwrap_or("").to_string(),
                rec.get(1).unwrap_or("").to_string(),
                rec.get(13).unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn ids_that_are_not_utf8_stay_apart_and_blank_rows_and_a_bom_are_reported_in_the_plan() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut data = HEADER.as_bytes().to_vec();
    data.extend_from_slice(b"\xEF\xBB\xBFA0,2000,1,10,10,10\n");
    data.extend_from_slice(b"A\xff,2000,1,10,10,10\nA\xfe,2000,1,10,10,10\n,,,,,\n");
    data.extend_from_slice(b"OK,2000,1,10,10,10\n");
    write(&dir.path().join("orders.csv"), &data);
    let out = optimise(dir.path(), &["--orders", "orders.csv", "--out", "plan.csv"]);
    assert_eq!(out.status.code(), Some(3), "{}", err(&out));
    let rows = plan_rows(dir.path());
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids, vec!["A0", "A\\xFF", "A\\xFE", "", "OK"]);
    let status: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(
        status,
        vec!["rejected", "rejected", "rejected", "rejected", "allocated"]
    );
    assert!(
        rows[0]
            .2
            .contains("line 2, row: starts with a byte-order mark"),
        "{rows:?}"
    );
    assert!(
        rows[1].2.contains("line 3, order_id: is not valid UTF-8"),
        "{rows:?}"
    );
    assert!(
        rows[3]
            .2
            .contains("line 5, row: every cell of the row is blank"),
        "{rows:?}"
    );
}

#[test]
fn a_header_and_a_gigantic_row_of_nuls_give_a_small_plan_naming_the_row() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut data = HEADER.as_bytes().to_vec();
    data.extend_from_slice(b"A1,2000,1,10,10,10\n");
    data.extend(std::iter::repeat_n(0u8, 8 << 20));
    write(&dir.path().join("orders.csv"), &data);
    let out = optimise(dir.path(), &["--orders", "orders.csv", "--out", "plan.csv"]);
    assert_eq!(out.status.code(), Some(3), "{}", err(&out));
    let size = std::fs::metadata(dir.path().join("plan.csv")).map_or(0, |m| m.len());
    assert!(
        size < 4096,
        "the plan is {size} bytes: the NULs were echoed back"
    );
    let rows = plan_rows(dir.path());
    assert_eq!(rows.len(), 2);
    assert!(
        rows[1].2.contains("line 3, row: is 8388608 bytes long"),
        "{rows:?}"
    );
}

#[test]
fn an_lpo_yaml_that_exists_but_cannot_be_read_is_not_called_missing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("nowhere.yaml", dir.path().join("lpo.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = lpo(&["validate"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(!err(&out).contains("no lpo.yaml"), "{}", err(&out));
    assert!(!err(&out).contains("does not exist\n"), "{}", err(&out));
    assert!(err(&out).contains("lpo.yaml"), "{}", err(&out));
}
