"""The Spark job (examples/spark/optimise_orders.py), run as users run it (the venv's python on
the script, Spark on local[2]), gives the plan `lpo optimise --greedy` gives: row for row, value
for value, with each order's first input line.

LPO_SKIP_100K=1 skips the 100,000-order run (about a minute on two cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from plan_compare import (
    arrow_plan_rows,
    assert_same_plan,
    check_plan_types,
    csv_plan_rows,
    orders_in_csv,
    read_csv_as_strings,
)

DATE = "2026-11-26"
SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "spark" / "optimise_orders.py"

skip_100k = pytest.mark.skipif(
    os.environ.get("LPO_SKIP_100K", "") not in ("", "0"),
    reason="LPO_SKIP_100K is set",
)


def run_spark_job(repo_root, config, orders, out, *extra, timeout=1200):
    """The job as a user runs it: this python (the venv's) on the script, Spark on local[2]."""
    env = dict(os.environ)
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    cmd = [
        sys.executable, str(SCRIPT), "--config", str(config), "--orders", str(orders),
        "--out", str(out), "--date", DATE, "--master", "local[2]",
        "--conf", "spark.ui.enabled=false", *map(str, extra),
    ]
    started = time.perf_counter()
    p = subprocess.run(cmd, cwd=repo_root, env=env, capture_output=True, text=True,
                       timeout=timeout)
    p.seconds = time.perf_counter() - started
    return p


def cli_plan(run_lpo, orders_csv, out):
    return run_lpo("optimise", "--greedy", "--quiet", "--date", DATE,
                   "--orders", orders_csv, "--out", out)


def check_against_cli(run_lpo, repo_root, config_path, orders_csv, spark_input, tmp,
                      *extra, sorted_output=True):
    """Runs the CLI on `orders_csv` and the job on `spark_input` (the same orders), and
    compares their plans."""
    expected = tmp / "cli-plan.csv"
    cli = cli_plan(run_lpo, orders_csv, expected)
    out = tmp / "spark-plan.parquet"
    job = run_spark_job(repo_root, config_path, spark_input, out, *extra)
    assert job.returncode == cli.returncode, (
        f"the job exited {job.returncode}, the CLI {cli.returncode}:\n{job.stderr[-5000:]}"
    )
    print(f"spark job on {spark_input}: {job.seconds:.1f} s")

    written = pq.read_table(out)
    check_plan_types(written, extra={"line": pa.int64()})
    lines = written.column("line").to_pylist()
    if sorted_output:
        assert lines == sorted(lines), "the plan files are not in line order"
    plan = written.sort_by("line")

    orders = orders_in_csv(orders_csv)
    assert plan.num_rows == len(orders), f"{plan.num_rows} plan rows for {len(orders)} orders"
    # Each order's line is the line of its first row in the file.
    assert plan.column("line").to_pylist() == list(orders.values())
    assert_same_plan(arrow_plan_rows(plan), csv_plan_rows(expected), what="the Spark plan")
    return plan, job


@pytest.mark.parametrize("name", ["orders.csv", "orders-with-errors.csv"])
def test_spark_plan_is_the_cli_plan(run_lpo, repo_root, config_path, tmp_dir, name):
    orders = repo_root / "examples" / name
    check_against_cli(run_lpo, repo_root, config_path, orders, orders, tmp_dir)


def test_spark_line_numbers_as_the_cli_counts_them(run_lpo, repo_root, config_path, tmp_dir):
    """Blank lines, rows of empty fields, CRLF and lone CR line ends, quoted fields with commas
    and quotes, a byte-order mark: the rejections name the same lines as the CLI's."""
    src = (repo_root / "examples" / "orders-with-errors.csv").read_text().splitlines()
    header, rows = src[0], src[1:]
    tricky = [
        rows[0],
        "",
        rows[1],
        ",,,,,,,,,,,,,,,",
        rows[2],
        rows[3].replace("leading zero lost by a spreadsheet", '"a ""quoted"", note, with commas"'),
        "   ",
        *rows[4:8],
        'QUOTED-ID,3000,,,"2,5",10,10,10,,street,standard,2026-11-26,,false,web,comma decimal',
        *rows[8:],
    ]
    ends = ["\r\n", "\n", "\r"]
    body = "".join(line + ends[i % 3] for i, line in enumerate(tricky))
    orders = tmp_dir / "tricky.csv"
    orders.write_bytes(b"\xef\xbb\xbf" + (header + "\r\n" + body).encode())
    plan, _ = check_against_cli(run_lpo, repo_root, config_path, orders, orders, tmp_dir)
    reasons = " ".join(r or "" for r in plan.column("reason").to_pylist())
    assert "line 9," in reasons, reasons  # after a blank line, an empty row and blank-ish lines


def test_spark_reads_typed_parquet(run_lpo, repo_root, config_path, tmp_dir):
    """Parquet with numbers, booleans and dates where the CSV has text: the same plan; `line`
    is the row number + 1, which is the CSV's line."""
    orders_csv = repo_root / "examples" / "orders.csv"
    table = read_csv_as_strings(orders_csv)
    typed = {
        "weight_kg": pa.float64(), "length_cm": pa.float64(), "width_cm": pa.float64(),
        "height_cm": pa.float64(), "residential": pa.bool_(), "dangerous_goods": pa.bool_(),
        "signature": pa.bool_(), "ship_date": pa.date32(),
    }
    for name, ty in typed.items():
        if name in table.column_names:
            i = table.column_names.index(name)
            col = pc.if_else(pc.equal(table.column(name), ""), pa.scalar(None, pa.string()),
                             table.column(name))
            table = table.set_column(i, name, pc.cast(col, ty))
    parquet = tmp_dir / "orders.parquet"
    pq.write_table(table, parquet)
    check_against_cli(run_lpo, repo_root, config_path, orders_csv, parquet, tmp_dir)


def test_spark_unsorted_output_is_the_same_plan(run_lpo, repo_root, config_path, tmp_dir):
    orders = repo_root / "examples" / "orders.csv"
    check_against_cli(run_lpo, repo_root, config_path, orders, orders, tmp_dir,
                      "--no-sort", "--partitions", "5", sorted_output=False)


def test_spark_job_refuses_a_bad_config(repo_root, tmp_dir):
    bad = tmp_dir / "lpo.yaml"
    bad.write_text("postcodes: nowhere.tsv\n")
    job = run_spark_job(repo_root, bad, repo_root / "examples" / "orders.csv", tmp_dir / "out")
    assert job.returncode == 2, job.stderr[-3000:]
    assert not (tmp_dir / "out").exists()


@skip_100k
def test_spark_100k_orders_is_the_cli_plan(run_lpo, repo_root, config_path, session_dir):
    tmp = session_dir / "100k"
    tmp.mkdir(exist_ok=True)
    orders = tmp / "orders.csv"
    run_lpo("gen-orders", "--count", 100_000, "--seed", 11, "--out", orders, ok=(0,))
    plan, job = check_against_cli(run_lpo, repo_root, config_path, orders, orders, tmp)
    ids = read_csv_as_strings(orders).column("order_id")
    assert plan.num_rows == len(pc.unique(ids)) == 100_000
    print(job.stderr[-2000:])
