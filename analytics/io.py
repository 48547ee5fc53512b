"""Reading analytics inputs from JSON, YAML and CSV files, with precise error messages.

Every failure raises :class:`analytics.errors.InputFileError` (or :class:`InputError` for a
value that parses but is invalid) naming the file and, where it applies, the row and column.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ValidationError

from analytics.errors import InputError, InputFileError

M = TypeVar("M", bound=BaseModel)

_STRUCTURED = {".json", ".yaml", ".yml"}


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, expected a file") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror})") from None


def load_structured(path: Path | str) -> Any:
    """Parse a ``.json``, ``.yaml`` or ``.yml`` file."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _STRUCTURED:
        raise InputFileError(f"{p}: expected a .json, .yaml or .yml file, got {suffix or 'none'}")
    text = _read_text(p)
    try:
        if suffix == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{p}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputFileError(f"{p}: invalid YAML{where}: {problem}") from None


def load_mapping(path: Path | str) -> dict[str, Any]:
    """A JSON/YAML file whose top level is a mapping (an empty file is an empty mapping)."""
    data = load_structured(path)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InputFileError(
            f"{path}: expected a mapping at the top level, got {type(data).__name__}"
        )
    return dict(data)


def _csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = _read_text(path)
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise InputFileError(f"{path}: empty CSV file (a header row is required)")
    header = [h.strip() for h in reader.fieldnames]
    rows = []
    for row in reader:
        if None in row:
            raise InputFileError(f"{path}: line {reader.line_num}: more values than header columns")
        cleaned = {k.strip(): (v.strip() if v is not None else "") for k, v in row.items()}
        if any(cleaned.values()):
            rows.append(cleaned)
    return header, rows


def load_records(path: Path | str, list_key: str) -> list[dict[str, Any]]:
    """Records from CSV (one per row; empty cells dropped) or JSON/YAML.

    JSON/YAML may hold one record (a mapping), a list of records, or a mapping with the list
    under ``list_key`` (e.g. ``{"issuers": [...]}``).
    """
    p = Path(path)
    if p.suffix.lower() == ".csv":
        _, rows = _csv_rows(p)
        if not rows:
            raise InputFileError(f"{p}: no data rows")
        return [{k: v for k, v in row.items() if v != ""} for row in rows]
    data = load_structured(p)
    if isinstance(data, Mapping) and list_key in data:
        data = data[list_key]
    if isinstance(data, Mapping):
        return [dict(data)]
    if isinstance(data, list) and data and all(isinstance(r, Mapping) for r in data):
        return [dict(r) for r in data]
    raise InputFileError(
        f"{p}: expected a record, a list of records or a mapping with '{list_key}'"
    )


def load_series(path: Path | str, column: str | None = None) -> NDArray[np.float64]:
    """A numeric series: a CSV column, or a JSON/YAML list (or ``{column: [...]}``)."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        header, rows = _csv_rows(p)
        col = column or ("price" if "price" in header else None)
        if col is None or col not in header:
            raise InputFileError(
                f"{p}: no column {col or 'price'!r}; columns are {', '.join(header)} "
                "(choose one with --column)"
            )
        values = []
        for line, row in enumerate(rows, start=2):
            values.append(_number(row[col], f"{p}: line {line}, column {col!r}"))
        if not values:
            raise InputFileError(f"{p}: no data rows")
        return np.asarray(values, dtype=np.float64)
    data = load_structured(p)
    if isinstance(data, Mapping):
        key = column or next(iter(data), None)
        if key not in data:
            raise InputFileError(f"{p}: no key {key!r}; keys are {', '.join(map(str, data))}")
        data = data[key]
    if not isinstance(data, list) or not data:
        raise InputFileError(f"{p}: expected a non-empty list of numbers")
    return np.asarray([_number(v, f"{p}: item {i}") for i, v in enumerate(data)], dtype=np.float64)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool):
        raise InputFileError(f"{where}: expected a number, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputFileError(f"{where}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise InputFileError(f"{where}: expected a finite number, got {value!r}")
    return number


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: ``field.path: message (got value)``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        got = err.get("input")
        shown = "" if isinstance(got, Mapping | list) else f" (got {got!r})"
        lines.append(f"  {loc}: {err['msg']}{shown}")
    return "\n".join(lines)


def validate(model: type[M], data: Any, what: str) -> M:
    """``model.model_validate(data)`` with a readable :class:`InputError` on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"invalid {what}:\n{describe_validation_error(exc)}") from None
