"""Shared fixtures: a fresh app per test, its client, and the real terminology table."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from service import create_app
from terminology import Table, load_table

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def table() -> Table:
    """The real terminology table, loaded once."""
    return load_table()


@pytest.fixture(autouse=True)
def _audit_to_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app a test builds writes its audit trail under tmp_path, not the instance folder."""
    monkeypatch.setenv("NEUROROOT_AUDIT_LOG", str(tmp_path / "audit.ndjson"))


@pytest.fixture
def app(tmp_path: Path):  # noqa: ANN201
    """A fresh app with its own SQLite file."""
    return create_app({"TESTING": True, "SQLITE_PATH": str(tmp_path / "test.sqlite3")})


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    """A test client of :func:`app`."""
    return app.test_client()


FHIR_HEADERS: dict[str, t.Any] = {
    "Content-Type": "application/fhir+json",
    "Accept": "application/fhir+json",
}
