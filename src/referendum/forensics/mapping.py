"""A column mapping in a small TOML file: which columns of a CSV or Parquet table hold what.

For tables that are not in the Commission's layout.  Validated with pydantic: an unknown
key, a missing ``source`` or ``registered``, a wrong type is an error naming the field.
The mapping names the data's ``source`` (where the table comes from, recorded in the
report), the columns of each role, the options (per candidate or per option; by default
every other numeric column), the ``leader`` studied (by default the most voted) and,
optionally, rows kept apart: aggregated electronic votes, which have no station of their
own and would distort per-station statistics.

.. code-block:: toml

    source = "Central Election Commission, results per station, 2024-03-18"
    leader = "Putin"

    [columns]
    registered = "voters"
    ballots = ["early", "on_day", "outside"]
    valid = "valid"
    invalid = "invalid"
    region = "region"
    station = "station"
    options = ["Davankov", "Putin", "Slutsky", "Kharitonov"]

    [apart]
    column = "station"
    values = ["electronic"]

>>> mapping = parse_mapping('source = "x"\\n[columns]\\nregistered = "n"\\nballots = "b"\\n')
>>> mapping.column_spec().registered, mapping.leader
('n', None)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from referendum.errors import TableError
from referendum.forensics.table import ColumnSpec

__all__ = ["Apart", "Columns", "Mapping", "parse_mapping", "read_mapping"]


class Columns(BaseModel):
    """The columns of each role (see :class:`~referendum.forensics.table.ColumnSpec`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    registered: str = Field(min_length=1)
    ballots: str | list[str]
    valid: str | None = None
    invalid: str | None = None
    region: str | None = None
    station: str | None = None
    options: list[str] = Field(default_factory=list)

    @field_validator("ballots")
    @classmethod
    def _some_ballots(cls, value: str | list[str]) -> str | list[str]:
        if not value:
            raise ValueError("name at least one column of ballots issued")
        return value


class Apart(BaseModel):
    """Rows kept apart: those whose ``column`` holds one of ``values``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class Mapping(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    leader: str | None = None
    columns: Columns
    apart: Apart | None = None

    def column_spec(self) -> ColumnSpec:
        """The :class:`ColumnSpec` of the mapping's columns."""
        c = self.columns
        return ColumnSpec(
            registered=c.registered,
            ballots=tuple(c.ballots) if isinstance(c.ballots, list) else c.ballots,
            valid=c.valid,
            invalid=c.invalid,
            options=tuple(c.options),
            region=c.region,
            station=c.station,
        )


def parse_mapping(text: str, *, name: str = "mapping") -> Mapping:
    """Parse and validate a mapping's TOML text; errors name the file and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TableError(name, f"not valid TOML: {exc}") from exc
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "mapping"
        raise TableError(f"{name}: {field}", str(first["msg"]).lower()) from exc


def read_mapping(path: Path) -> Mapping:
    """Read a mapping file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(str(path), f"cannot be read: {exc}") from exc
    return parse_mapping(text, name=path.name)
