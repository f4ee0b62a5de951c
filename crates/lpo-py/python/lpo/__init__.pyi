"""Type stubs of the `lpo` package (the extension module `lpo._lpo`)."""

from os import PathLike
from typing import Any, Literal, Optional, TypeVar, Union

import pyarrow

__version__: str

Strategy = Literal["cheapest", "fastest", "best_value"]
_T = TypeVar("_T", pyarrow.RecordBatch, pyarrow.Table)

class ConfigError(Exception):
    """The configuration has errors."""

    diagnostics: list[dict[str, Any]]
    """As `lpo validate --format json` lists them: severity, code, file, line, column,
    message and, when there is one, hint."""

class Engine:
    """A configuration loaded and compiled once."""

    @staticmethod
    def load(config_path: Union[str, PathLike[str]]) -> Engine:
        """Loads `lpo.yaml` (or the folder holding it). Raises ConfigError on a bad
        configuration and ValueError when there is no such file."""

    @property
    def version(self) -> str:
        """The configuration's version (a hash of its files), as `lpo validate` reports it."""

    @property
    def config_path(self) -> str:
        """The manifest the engine was loaded from."""

    def validate(self, *, deny_warnings: bool = False) -> dict[str, Any]:
        """The document `lpo validate --format json` prints, for the files as they are now."""

    def quote(
        self,
        order: dict[str, Any],
        *,
        date: Optional[str] = None,
        strategy: Strategy = "cheapest",
        within_days: int = 1,
    ) -> dict[str, Any]:
        """Quotes one order given as the quote request JSON (a dict): the document
        `lpo quote --json` prints. Raises ValueError naming the field of a bad order."""

    def optimise_arrow(
        self,
        data: _T,
        *,
        threads: int = 1,
        date: Optional[str] = None,
        strategy: Strategy = "cheapest",
        within_days: int = 1,
        line_column: Optional[str] = None,
    ) -> _T:
        """The per-order choice for a table of orders with the orders CSV's columns: the plan,
        one row per order, as the same kind of object. Raises ValueError when a required
        column is missing or has a type that holds no order field; bad rows come back as
        `rejected` rows naming line and field."""

def plan_columns() -> list[str]:
    """The plan's column names, in order."""
