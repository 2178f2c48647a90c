"""Reading the terminology CSV files: header, empty fields, whitespace, then the row schema.

Private to the terminology package. No Flask and no fhir.resources imports here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from importlib.resources.abc import Traversable
from typing import Any

from marshmallow import Schema, ValidationError

from .errors import TerminologyError


def read_text(root: Traversable, name: str) -> str:
    try:
        return root.joinpath(name).read_text(encoding="utf-8-sig")
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise TerminologyError(name, None, "file is missing") from exc
    except UnicodeDecodeError as exc:
        raise TerminologyError(name, None, f"not UTF-8 ({exc.reason})") from exc


def read_version(root: Traversable) -> str:
    lines = read_text(root, "VERSION").splitlines()
    if len(lines) != 1 or not lines[0] or lines[0] != lines[0].strip():
        raise TerminologyError(
            "VERSION", 1, "expected exactly one line holding the version, e.g. 2026.11.0"
        )
    return lines[0]


def read_rows(
    root: Traversable, name: str, schema: type[Schema]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line, validated row) for each data row of ``name``."""
    validator = schema()
    header = list(validator.fields)
    reader = csv.reader(io.StringIO(read_text(root, name), newline=""), strict=True)
    try:
        first = next(reader, None)
        if first != header:
            raise TerminologyError(
                name, 1, f"header must be {','.join(header)!r}, got {','.join(first or [])!r}"
            )
        for cells in reader:
            line = reader.line_num
            if len(cells) != len(header):
                raise TerminologyError(
                    name, line, f"expected {len(header)} fields, got {len(cells)}"
                )
            for column, value in zip(header, cells, strict=True):
                if value == "":
                    raise TerminologyError(
                        name, line, f"column {column!r} is empty (write '-' for none)"
                    )
                if value != value.strip() or "\n" in value:
                    raise TerminologyError(name, line, f"column {column!r} has stray whitespace")
            try:
                row = validator.load(dict(zip(header, cells, strict=True)))
            except ValidationError as exc:
                raise TerminologyError(name, line, describe(exc.messages, header)) from exc
            yield line, row
    except csv.Error as exc:
        raise TerminologyError(name, reader.line_num, f"malformed CSV ({exc})") from exc


def describe(messages: Any, header: list[str]) -> str:
    """Flatten marshmallow's error dict, in column order, schema-level errors last."""
    if not isinstance(messages, dict):
        return str(messages)
    order = [*header, "_schema"]
    parts = []
    for key in sorted(messages, key=lambda k: order.index(k) if k in order else len(order)):
        text = (
            "; ".join(str(m) for m in messages[key])
            if isinstance(messages[key], list)
            else str(messages[key])
        )
        parts.append(text if key == "_schema" else f"column {key!r}: {text}")
    return "; ".join(parts)
