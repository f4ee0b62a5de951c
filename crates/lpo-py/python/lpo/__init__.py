"""LPO, the Last-mile Postage Optimiser, for Python and Spark.

    import lpo
    engine = lpo.Engine.load("lpo.yaml")
    engine.quote({"to": {"postcode": "3000"}, "parcels": [{"weight_kg": 2.5, "length_cm": 30,
                  "width_cm": 20, "height_cm": 10}]})
    plan = engine.optimise_arrow(pyarrow_table_of_orders, date="2026-11-26")

See docs/python.md. Importing this package starts no thread and imports nothing heavy: pyarrow
is imported by the caller who builds tables.
"""

from ._lpo import ConfigError, Engine, __version__, plan_columns

__all__ = ["ConfigError", "Engine", "__version__", "plan_columns"]
