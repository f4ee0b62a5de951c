"""The `lpo` Python module (crates/lpo-py) gives what the CLI gives: the same quote JSON, the same
validation document and the same plan, from Arrow tables of any column types LPO can read."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import lpo
from plan_compare import (
    PLAN_COLUMNS,
    arrow_plan_rows,
    assert_same_plan,
    check_plan_types,
    csv_plan_rows,
    read_csv_as_strings,
)

DATE = "2026-11-26"


@pytest.fixture(scope="session")
def engine(config_path):
    return lpo.Engine.load(str(config_path))


@pytest.fixture(scope="session")
def orders_csv(repo_root) -> Path:
    return repo_root / "examples" / "orders.csv"


@pytest.fixture(scope="session")
def cli_plan_of(run_lpo, session_dir):
    """The CLI's plan (`lpo optimise --greedy`) of an orders CSV, as text rows; cached."""
    cache: dict = {}

    def plan(orders: Path, *flags, date=DATE):
        key = (str(orders), flags, date)
        if key not in cache:
            out = session_dir / f"cli-plan-{len(cache)}.csv"
            args = ["optimise", "--greedy", "--quiet", "--orders", orders, "--out", out, *flags]
            if date is not None:
                args += ["--date", date]
            run_lpo(*args)
            cache[key] = csv_plan_rows(out)
        return cache[key]

    return plan


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    import csv

    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def strings_table(header: list[str], rows: list[list[str | None]]) -> pa.Table:
    return pa.table({h: pa.array([r[i] for r in rows], pa.string()) for i, h in enumerate(header)})


# --- loading and validation ------------------------------------------------------------------


def test_engine_loads_the_repository_config(engine, config_path, repo_root):
    assert isinstance(engine.version, str) and engine.version
    # The manifest or its folder; the same bytes, the same version.
    assert lpo.Engine.load(str(repo_root)).version == engine.version
    assert lpo.Engine.load(str(config_path)).version == engine.version


def test_version_is_the_cli_config_version(engine, run_lpo):
    doc = json.loads(run_lpo("validate", "--format", "json", ok=(0,)).stdout)
    assert doc["summary"]["config_version"] == engine.version


def test_validate_is_the_cli_document(engine, run_lpo):
    doc = json.loads(run_lpo("validate", "--format", "json", ok=(0,)).stdout)
    assert engine.validate() == doc


def config_copy(repo_root: Path, to: Path) -> Path:
    """The bundled config (lpo.yaml with data, rules, constraints) copied to `to`."""
    for sub in ("data", "rules", "constraints"):
        shutil.copytree(repo_root / sub, to / sub)
    shutil.copy(repo_root / "lpo.yaml", to / "lpo.yaml")
    return to / "lpo.yaml"


@pytest.mark.parametrize(
    "find, replace, code",
    [
        ("services: [tnt/overnight]", "services: [tnt/overnite]", "unknown-service"),
        ("carriers: [auspost]", "carriers: [auspots]", "unknown-carrier"),
        ("    disable:\n", "    disabel:\n", "unknown-field"),
    ],
)
def test_bad_config_raises_config_error_with_diagnostics(
    repo_root, tmp_dir, run_lpo, find, replace, code
):
    manifest = config_copy(repo_root, tmp_dir)
    rule_file = tmp_dir / "rules" / "10-carriers.yaml"
    text = rule_file.read_text()
    assert find in text
    line = text[: text.index(find)].count("\n") + 1
    rule_file.write_text(text.replace(find, replace, 1))

    with pytest.raises(lpo.ConfigError) as caught:
        lpo.Engine.load(str(manifest))
    diags = caught.value.diagnostics
    assert isinstance(diags, list) and diags, caught.value
    for d in diags:
        assert {"file", "line", "column", "code", "severity", "message"} <= set(d), d
    hits = [d for d in diags if d["code"] == code and d["severity"] == "error"]
    assert hits, diags
    assert hits[0]["file"] == "rules/10-carriers.yaml", hits
    assert hits[0]["line"] == line, hits
    assert hits[0]["column"] > 0, hits
    if code == "unknown-carrier":
        assert "auspost" in (hits[0].get("help") or hits[0].get("hint") or ""), hits
    assert code in str(caught.value) or hits[0]["message"] in str(caught.value)

    # The same diagnostics as `lpo validate`.
    cli = json.loads(run_lpo("validate", "--format", "json", config=manifest, ok=(2,)).stdout)
    def key(d):
        return (d["file"], d["line"], d["column"], d["code"], d["severity"], d["message"])

    assert sorted(map(key, diags)) == sorted(map(key, cli["diagnostics"]))
    assert not cli["ok"]


def test_a_missing_config_raises(tmp_dir):
    with pytest.raises((lpo.ConfigError, OSError, ValueError)):
        lpo.Engine.load(str(tmp_dir / "nowhere" / "lpo.yaml"))


# --- quotes ----------------------------------------------------------------------------------


QUOTES = {
    "example": None,  # examples/quote.json
    "po-box-two-parcels": {
        "to": {"postcode": "2000", "address_type": "po_box"},
        "parcels": [
            {"weight_kg": 3, "length_cm": 30, "width_cm": 20, "height_cm": 10},
            {"weight_kg": 1.25, "length_cm": 20, "width_cm": 20, "height_cm": 5},
        ],
    },
    "express-dangerous": {
        "to": {"postcode": "4000", "suburb": "BRISBANE CITY", "state": "QLD"},
        "parcels": [{"weight_kg": 2, "length_cm": 30, "width_cm": 20, "height_cm": 10}],
        "service_level": "express", "dangerous_goods": True, "signature": True,
        "strategy": "fastest",
    },
    "nothing-takes-it": {
        "to": {"postcode": "2000", "address_type": "parcel_locker"},
        "parcels": [{"weight_kg": 60, "length_cm": 80, "width_cm": 60, "height_cm": 50}],
    },
}


@pytest.mark.parametrize("name", list(QUOTES))
def test_quote_is_the_cli_quote_json(engine, repo_root, run_lpo, tmp_dir, name):
    request = QUOTES[name]
    if request is None:
        request = json.loads((repo_root / "examples" / "quote.json").read_text())
    # `lpo quote` always explains its exclusions, whatever the request's `explain` says.
    request = {k: v for k, v in request.items() if k != "explain"}
    path = tmp_dir / "quote.json"
    path.write_text(json.dumps(request))
    cli = json.loads(run_lpo("quote", "--input", path, "--json", "--date", DATE).stdout)
    got = engine.quote(request, date=DATE)
    assert isinstance(got, dict)
    assert got == cli
    assert got["config_version"] == engine.version


# --- optimise_arrow --------------------------------------------------------------------------


def test_optimise_arrow_is_the_cli_plan(engine, orders_csv, cli_plan_of):
    table = read_csv_as_strings(orders_csv)
    plan = engine.optimise_arrow(table, date=DATE)
    assert isinstance(plan, pa.Table)
    check_plan_types(plan)
    assert_same_plan(arrow_plan_rows(plan), cli_plan_of(orders_csv))


def test_optimise_arrow_rejections_are_the_cli_ones(engine, repo_root, cli_plan_of):
    orders = repo_root / "examples" / "orders-with-errors.csv"
    plan = engine.optimise_arrow(read_csv_as_strings(orders), date=DATE)
    rows = arrow_plan_rows(plan)
    assert_same_plan(rows, cli_plan_of(orders))
    assert {r[1] for r in rows} == {"allocated", "unallocated", "rejected"}


@pytest.mark.parametrize("strategy", ["fastest", "best_value"])
def test_optimise_arrow_strategy(engine, orders_csv, cli_plan_of, strategy):
    plan = engine.optimise_arrow(read_csv_as_strings(orders_csv), date=DATE, strategy=strategy)
    assert_same_plan(arrow_plan_rows(plan), cli_plan_of(orders_csv, "--strategy", strategy))


def test_record_batch_in_record_batch_out(engine, orders_csv):
    table = read_csv_as_strings(orders_csv)
    batch = table.combine_chunks().to_batches()[0]
    assert batch.num_rows == table.num_rows
    out = engine.optimise_arrow(batch, date=DATE)
    assert isinstance(out, pa.RecordBatch)
    check_plan_types(out)
    as_table = engine.optimise_arrow(table, date=DATE)
    assert isinstance(as_table, pa.Table)
    assert arrow_plan_rows(out) == arrow_plan_rows(as_table)


def test_a_table_of_many_batches_groups_consignments_across_them(engine, orders_csv, cli_plan_of):
    table = read_csv_as_strings(orders_csv)
    # Batches of 7 rows: multi-parcel orders straddle batch ends.
    chunked = pa.Table.from_batches(table.combine_chunks().to_batches(max_chunksize=7))
    assert chunked.column(0).num_chunks > 100
    plan = engine.optimise_arrow(chunked, date=DATE)
    assert_same_plan(arrow_plan_rows(plan), cli_plan_of(orders_csv))


def test_threads_do_not_change_the_plan(engine, orders_csv):
    table = read_csv_as_strings(orders_csv)
    one = engine.optimise_arrow(table, threads=1, date=DATE)
    two = engine.optimise_arrow(table, threads=2, date=DATE)
    assert one.equals(two)


def test_date_applies_to_orders_without_ship_date(engine, orders_csv, cli_plan_of, tmp_dir):
    table = read_csv_as_strings(orders_csv).drop_columns(["ship_date"])
    plan = engine.optimise_arrow(table, date="2026-12-01")
    # The CLI on the same orders without the column, with the same --date.
    columns = [table.column(c).to_pylist() for c in table.column_names]
    path = write_csv(tmp_dir / "no-date.csv", table.column_names, [list(r) for r in zip(*columns)])
    assert_same_plan(arrow_plan_rows(plan), cli_plan_of(path, date="2026-12-01"))


def test_typed_columns_give_the_same_plan(engine, orders_csv, cli_plan_of):
    """Numbers as float64, flags as booleans, dates as date32, declared values as decimals: LPO
    reads them as the CSV's text. Postcodes stay text: as integers they would lose leading
    zeros (`0800` → 800, rejected, as a spreadsheet would do it)."""
    table = read_csv_as_strings(orders_csv)

    def typed(name, ty):
        col = table.column(name)
        return pc.cast(pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col), ty)

    for name, ty in [
        ("weight_kg", pa.float64()), ("length_cm", pa.float64()), ("width_cm", pa.float64()),
        ("height_cm", pa.float64()), ("residential", pa.bool_()),
        ("dangerous_goods", pa.bool_()), ("signature", pa.bool_()),
        ("ship_date", pa.date32()), ("declared_value", pa.decimal128(12, 2)),
    ]:
        table = table.set_column(table.column_names.index(name), name, typed(name, ty))
    assert table.schema.field("weight_kg").type == pa.float64()
    plan = engine.optimise_arrow(table, date=DATE)
    assert_same_plan(arrow_plan_rows(plan), cli_plan_of(orders_csv))


def test_integer_columns_are_read_as_their_text(engine, tmp_dir, cli_plan_of):
    header = ["order_id", "to_postcode", "weight_kg", "length_cm", "width_cm", "height_cm"]
    rows = [["I-1", "3000", "2", "30", "20", "10"], ["I-2", "0800", "1", "10", "10", "10"]]
    expected = cli_plan_of(write_csv(tmp_dir / "ints.csv", header, rows))
    table = pa.table({
        "order_id": ["I-1", "I-2"],
        "to_postcode": pa.array([3000, 800], pa.int64()),  # 800: the leading zero is gone
        "weight_kg": pa.array([2, 1], pa.int32()),
        "length_cm": pa.array([30, 10], pa.int64()),
        "width_cm": pa.array([20, 10], pa.uint16()),
        "height_cm": pa.array([10, 10], pa.int8()),
    })
    got = arrow_plan_rows(engine.optimise_arrow(table, date=DATE))
    assert got[0] == expected[0]
    assert got[1][1] == "rejected" and "to_postcode" in got[1][13], got[1]
    assert expected[1][1] == "allocated"  # as text, 0800 is Darwin


def test_bad_rows_are_rejected_naming_the_field(engine, tmp_dir, cli_plan_of):
    header = ["order_id", "to_postcode", "weight_kg", "length_cm", "width_cm", "height_cm"]
    rows = [
        ["OK", "3000", "2.5", "30", "20", "10"],
        ["ABC", "3000", "abc", "30", "20", "10"],
        ["EMPTY", "3000", "", "30", "20", "10"],
        ["NEG", "3000", "1", "-3", "20", "10"],
        ["", "3000", "1", "30", "20", "10"],
        ["MULTI", "3000", "1", "30", "20", "10"],
        ["MULTI", "2000", "1", "30", "20", "10"],
    ]
    expected = cli_plan_of(write_csv(tmp_dir / "bad.csv", header, rows))
    # Nulls where the CSV has empty fields: the same orders.
    table = strings_table(header, [[v if v != "" else None for v in r] for r in rows])
    got = arrow_plan_rows(engine.optimise_arrow(table, date=DATE))
    assert_same_plan(got, expected)
    by_id = {r[0]: r for r in got}
    assert by_id["ABC"][1] == "rejected" and "line 3, weight_kg" in by_id["ABC"][13]
    assert by_id["EMPTY"][1] == "rejected" and "line 4, weight_kg" in by_id["EMPTY"][13]
    assert by_id["NEG"][1] == "rejected" and "length_cm" in by_id["NEG"][13]
    assert by_id[""][1] == "rejected" and "order_id" in by_id[""][13]
    assert by_id["MULTI"][1] == "rejected" and "destination" in by_id["MULTI"][13]


def test_a_missing_required_column_is_named(engine):
    """Without `height_cm` the CLI refuses the file (exit 2, naming the column); the module
    raises ValueError naming it."""
    table = pa.table({
        "order_id": ["A"], "to_postcode": ["3000"], "weight_kg": ["1"], "length_cm": ["10"],
        "width_cm": ["10"],
    })
    with pytest.raises(ValueError, match="lacks required column.*height_cm"):
        engine.optimise_arrow(table, date=DATE)
    nested = pa.table({**{c: table.column(c) for c in table.column_names},
                       "height_cm": pa.array([[1]], type=pa.list_(pa.int64()))})
    with pytest.raises(ValueError, match="column `height_cm` has type List"):
        engine.optimise_arrow(nested, date=DATE)


def test_bad_arguments_are_value_errors(engine, orders_csv):
    table = read_csv_as_strings(orders_csv)
    for kwargs, match in [
        ({"threads": 0}, "threads: 0 is not between 1 and 1024"),
        ({"date": "2026-13-01"}, "date"),
        ({"strategy": "dearest"}, "strategy"),
    ]:
        with pytest.raises(ValueError, match=match):
            engine.optimise_arrow(table, **kwargs)


def test_line_column_numbers_the_rows(engine):
    header = ["order_id", "to_postcode", "weight_kg", "length_cm", "width_cm", "height_cm"]
    table = strings_table(header, [
        ["A", "3000", "1", "10", "10", "10"],
        ["B", "3000", "abc", "10", "10", "10"],
        ["A", "3000", "2", "10", "10", "10"],
    ]).append_column("line", pa.array([101, 205, 309], pa.int64()))
    plan = engine.optimise_arrow(table, date=DATE, line_column="line")
    check_plan_types(plan, extra={"line": pa.int64()})
    assert plan.column("order_id").to_pylist() == ["A", "B"]
    assert plan.column("line").to_pylist() == [101, 205]
    assert "line 205, weight_kg" in plan.column("reason").to_pylist()[1]
    # Without line_column, rows are numbered as the CSV's lines and there is no `line` column.
    plain = engine.optimise_arrow(table.drop_columns(["line"]), date=DATE)
    assert plain.column_names == PLAN_COLUMNS
    assert "line 3, weight_kg" in plain.column("reason").to_pylist()[1]


def test_extra_columns_are_ignored(engine, orders_csv):
    table = read_csv_as_strings(orders_csv)
    more = table.append_column("notes", pa.array(["x"] * table.num_rows)).append_column(
        "qty", pa.array(range(table.num_rows), pa.int64())
    )
    assert arrow_plan_rows(engine.optimise_arrow(more, date=DATE)) == arrow_plan_rows(
        engine.optimise_arrow(table, date=DATE)
    )


# --- the module ------------------------------------------------------------------------------


def test_import_starts_no_threads(repo_root):
    """`import lpo` starts no thread (a Spark worker imports it in every Python worker). pyarrow
    is imported first: its own import starts two (measured with pyarrow 26)."""
    code = (
        "import os, threading, pyarrow\n"
        "tasks = lambda: len(os.listdir('/proc/self/task'))\n"
        "before, py_before = tasks(), threading.active_count()\n"
        "import lpo\n"
        "print(before, tasks(), py_before, threading.active_count())\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo_root,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    before, after, py_before, py_after = map(int, p.stdout.split())
    assert after == before, f"import lpo started {after - before} OS thread(s)"
    assert py_after == py_before
