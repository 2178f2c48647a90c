"""SQLite write cost: one ``Store.save`` (a ClinicalImpression of the full exam and its
Provenance, one transaction) under several connection and durability settings.

The service runs WAL + ``synchronous = NORMAL`` with pooled connections (service/store/engine.py).
This shows what each choice costs: ``NullPool`` opens and closes a connection per call, and
closing the last connection to a WAL database checkpoints it; ``FULL`` makes every commit wait
for the disk; ``DELETE`` is SQLite's default rollback journal.
"""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
import typing as t
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool, QueuePool

from .inprocess import Timing, time_calls

__all__ = ["MODES", "measure_sqlite"]

#: (label, pooled, journal_mode, synchronous)
MODES = (
    ("pooled, WAL, NORMAL (the service)", True, "WAL", "NORMAL"),
    ("pooled, WAL, FULL", True, "WAL", "FULL"),
    ("pooled, DELETE, FULL (SQLite's defaults)", True, "DELETE", "FULL"),
    ("NullPool, WAL, NORMAL (before issue 6)", False, "WAL", "NORMAL"),
)


def _engine(path: Path, pooled: bool, journal: str, synchronous: str) -> t.Any:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=5, check_same_thread=False)

    def pragmas(connection: t.Any, _record: t.Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.execute(f"PRAGMA journal_mode = {journal}")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    pool = {"poolclass": QueuePool, "pool_size": 1} if pooled else {"poolclass": NullPool}
    engine = create_engine("sqlite://", creator=connect, **pool)
    event.listen(engine, "connect", pragmas)
    return engine


def measure_sqlite(result: t.Any, *, min_seconds: float = 1.0) -> dict[str, Timing]:
    """Time ``Store.save`` of *result* (a :class:`service.store.NewResult`) in each mode."""
    from dataclasses import replace

    from service.store import Store, upgrade
    from service.store.engine import sqlite_url

    out: dict[str, Timing] = {}
    counter = itertools.count()
    with tempfile.TemporaryDirectory(prefix="neuroroot-sqlite-") as folder:
        for n, (label, pooled, journal, synchronous) in enumerate(MODES):
            path = Path(folder) / f"mode-{n}.sqlite3"
            upgrade(sqlite_url(path))
            store = Store(_engine(path, pooled, journal, synchronous))
            out[label] = time_calls(
                store.save,
                lambda _i: replace(result, content_key=f"key-{next(counter)}"),
                min_seconds=min_seconds,
                min_calls=50,
            )
            store.close()
    return out
