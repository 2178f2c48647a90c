"""Database URLs and engines: SQLite by default, PostgreSQL through ``DATABASE_URL``.

SQLite: one file, opened in WAL mode (readers never wait for the writer) with a busy timeout (a
writer waits for another instead of failing at once) and ``synchronous = NORMAL`` (in WAL mode a
commit does not wait for the disk; a power cut can lose the last commits but never corrupts the
file, and a lost result is recomputed by posting the exam again). The store opens the file with
``mode=rw``: if the file disappears (an unmounted volume), requests answer 503 instead of silently
starting a new, empty database; only :func:`~service.store.migrate.upgrade` creates it. The file,
and the -wal and -shm files SQLite makes next to it, are readable and writable by their owner only
(0600, whatever the umask; files of this owner made looser before are tightened when a connection
opens). Connections are pooled (one kept open per process), and each checkout first checks that the
file at the path is still the one the connection opened (same device and inode): when it is gone,
the connection is dropped and opening a new one fails (503) until the file is back. Pooling
matters: closing the last connection to a WAL database checkpoints the WAL into the file and
deletes it, which cost about 2 ms per request when every request opened and closed its own
connections. As with any SQLite program, do not copy another database file over this one while the
service runs (stop it first): the open connection's WAL would be read with the new file.

PostgreSQL: psycopg 3, ``pool_pre_ping`` (a connection the server dropped is replaced, not
handed to a request) and a connect timeout, so an unreachable server fails fast into a 503.
The store's engine also sets ``statement_timeout`` on every connection (libpq ``options``, so it
holds from the first statement and survives rollbacks): a statement that runs longer is
cancelled by the server and the request answers 503 (:mod:`.guard`), so one expensive request
cannot hold a connection and the server's disk for long. Migrations run without it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import typing as t
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import QueuePool, StaticPool

__all__ = [
    "BUSY_TIMEOUT_MS",
    "PRIVATE_MODE",
    "CONNECT_TIMEOUT_S",
    "make_engine",
    "normalize_url",
    "sqlite_path",
    "sqlite_url",
]

#: how long a SQLite writer waits for another writer's lock before giving up (503).
BUSY_TIMEOUT_MS = 5000
#: how long a PostgreSQL connection attempt may take before the request answers 503.
CONNECT_TIMEOUT_S = 5

_PSYCOPG = "postgresql+psycopg://"


def normalize_url(url: str) -> str:
    """*url* with the psycopg 3 driver named: ``postgres://`` and ``postgresql://`` become
    ``postgresql+psycopg://`` (Heroku-style and libpq-style URLs both work); others pass as is."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return _PSYCOPG + url[len(prefix) :]
    return url


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of the SQLite file at *path* (made absolute)."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite *url*, or None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_connection: t.Any, _record: t.Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode, and faster
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


#: permissions of the SQLite file and its -wal and -shm files: every patient's results are in
#: them, so the owner (the service's user) alone reads and writes them.
PRIVATE_MODE = 0o600


def _create_private(path: Path) -> None:
    """Create the database file with :data:`PRIVATE_MODE` (whatever the umask) unless it exists.

    SQLite gives the -wal and -shm files it creates later the permissions of the database file.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))


def _make_private(path: Path) -> None:
    """Take group and other permissions off the database files this process owns (a file made
    before this rule, or by another tool); files of another owner are left as they are."""
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            info = os.stat(name)
            if info.st_uid == os.geteuid() and info.st_mode & 0o077:
                os.chmod(name, info.st_mode & PRIVATE_MODE)
        except OSError:
            continue  # not there (yet), or not ours to change


def _sqlite_engine(path: Path | None, *, create: bool) -> Engine:
    if path is None:  # in memory: one shared connection, for experiments only
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        if create:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _create_private(path)
        uri = f"file:{quote(str(path))}?mode={'rwc' if create else 'rw'}"

        def connect() -> sqlite3.Connection:
            _make_private(path)
            return sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )

        # One idle connection is kept; more are opened only while requests overlap (threads).
        engine = create_engine(
            "sqlite://", creator=connect, poolclass=QueuePool, pool_size=1, max_overflow=15
        )
        _check_file_on_checkout(engine, path)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _check_file_on_checkout(engine: Engine, path: Path) -> None:
    """Hand out a pooled connection only while the file it opened is still at *path*."""

    def remember(_connection: t.Any, record: t.Any) -> None:
        record.info["file_id"] = _file_id(path)

    def check(_connection: t.Any, record: t.Any, _proxy: t.Any) -> None:
        current = _file_id(path)
        if current is None or current != record.info.get("file_id"):
            raise DisconnectionError("the SQLite file moved; reconnecting")  # the pool retries

    event.listen(engine, "connect", remember)
    event.listen(engine, "checkout", check)


def make_engine(
    url: str, *, create: bool = False, statement_timeout_ms: int | None = None
) -> Engine:
    """An engine for *url*, set up for this service (see the module docstring).

    :param create: for SQLite, create the file (and its folder) when missing; only the
        migrations ask for this.
    :param statement_timeout_ms: PostgreSQL's ``statement_timeout`` for every connection
        (None or 0: the server's default, usually none). Ignored by SQLite.
    """
    url = normalize_url(url)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(sqlite_path(url), create=create)
    if backend == "postgresql":
        connect_args: dict[str, t.Any] = {"application_name": "neuroroot"}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
        if statement_timeout_ms:
            given = parsed.query.get("options")
            given = " ".join(given) if isinstance(given, tuple) else (given or "")
            connect_args["options"] = (
                f"{given} -c statement_timeout={int(statement_timeout_ms)}".strip()
            )
        # At most 10 connections per process: 8 workers stay under PostgreSQL's default 100.
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_recycle=1800,
            pool_size=5,
            max_overflow=5,
            connect_args=connect_args,
        )
    return create_engine(url, pool_pre_ping=True)
