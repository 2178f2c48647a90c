"""Choosing and setting up the database: URLs, the default SQLite file, engines, migrations."""

from __future__ import annotations

import multiprocessing
import typing as t
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, text

from service import create_app
from service.config import DEFAULTS
from service.errors import StoreUnavailable
from service.store import (
    Store,
    current_revision,
    database_url,
    head_revision,
    init_store,
    make_engine,
    upgrade,
)
from service.store.engine import BUSY_TIMEOUT_MS, normalize_url, sqlite_url
from service.store.schema import metadata


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/n", "postgresql+psycopg://u:p@db:5432/n"),
        ("postgresql://u@db/n", "postgresql+psycopg://u@db/n"),
        ("postgresql+psycopg://u@db/n", "postgresql+psycopg://u@db/n"),
        ("sqlite:////var/x.sqlite3", "sqlite:////var/x.sqlite3"),
    ],
    ids=["heroku-style", "libpq-style", "already-psycopg", "sqlite"],
)
def test_postgres_urls_get_the_psycopg_driver(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_database_url_prefers_database_url_then_sqlite_path_then_instance_folder(
    tmp_path: Path,
) -> None:
    config = dict(DEFAULTS)
    assert database_url(config, tmp_path) == sqlite_url(tmp_path / "neuroroot.sqlite3")
    config["SQLITE_PATH"] = str(tmp_path / "elsewhere.db")
    assert database_url(config, tmp_path) == sqlite_url(tmp_path / "elsewhere.db")
    config["DATABASE_URL"] = "postgres://u@db/n"
    assert database_url(config, tmp_path) == "postgresql+psycopg://u@db/n"


def _bare_app(tmp_path: Path, **config: t.Any) -> Flask:
    app = Flask("service", instance_path=str(tmp_path / "instance"))
    app.config.from_mapping({**DEFAULTS, **config})
    return app


def test_first_start_creates_the_instance_folder_and_sqlite_file(tmp_path: Path) -> None:
    app = _bare_app(tmp_path)
    init_store(app)
    store = app.extensions["store"]
    assert isinstance(store, Store) and store.dialect == "sqlite"
    assert (tmp_path / "instance" / "neuroroot.sqlite3").is_file()
    store.ping()


def test_without_auto_migrate_nothing_is_created(tmp_path: Path) -> None:
    app = _bare_app(tmp_path, AUTO_MIGRATE=False)
    init_store(app)
    assert not (tmp_path / "instance" / "neuroroot.sqlite3").exists()
    with pytest.raises(StoreUnavailable):  # and the store will not invent an empty database
        app.extensions["store"].ping()
    assert not (tmp_path / "instance" / "neuroroot.sqlite3").exists()


def test_store_disabled_means_stateless(tmp_path: Path) -> None:
    app = create_app(
        {"TESTING": True, "STORE_ENABLED": False, "SQLITE_PATH": str(tmp_path / "x.db")}
    )
    assert app.extensions["store"] is None
    assert not (tmp_path / "x.db").exists()
    response = app.test_client().get("/readyz")
    assert response.status_code == 200 and "store" not in response.get_json()["checks"]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "wal.sqlite3")
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_postgresql_engine_pings_pooled_connections() -> None:
    engine = make_engine("postgresql://u@db.invalid/n")  # no connection is made here
    assert engine.dialect.driver == "psycopg"
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
    engine.dispose()


def test_migrations_create_exactly_the_declared_schema(db_url: str) -> None:
    assert current_revision(db_url) is None
    upgrade(db_url)
    assert current_revision(db_url) == head_revision() == "0005"
    engine = make_engine(db_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert diff == []
    assert {
        "clinical_impression",
        "provenance",
        "alembic_version",
        "cds_card",
        "cds_feedback",
        "cds_jti",
    } <= tables


def _upgrade_after(barrier: t.Any, url: str) -> None:
    barrier.wait(30)
    upgrade(url)


def test_concurrent_upgrades_migrate_once(db_url: str) -> None:
    """Four processes (gunicorn workers starting together) migrate one new database."""
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(4)
    workers = [spawn.Process(target=_upgrade_after, args=(barrier, db_url)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    engine = make_engine(db_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        assert versions.all() == ["0005"]
    engine.dispose()


def test_the_subject_column_holds_every_reference_the_operation_accepts() -> None:
    from service.fhir.read.request import MAX_REFERENCE_LENGTH
    from service.store.schema import impressions

    assert impressions.c.subject.type.length == MAX_REFERENCE_LENGTH


# --- file permissions -----------------------------------------------------------------------------


def _mode(path: Path) -> int:
    import os

    return os.stat(path).st_mode & 0o777


def test_the_sqlite_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    import os

    from tests.conftest import DATA, FHIR_HEADERS

    database = tmp_path / "data" / "results.sqlite3"
    previous = os.umask(0o022)  # a usual umask: new files would be 0644
    try:
        app = create_app({"TESTING": True, "SQLITE_PATH": str(database)})
        answer = app.test_client().post(
            "/fhir/ClinicalImpression/$localize-root",
            data=(DATA / "samples" / "l5-left.json").read_bytes(),
            headers=FHIR_HEADERS,
        )
        assert answer.status_code == 200
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(f.exists() for f in files)  # WAL mode, a connection open
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        os.umask(previous)


def test_an_existing_world_readable_database_is_tightened_on_connect(tmp_path: Path) -> None:
    import os

    database = tmp_path / "old.sqlite3"
    create_app({"TESTING": True, "SQLITE_PATH": str(database)})
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{database}{suffix}").exists():
            os.chmod(f"{database}{suffix}", 0o644)
    app = create_app({"TESTING": True, "SQLITE_PATH": str(database)})
    app.test_client().get("/readyz")
    assert _mode(database) == 0o600
    for suffix in ("-wal", "-shm"):
        if Path(f"{database}{suffix}").exists():
            assert _mode(Path(f"{database}{suffix}")) == 0o600
