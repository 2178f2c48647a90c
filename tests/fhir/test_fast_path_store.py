"""The SQLite store keeps its connection open between requests (issue 6), and still answers 503
while its file is gone: a pooled connection is checked against the file at its path on checkout.

(These tests sit with the other fast-path tests; the store's own suite is tests/store.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import StoreUnavailable
from service.store import Store, upgrade
from service.store.engine import sqlite_url
from tests.store.factories import make_result


def test_the_store_reuses_one_connection_between_calls(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "pooled.sqlite3")
    upgrade(url)
    store = Store.from_url(url)
    opened = []
    from sqlalchemy import event

    event.listen(store.engine, "connect", lambda *_: opened.append(1))
    for _ in range(5):
        saved = store.save(make_result())
        assert store.get(saved.id) is not None
    assert len(opened) == 1
    store.close()


def test_a_pooled_connection_is_not_used_while_its_file_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "gone.sqlite3"
    upgrade(sqlite_url(path))
    store = Store.from_url(sqlite_url(path))
    saved = store.save(make_result())
    path.rename(tmp_path / "away.sqlite3")
    with pytest.raises(StoreUnavailable):
        store.get(saved.id)
    (tmp_path / "away.sqlite3").rename(path)
    assert store.get(saved.id) is not None
    store.close()
