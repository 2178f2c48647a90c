"""The ISNCSCI concepts: the ``isncsci`` CodeSystem and the neuro-exam codes of the exam.

Read from ``data/isncsci.csv`` (``system,code,display,definition``; ``system`` is ``isncsci``
or ``neuro-exam``). Separate from the segment table on purpose: nothing here maps to a
segment, and the loader of the table never sees these rows. No Flask, no fhir.resources.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib.resources import files

from .codes import CANONICAL_BASE

__all__ = ["ISNCSCI", "IsncsciConcept", "isncsci_concepts"]

#: the ``isncsci`` CodeSystem (DESIGN section 9)
ISNCSCI = f"{CANONICAL_BASE}/CodeSystem/isncsci"


@dataclass(frozen=True, slots=True)
class IsncsciConcept:
    system: str
    code: str
    display: str
    definition: str


@functools.cache
def isncsci_concepts() -> tuple[IsncsciConcept, ...]:
    """Every row of ``data/isncsci.csv``, in file order.

    :raise ValueError: a row with an empty field, an unknown system or a repeated code.
    """
    text = files("terminology").joinpath("data/isncsci.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    seen: set[tuple[str, str]] = set()
    out = []
    for line, row in enumerate(rows, 2):
        if any(not (row.get(k) or "").strip() for k in ("system", "code", "display", "definition")):
            raise ValueError(f"isncsci.csv line {line}: an empty field")
        if row["system"] not in ("isncsci", "neuro-exam"):
            raise ValueError(f"isncsci.csv line {line}: unknown system {row['system']!r}")
        key = (row["system"], row["code"])
        if key in seen:
            raise ValueError(f"isncsci.csv line {line}: {row['code']!r} repeated")
        seen.add(key)
        out.append(IsncsciConcept(row["system"], row["code"], row["display"], row["definition"]))
    return tuple(out)
