"""Comparing plans: a typed plan (Arrow, from `lpo.Engine.optimise_arrow` or the Spark job's
Parquet) against the plan CSV that `lpo optimise` writes, value for value.

The typed values are rendered as the CLI writes them (crates/lpo-format/src/output.rs): money
with exactly two decimals (`Cents` Display: `12.30`, `-0.05`), `chargeable_kg` with up to three
decimals and no trailing zeros (`kg_str`: `6.75`, `2`), `eta_days` as an integer, and a null as
the empty field.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

PLAN_COLUMNS = [
    "order_id", "status", "from", "carrier", "service", "zone", "chargeable_kg", "base",
    "surcharges", "fuel", "gst", "total", "eta_days", "reason", "warnings",
]
MONEY_COLUMNS = {"base", "surcharges", "fuel", "gst", "total"}

# The plan's Arrow types (the Python API's contract).
PLAN_TYPES = {
    **{c: pa.string() for c in PLAN_COLUMNS},
    "chargeable_kg": pa.decimal128(12, 3),
    **{c: pa.decimal128(18, 2) for c in MONEY_COLUMNS},
    "eta_days": pa.int32(),
}


def kg_text(value: Decimal) -> str:
    """`kg_str`: grams as kg with up to three decimals and no trailing zeros."""
    grams = int((Decimal(value) * 1000).to_integral_exact())
    if grams != Decimal(value) * 1000:
        raise AssertionError(f"chargeable_kg {value!r} is not a whole number of grams")
    text = f"{grams // 1000}.{grams % 1000:03d}"
    return text.rstrip("0").rstrip(".")


def money_text(value: Decimal) -> str:
    """`Cents` Display: dollars with exactly two decimals."""
    cents = Decimal(value) * 100
    if cents != cents.to_integral_exact():
        raise AssertionError(f"amount {value!r} is not a whole number of cents")
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    a = abs(cents)
    return f"{sign}{a // 100}.{a % 100:02d}"


def cell_text(column: str, value) -> str:
    """A typed plan value as the plan CSV writes it."""
    if value is None:
        return ""
    if column == "chargeable_kg":
        return kg_text(value)
    if column in MONEY_COLUMNS:
        return money_text(value)
    if column in ("eta_days", "line"):
        if isinstance(value, bool) or int(value) != value:
            raise AssertionError(f"{column} {value!r} is not an integer")
        return str(int(value))
    if not isinstance(value, str):
        raise AssertionError(f"{column} {value!r} is a {type(value).__name__}, not text")
    return value


def check_plan_types(table: pa.Table | pa.RecordBatch, extra: dict | None = None) -> None:
    """The plan columns, in order, with the contract's Arrow types (and `extra` columns after)."""
    want = dict(PLAN_TYPES)
    want.update(extra or {})
    got = {f.name: f.type for f in table.schema}
    assert list(got)[: len(PLAN_COLUMNS)] == PLAN_COLUMNS, f"plan columns: {list(got)}"
    assert set(got) == set(want), f"plan columns: {list(got)}, want {list(want)}"
    for name, ty in want.items():
        assert got[name] == ty, f"column {name}: {got[name]}, want {ty}"


def arrow_plan_rows(table: pa.Table | pa.RecordBatch, columns=PLAN_COLUMNS) -> list[tuple]:
    """The plan's rows as the CSV's text, in the table's order."""
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    data = {c: table.column(c).to_pylist() for c in columns}
    return [tuple(cell_text(c, data[c][i]) for c in columns) for i in range(table.num_rows)]


def read_csv_as_strings(path: Path | str) -> pa.Table:
    """A CSV with every column as text (no type inference), empty fields as empty strings."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), [])
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding="utf8"),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def csv_plan_rows(path: Path | str) -> list[tuple]:
    """The rows of a plan CSV written by `lpo optimise`, as text."""
    table = read_csv_as_strings(path)
    assert table.column_names == PLAN_COLUMNS, f"{path}: header {table.column_names}"
    data = {c: table.column(c).to_pylist() for c in PLAN_COLUMNS}
    return [tuple(data[c][i] for c in PLAN_COLUMNS) for i in range(table.num_rows)]


def assert_same_plan(actual: list[tuple], expected: list[tuple], what: str = "plan",
                     columns=PLAN_COLUMNS, show: int = 10) -> None:
    """Row for row, value for value; the first differences are listed by order and column."""
    problems = []
    if len(actual) != len(expected):
        problems.append(f"{len(actual)} rows, expected {len(expected)}")
    for i, (a, e) in enumerate(zip(actual, expected)):
        if a != e:
            diffs = [f"{c}: {x!r} != {y!r}" for c, x, y in zip(columns, a, e) if x != y]
            problems.append(f"row {i} (order {e[0]!r}): " + "; ".join(diffs))
            if len(problems) > show:
                problems.append("...")
                break
    assert not problems, f"{what} differs from the CLI's:\n  " + "\n  ".join(problems)


def orders_in_csv(path: Path | str) -> dict[str, int]:
    """Each order of an orders CSV with the line of its first row, in order of first appearance,
    as the CLI groups them: rows with the same `order_id` (exactly) are one order; a row with a
    blank `order_id` is an order of its own (keyed `"#LINE"`), and so is a row of blank cells (LPO
    rejects it); an empty line is no row."""
    orders: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader)]
        at = header.index("order_id")
        previous = reader.line_num
        for row in reader:
            line = previous + 1
            previous = reader.line_num
            if not row:
                continue
            oid = row[at] if at < len(row) else ""
            key = oid if oid.strip() else f"#{line}"
            orders.setdefault(key, line)
    return orders
