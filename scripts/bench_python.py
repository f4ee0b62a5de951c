#!/usr/bin/env python3
"""Times lpo.Engine.optimise_arrow on an orders file, for scripts/bench-python.sh.

Usage: bench_python.py CONFIG ORDERS.csv DATE THREADS RUNS
Prints one line per run: the time to read the CSV into Arrow (pyarrow, all columns text, as
Spark reads a CSV), the time of optimise_arrow alone, and the plan's row count.
"""

import sys
import time

t0 = time.perf_counter()
import lpo  # noqa: E402

import_ms = (time.perf_counter() - t0) * 1e3
import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402

config, orders, date, threads, runs = sys.argv[1:6]
engine = lpo.Engine.load(config)
header = open(orders, encoding="utf-8").readline().rstrip("\n").split(",")
convert = pacsv.ConvertOptions(
    column_types={c: pa.string() for c in header}, strings_can_be_null=False
)
print(f"import lpo: {import_ms:.1f} ms")
for run in range(int(runs)):
    t = time.perf_counter()
    table = pacsv.read_csv(orders, convert_options=convert)
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    plan = engine.optimise_arrow(table, threads=int(threads), date=date)
    price_s = time.perf_counter() - t
    print(
        f"python run {run + 1}: read csv {read_s:.2f} s, optimise_arrow {price_s:.2f} s, "
        f"{plan.num_rows} plan rows"
    )
    del table, plan
