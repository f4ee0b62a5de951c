#!/usr/bin/env python3
"""Per-order postage choice for a big orders file on Apache Spark, with the `lpo` Python module.

    python examples/spark/optimise_orders.py --config lpo.yaml --orders orders.csv \\
        --out plan.parquet --date 2026-11-26 [--partitions N] [--master local[4]]
    spark-submit examples/spark/optimise_orders.py --config /srv/lpo/lpo.yaml ...

Reads the orders (CSV or Parquet, the columns of docs/formats.md), sends each consignment to an
`lpo.Engine` on a Spark worker (`Engine.optimise_arrow`, through `mapInArrow`) and writes the plan
as a Parquet directory: the plan CSV's columns, typed (`chargeable_kg` decimal(12,3), money
decimal(18,2), `eta_days` int), plus `line`, the line of the order's first row in the input.
Exit codes are the CLI's: 0 all allocated, 3 some orders rejected or unallocated, 2 invalid
configuration, orders file or usage, 1 anything else.

What this is for, and what it is not
------------------------------------
This is the per-order choice, `lpo optimise --greedy`: every order gets its cheapest feasible
service (under `--strategy`) on its own, so orders are independent and the work splits across
tasks, one `lpo.Engine` per Python worker. That is what Spark is good at here: pricing (rate
shopping) millions of orders, re-pricing history under a new rate card, and what-if runs over
many days in parallel, one day per task (`groupBy(ship_date)` and one `optimise_arrow` call per
group) against many configurations.

The global day solve is not: the day's constraints (courier capacities, volume commitments, tier
discounts; docs/constraints.md) couple every order of the day, so the optimal plan is one MIP
over the whole day and cannot be cut into partitions. Run it as one step on one machine:
`lpo optimise --orders day.parquet --out plan.parquet` (the CLI reads and writes Parquet), e.g.
after a Spark job has prepared that day's orders. A per-partition "global" solve would silently
give a plan that breaks the day's constraints.

How the job works
-----------------
* CSV is read as text lines (`spark.read.text`), so that every row keeps the line it has in the
  file, as the CLI numbers them (header = line 1; blank lines count; CR, LF and CRLF line ends),
  and each line is parsed with `from_csv` with every column a string: no type inference, so
  LPO sees the text the CLI would read (`0800` stays `0800`). Quotes are RFC 4180 (`""` inside
  a quoted field is a quote; Spark's default escape, a backslash, is not used). An empty field,
  quoted or not, is a null; LPO reads a null as an empty field. Column names are trimmed, as the
  CLI trims them.
  Limitation: a quoted field holding a line break spans two lines, which a line-by-line reader
  cannot join; the job finds such lines (an odd number of `"`) and stops, naming the first. With
  `--multiline` Spark's CSV reader joins them (`multiLine`), and `line` is then the record number
  + 1 (blank lines and line breaks inside fields are not counted), not the file's line.
* Parquet is read as it is (strings, numbers, decimals, booleans, dates; LPO turns each value into
  the text a CSV would hold). `line` is the row number + 1 (first row = line 2, as if the table
  were a CSV with a header), in file order.
* Several files (a folder or a glob): files are taken in path order and numbered as if they were
  one file after another, each with its header line (for Parquet, a notional one), so `line` is
  unique and says which file and line; the job prints where each file starts. Rows of one
  `order_id` in two files are one consignment, as they would be in one file.
* The rows are repartitioned by `order_id`, so that every row of a consignment meets in one task,
  and sorted by line within each partition; each task concatenates its Arrow batches into one
  table (a consignment may straddle batches) and makes one `optimise_arrow` call with
  `line_column="line"`, so rejections name the input line as the CLI does
  (`invalid_input: line 6, weight_kg: ...`).
* The engine is loaded once per Python worker process, on first use, and kept in a module-level
  global (the job ships this file to the workers with `addPyFile`, so that the workers import it
  as a module and the global lives as long as the worker; `spark.python.worker.reuse=true` keeps
  the workers). The configuration folder must be at the same path on every worker (a shared
  mount, or baked into the image).
* With `--sort` (the default) the plan is written in line order (a global sort, after the plan is
  cached so that LPO runs once); `--no-sort` writes each partition as it comes.

The plan is the same, row for row and value for value, as `lpo optimise --greedy` on the same file
(python/tests/test_spark.py checks it on 100,000 orders).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import os
import re
import sys
import time

# The plan's columns, in the plan CSV's order (docs/formats.md), and their Spark types: what
# `lpo.Engine.optimise_arrow` returns, plus `line`.
PLAN_COLUMNS = [
    ("order_id", "string"),
    ("status", "string"),
    ("from", "string"),
    ("carrier", "string"),
    ("service", "string"),
    ("zone", "string"),
    ("chargeable_kg", "decimal(12,3)"),
    ("base", "decimal(18,2)"),
    ("surcharges", "decimal(18,2)"),
    ("fuel", "decimal(18,2)"),
    ("gst", "decimal(18,2)"),
    ("total", "decimal(18,2)"),
    ("eta_days", "int"),
    ("reason", "string"),
    ("warnings", "string"),
    ("line", "bigint"),
]
PLAN_DDL = ", ".join(f"`{name}` {ty}" for name, ty in PLAN_COLUMNS)

# The columns of the orders CSV that LPO reads (docs/formats.md); the others are not shipped.
ORDER_COLUMNS = [
    "order_id", "to_postcode", "weight_kg", "length_cm", "width_cm", "height_cm", "from",
    "to_suburb", "to_state", "to_lat", "to_lon", "address_type", "residential",
    "service_level", "ship_date", "declared_value", "dangerous_goods", "signature", "channel",
    "sku",
]
REQUIRED_COLUMNS = ORDER_COLUMNS[:6]

# Exit codes, as the CLI's (crates/lpo-model/src/exit.rs).
EXIT_OK, EXIT_FAILURE, EXIT_INVALID, EXIT_PARTIAL = 0, 1, 2, 3


class JobError(Exception):
    """A failure the job reports in one line, with the exit code the CLI would give."""

    def __init__(self, message: str, code: int = EXIT_INVALID):
        super().__init__(message)
        self.code = code


# --- on the workers ---------------------------------------------------------------------------

# One engine per Python worker process, loaded on first use and kept while the worker lives.
_ENGINE = None
_ENGINE_CONFIG = None


def worker_engine(config: str):
    """The worker's `lpo.Engine` for `config`, loaded once per process."""
    global _ENGINE, _ENGINE_CONFIG
    if _ENGINE is None or _ENGINE_CONFIG != config:
        import lpo

        started = time.perf_counter()
        _ENGINE = lpo.Engine.load(config)
        _ENGINE_CONFIG = config
        print(
            f"lpo: worker {os.getpid()} loaded {config} (version {_ENGINE.version}) in "
            f"{(time.perf_counter() - started) * 1000:.0f} ms",
            file=sys.stderr,
        )
    return _ENGINE


def plan_arrow_schema():
    """The Arrow schema Spark expects back from `mapInArrow` for PLAN_DDL."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "decimal(12,3)": pa.decimal128(12, 3),
        "decimal(18,2)": pa.decimal128(18, 2),
        "int": pa.int32(),
        "bigint": pa.int64(),
    }
    return pa.schema([pa.field(name, types[ty], nullable=True) for name, ty in PLAN_COLUMNS])


def partition_optimiser(config: str, date: str, strategy: str, threads: int, batch_rows: int):
    """The `mapInArrow` function: one `optimise_arrow` call over all of a partition's rows."""

    def optimise_partition(batches):
        import pyarrow as pa

        batches = [b for b in batches if b.num_rows > 0]
        if not batches:
            return
        # Every row of a consignment is in this partition, but maybe in several batches: one
        # table, one call.
        table = pa.Table.from_batches(batches)
        plan = worker_engine(config).optimise_arrow(
            table, threads=threads, date=date, strategy=strategy, line_column="line"
        )
        schema = plan_arrow_schema()
        # Spark checks the batches against the declared schema: the same names, in order, and
        # the same types (a cast is a no-op when they already are).
        plan = plan.select(schema.names).cast(schema)
        yield from plan.to_batches(max_chunksize=batch_rows)

    return optimise_partition


# --- on the driver ----------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Per-order postage choice with LPO on Spark (lpo optimise --greedy, at scale).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", required=True, help="lpo.yaml, or the folder that holds it")
    p.add_argument("--orders", required=True, help="orders: a CSV or Parquet file, folder or glob")
    p.add_argument("--out", required=True, help="the plan: a Parquet folder (overwritten)")
    p.add_argument("--format", choices=["csv", "parquet"],
                   help="format of --orders; default by extension (.parquet or .pq is Parquet)")
    p.add_argument("--date",
                   help="ship date for orders without one (YYYY-MM-DD); default today (UTC)")
    p.add_argument("--strategy", default="cheapest", choices=["cheapest", "fastest", "best_value"])
    p.add_argument("--partitions", type=int,
                   help="tasks the orders are split into (by order_id); "
                   "default Spark's default parallelism")
    p.add_argument("--threads", type=int, default=1,
                   help="LPO threads per task (default 1: Spark runs the tasks in parallel)")
    p.add_argument("--batch-rows", type=int, default=10_000,
                   help="rows per Arrow batch between Spark and Python (default 10000)")
    p.add_argument("--sort", dest="sort", action="store_true", default=True,
                   help="write the plan in input line order (default)")
    p.add_argument("--no-sort", dest="sort", action="store_false",
                   help="write each partition as it comes (no global sort)")
    p.add_argument("--multiline", action="store_true",
                   help="CSV with line breaks inside quoted fields (line = record number + 1)")
    p.add_argument("--master", help="Spark master when run with python (default local[*]); "
                   "under spark-submit, give it to spark-submit")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                   help="extra Spark configuration, repeatable")
    args = p.parse_args(argv)
    if args.date is not None:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.date):
                raise ValueError
            _dt.date.fromisoformat(args.date)
        except ValueError:
            p.error(f"--date `{args.date}` is not a date (YYYY-MM-DD)")
    for kv in args.conf:
        if "=" not in kv:
            p.error(f"--conf `{kv}` is not KEY=VALUE")
    if args.partitions is not None and args.partitions < 1:
        p.error("--partitions must be at least 1")
    if args.threads < 1 or args.batch_rows < 1:
        p.error("--threads and --batch-rows must be at least 1")
    return args


def input_format(args) -> str:
    if args.format:
        return args.format
    name = args.orders.rstrip("/").lower()
    return "parquet" if name.endswith((".parquet", ".pq")) else "csv"


def load_engine_on_driver(config: str):
    """Loads the configuration once on the driver: a bad config fails here, with its diagnostics."""
    try:
        import lpo
    except ImportError as e:
        raise JobError(
            f"cannot import the lpo module ({e}): install the wheel (scripts/py-env --develop)"
        ) from e
    try:
        return lpo.Engine.load(config)
    except lpo.ConfigError as e:
        lines = [f"the configuration at {config} has errors:"]
        for d in getattr(e, "diagnostics", []) or []:
            where = d.get("file", "")
            if d.get("line"):
                where += f":{d['line']}"
                if d.get("column"):
                    where += f":{d['column']}"
            lines.append(f"  {d.get('severity', 'error')}[{d.get('code', '?')}]: "
                         f"{d.get('message', '')} ({where})")
        if len(lines) == 1:
            lines.append(f"  {e}")
        raise JobError("\n".join(lines)) from e


def spark_session(args):
    from pyspark.sql import SparkSession

    under_submit = "PYSPARK_GATEWAY_PORT" in os.environ
    master = args.master or (None if under_submit else "local[*]")
    # The workers must run a Python that has lpo and pyarrow. Locally that is this one; on a
    # cluster, set PYSPARK_PYTHON or spark.pyspark.python for spark-submit.
    if "PYSPARK_PYTHON" not in os.environ and master is not None and master.startswith("local"):
        os.environ["PYSPARK_PYTHON"] = sys.executable
    b = SparkSession.builder.appName("lpo-optimise-orders")
    if master is not None:
        b = b.master(master)
    # Reused workers keep their engine between tasks.
    b = b.config("spark.python.worker.reuse", "true")
    # Batches between the JVM and Python: each task joins its batches into one table anyway, so
    # this bounds the size of one transfer (~2 MB of orders), not what LPO sees at once.
    b = b.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.batch_rows))
    b = b.config("spark.sql.execution.arrow.useLargeVarTypes", "false")
    for kv in args.conf:
        k, v = kv.split("=", 1)
        b = b.config(k, v)
    return b.getOrCreate()


def number_lines(spark, df, first_line: int, what: str):
    """`df` with `line`: each row's line as if the files (in path order) were one after another.

    A file's rows keep their order in Spark's scan: the rows of one file block (split) are read
    in order in one task, and `monotonically_increasing_id` numbers them consecutively there;
    the blocks of a file are then put in offset order. `first_line` is the line of each file's
    first row (1 when its first row is the header line, 2 for a table without one)."""
    from pyspark.sql import functions as F

    tagged = df.select(
        "*",
        F.input_file_name().alias("_file"),
        F.input_file_block_start().alias("_block"),
        F.monotonically_increasing_id().alias("_id"),
    )
    blocks = (
        tagged.groupBy("_file", "_block")
        .agg(F.count(F.lit(1)).alias("n"), F.min("_id").alias("first"))
        .collect()
    )
    if not blocks:
        return None, []
    by_file: dict[str, list] = {}
    for r in blocks:
        by_file.setdefault(r["_file"], []).append(r)
    deltas, starts = [], []
    base = 0  # lines before this file
    for name in sorted(by_file):
        line = base + first_line
        starts.append((name, base + 1))
        for r in sorted(by_file[name], key=lambda r: r["_block"]):
            deltas.append((name, int(r["_block"]), line - int(r["first"])))
            line += int(r["n"])
        base = line - 1
    if len(starts) > 1:
        print(f"lpo: {len(starts)} {what} files, numbered one after another:", file=sys.stderr)
        for name, start in starts:
            print(f"  line {start}: {name}", file=sys.stderr)
    delta_df = spark.createDataFrame(deltas, "_file string, _block bigint, _delta bigint")
    lined = (
        tagged.join(F.broadcast(delta_df), ["_file", "_block"])
        .withColumn("line", F.col("_id") + F.col("_delta"))
        .drop("_block", "_id", "_delta")
    )
    return lined, starts


def read_csv_lines(spark, path: str):
    """The orders CSV as (string columns..., line), one row per non-header line."""
    from pyspark.sql import functions as F

    raw = spark.read.text(path)
    lined, starts = number_lines(spark, raw, 1, "CSV")
    if lined is None:
        raise JobError(f"{path}: the orders file is empty: it needs a header row")
    header_lines = {start for _, start in starts}
    headers = (
        lined.filter(F.col("line").isin(list(header_lines))).select("_file", "value").collect()
    )
    parsed = set()
    for r in headers:
        fields = next(csv.reader([r["value"].lstrip("\ufeff")]), [])
        parsed.add(tuple(f.strip() for f in fields))
    if len(parsed) != 1:
        raise JobError(f"{path}: the CSV files do not all have the same header")
    header = list(parsed.pop())
    check_columns(path, header)
    # Lines that open a quoted field and do not close it: a record spans lines.
    quotes = F.length("value") - F.length(F.regexp_replace("value", '"', ""))
    odd = lined.filter((quotes % 2) == 1).agg(F.min("line")).first()[0]
    if odd is not None:
        raise JobError(
            f"{path}: line {odd} has a quoted field that goes on past the line end: "
            "read the file with --multiline (line numbers are then record numbers)"
        )
    names = [n if n else f"_c{i}" for i, n in enumerate(header)]
    ddl = ", ".join(f"`{n.replace('`', '``')}` STRING" for n in names)
    options = {
        "quote": '"',
        "escape": '"',  # RFC 4180: "" is a quote inside a quoted field
        "nullValue": "",
        "mode": "PERMISSIVE",
        "ignoreLeadingWhiteSpace": "false",
        "ignoreTrailingWhiteSpace": "false",
    }
    # An empty line is no row (the CLI skips it); a line of blank cells is a row LPO rejects.
    rows = lined.filter(~F.col("line").isin(list(header_lines)) & (F.col("value") != "")).select(
        F.from_csv("value", ddl, options).alias("r"), "line"
    )
    cols = [F.col("r").getField(n).alias(n) for n in names if n in ORDER_COLUMNS]
    return rows.select(*cols, "line")


def read_csv_multiline(spark, path: str):
    """The orders CSV through Spark's CSV reader with multiLine: line = record number + 1."""
    df = (
        spark.read.option("header", "true")
        .option("multiLine", "true")
        .option("inferSchema", "false")
        .option("quote", '"')
        .option("escape", '"')
        .option("nullValue", "")
        .option("ignoreLeadingWhiteSpace", "false")
        .option("ignoreTrailingWhiteSpace", "false")
        .csv(path)
    )
    renamed = {c: c.strip().lstrip("\ufeff").strip() for c in df.columns}
    df = df.select([df[f"`{c}`"].alias(n) for c, n in renamed.items()])
    check_columns(path, list(renamed.values()))
    lined, _ = number_lines(spark, df, 2, "CSV")
    if lined is None:
        raise JobError(f"{path}: the orders file is empty: it needs a header row")
    return lined.select(*[c for c in df.columns if c in ORDER_COLUMNS], "line")


def read_parquet(spark, path: str):
    df = spark.read.parquet(path)
    check_columns(path, df.columns)
    if "line" in df.columns:
        print("lpo: the input's own `line` column is replaced by the row's line", file=sys.stderr)
    df = df.select([c for c in df.columns if c in ORDER_COLUMNS])
    lined, _ = number_lines(spark, df, 2, "Parquet")
    if lined is None:
        ddl = ", ".join(f"`{c}` string" for c in df.columns) + ", line bigint"
        return spark.createDataFrame([], ddl)
    return lined.drop("_file")


def check_columns(path: str, names):
    seen = set()
    for n in names:
        if n and n in seen:
            raise JobError(f"{path}: line 1: column `{n}` appears twice")
        seen.add(n)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise JobError(f"{path}: missing required column(s): {', '.join(missing)}")


def run(args) -> int:
    t0 = time.perf_counter()
    config = os.path.abspath(args.config) if "://" not in args.config else args.config
    engine = load_engine_on_driver(config)
    date = args.date or _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    print(f"lpo: config {config}, version {engine.version}; "
          f"ship date {date} for orders without one", file=sys.stderr)

    spark = spark_session(args)
    try:
        spark.sparkContext.setLogLevel("WARN")
        t1 = time.perf_counter()
        print(f"lpo: Spark {spark.version} ({spark.sparkContext.master}) started in "
              f"{t1 - t0:.1f} s", file=sys.stderr)
        # The workers import this file as the module `optimise_orders`: its functions are then
        # pickled by reference, and the engine global lives in the worker's module, not in a
        # copy per task.
        spark.sparkContext.addPyFile(os.path.abspath(__file__))
        import optimise_orders as job  # this file, as a module

        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        fmt = input_format(args)
        if fmt == "parquet":
            orders = read_parquet(spark, args.orders)
        elif args.multiline:
            orders = read_csv_multiline(spark, args.orders)
        else:
            orders = read_csv_lines(spark, args.orders)
        # Rows of blank cells go to LPO, which rejects each as the CLI does (empty lines are no
        # rows: read_csv_lines drops them).

        partitions = args.partitions or spark.sparkContext.defaultParallelism
        spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
        plan = (
            orders.repartition(partitions, "order_id")
            .sortWithinPartitions("line")
            .mapInArrow(
                job.partition_optimiser(config, date, args.strategy, args.threads, args.batch_rows),
                PLAN_DDL,
            )
        )
        # Cached, so that the counts and the sort's sampling do not run LPO again.
        plan = plan.persist(StorageLevel.MEMORY_AND_DISK)
        counts = {r["status"]: r["count"] for r in plan.groupBy("status").count().collect()}
        t2 = time.perf_counter()
        out = plan.orderBy("line") if args.sort else plan
        out.write.mode("overwrite").parquet(args.out)
        t3 = time.perf_counter()
        plan.unpersist()

        total = sum(counts.values())
        allocated = counts.get("allocated", 0)
        print(f"lpo: read, priced and chose in {t2 - t1:.1f} s; wrote {args.out} in "
              f"{t3 - t2:.1f} s", file=sys.stderr)
        print(f"orders      {total:>10}", file=sys.stderr)
        for status in ("allocated", "unallocated", "rejected"):
            print(f"{status:<11} {counts.get(status, 0):>10}", file=sys.stderr)
        for status in sorted(set(counts) - {"allocated", "unallocated", "rejected"}):
            print(f"{status:<11} {counts[status]:>10}", file=sys.stderr)
        return EXIT_OK if allocated == total else EXIT_PARTIAL
    finally:
        spark.stop()


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except JobError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.code


if __name__ == "__main__":
    sys.exit(main())
