"""The store on each backend: round trips, idempotency, concurrency, search, transactions."""

from __future__ import annotations

import hashlib
import re
import threading
import typing as t
import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy import column, func, insert, select, table
from sqlalchemy.exc import OperationalError

from service.errors import Conflict, StoreUnavailable
from service.store import Store, Stored, upgrade
from service.store.schema import impressions, provenances
from service.store.search import DateBounds
from tests.store.factories import make_result
from tests.validation import assert_valid_r4

INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|\+00:00)$")


def rows(store: Store) -> tuple[int, int]:
    """How many ClinicalImpression and Provenance rows the database holds."""
    with store.engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(impressions)).scalar_one(),
            connection.execute(select(func.count()).select_from(provenances)).scalar_one(),
        )


def test_saved_result_reads_back_identically(store: Store) -> None:
    saved = store.save(make_result())
    read = store.get(saved.id)
    assert read is not None
    assert saved.created and not read.created
    assert (read.id, read.version_id, read.last_updated) == (
        saved.id,
        saved.version_id,
        saved.last_updated,
    )
    assert orjson.dumps(read.impression) == orjson.dumps(saved.impression)
    assert orjson.dumps(read.provenance) == orjson.dumps(saved.provenance)
    with store.engine.connect() as connection:
        text = connection.execute(select(impressions.c.resource)).scalar_one()
    assert text.encode("utf-8") == orjson.dumps(read.impression)  # the JSON kept byte for byte


def test_save_sets_id_meta_and_versioned_provenance_target(store: Store) -> None:
    result = make_result()
    saved = store.save(result)
    assert uuid.UUID(saved.id).version == 4
    assert saved.version_id == "1"
    assert saved.last_updated.tzinfo is not None and saved.last_updated.utcoffset() == timedelta(0)
    impression, provenance = saved.impression, saved.provenance
    assert impression["id"] == saved.id
    assert impression["meta"]["versionId"] == "1"
    assert INSTANT.match(impression["meta"]["lastUpdated"])
    assert datetime.fromisoformat(impression["meta"]["lastUpdated"]) == saved.last_updated
    assert {k: v for k, v in impression.items() if k not in {"id", "meta"}} == result.impression
    assert provenance["id"] != saved.id and uuid.UUID(provenance["id"]).version == 4
    assert provenance["target"] == [{"reference": f"ClinicalImpression/{saved.id}/_history/1"}]
    assert INSTANT.match(provenance["meta"]["lastUpdated"])
    assert_valid_r4(impression)
    assert_valid_r4(provenance)


def test_given_meta_elements_are_kept_beside_the_version(store: Store) -> None:
    result = make_result()
    profile = "https://neuroroot.example/fhir/StructureDefinition/root-impression"
    result.impression["meta"] = {"profile": [profile], "versionId": "99"}
    saved = store.save(result)
    assert saved.impression["meta"]["profile"] == [profile]
    assert saved.impression["meta"]["versionId"] == "1"
    assert "profile" not in saved.provenance["meta"]


def test_same_identifier_returns_the_stored_result(store: Store) -> None:
    first = store.save(
        make_result(identifier_key="urn:ietf:rfc:3986|urn:uuid:b1", content_key="b" * 64)
    )
    again = store.save(
        make_result(identifier_key="urn:ietf:rfc:3986|urn:uuid:b1", content_key="b" * 64)
    )
    assert first.created and not again.created
    assert again.id == first.id and again.impression == first.impression
    assert rows(store) == (1, 1)


def test_same_identifier_with_other_content_is_a_conflict_not_the_stored_result(
    store: Store,
) -> None:
    store.save(make_result(identifier_key="sys|b1", content_key="b" * 64))
    with pytest.raises(Conflict) as caught:
        store.save(make_result(identifier_key="sys|b1", content_key="f" * 64))
    assert caught.value.expression == ("Bundle.identifier",)
    assert "different exam" in caught.value.message
    assert rows(store) == (1, 1)


def test_same_identifier_for_another_patient_is_a_conflict(store: Store) -> None:
    store.save(make_result(subject="Patient/p1", identifier_key="sys|b1", content_key="b" * 64))
    with pytest.raises(Conflict):  # even were the content hash the same
        store.save(make_result(subject="Patient/p2", identifier_key="sys|b1", content_key="b" * 64))
    with pytest.raises(Conflict):
        store.save(make_result(subject="Patient/p2", identifier_key="sys|b1"))
    assert rows(store) == (1, 1)


def test_same_content_returns_the_stored_result(store: Store) -> None:
    first = store.save(make_result(content_key="a" * 64))
    again = store.save(make_result(content_key="a" * 64, identifier_key="sys|other"))
    assert not again.created and again.id == first.id
    assert rows(store) == (1, 1)


def test_identifier_match_wins_over_content_match(store: Store) -> None:
    """Content c is stored under no identifier, identifier b2 with other content: posting c
    with b2 is b2 reused for another exam (409), never c's result."""
    by_content = store.save(make_result(content_key="c" * 64))
    by_identifier = store.save(make_result(identifier_key="sys|b2", content_key="9" * 64))
    assert by_content.id != by_identifier.id
    with pytest.raises(Conflict):
        store.save(make_result(content_key="c" * 64, identifier_key="sys|b2"))
    replay = store.save(make_result(content_key="9" * 64, identifier_key="sys|b2"))
    assert replay.id == by_identifier.id and not replay.created


def test_keys_are_scoped_by_client(store: Store) -> None:
    """Another client replaying a client's identifier or content gets a result of its own."""
    mine = store.save(make_result(identifier_key="sys|b3", content_key="3" * 64, client="a"))
    theirs = store.save(make_result(identifier_key="sys|b3", content_key="3" * 64, client="b"))
    other = store.save(make_result(subject="Patient/p2", identifier_key="sys|b3", client="c"))
    anonymous = store.save(make_result(identifier_key="sys|b3", content_key="3" * 64))
    assert all(s.created for s in (mine, theirs, other, anonymous))
    assert len({mine.id, theirs.id, other.id, anonymous.id}) == 4
    again = store.save(make_result(identifier_key="sys|b3", content_key="3" * 64, client="b"))
    assert again.id == theirs.id and not again.created
    with pytest.raises(Conflict):
        store.save(make_result(identifier_key="sys|b3", content_key="4" * 64, client="b"))
    assert rows(store) == (4, 4)


def test_rows_stored_before_client_scoping_still_answer_anonymous_retries(db_url: str) -> None:
    """Revision 0001's keys are the anonymous client's keys of 0002: after the upgrade, a
    retry of a server without authentication still finds its result."""
    upgrade(db_url, "0001")
    identifier = hashlib.sha256(b"sys|legacy").hexdigest()
    now = datetime(2026, 3, 1, tzinfo=UTC)
    legacy = {
        "resourceType": "ClinicalImpression",
        "id": "legacy",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "meta": {"versionId": "1", "lastUpdated": "2026-03-01T00:00:00.000Z"},
    }
    store = Store.from_url(db_url)
    with store.engine.begin() as connection:
        connection.execute(
            insert(
                table(
                    "clinical_impression",
                    *[
                        column(c)
                        for c in (
                            "id",
                            "version_id",
                            "last_updated",
                            "subject",
                            "date",
                            "identifier_key",
                            "content_key",
                            "resource",
                        )
                    ],
                )
            ),
            [
                {
                    "id": "legacy",
                    "version_id": "1",
                    "last_updated": now,
                    "subject": "Patient/p1",
                    "date": now,
                    "identifier_key": identifier,
                    "content_key": "5" * 64,
                    "resource": orjson.dumps(legacy).decode(),
                }
            ],
        )
        connection.execute(
            insert(
                table(
                    "provenance",
                    *[
                        column(c)
                        for c in ("id", "impression_id", "version_id", "last_updated", "resource")
                    ],
                )
            ),
            [
                {
                    "id": "legacy-p",
                    "impression_id": "legacy",
                    "version_id": "1",
                    "last_updated": now,
                    "resource": "{}",
                }
            ],
        )
    store.close()
    upgrade(db_url)
    store = Store.from_url(db_url)
    try:
        retry = store.save(make_result(identifier_key="sys|legacy", content_key="5" * 64))
        assert retry.id == "legacy" and not retry.created
        with pytest.raises(Conflict):
            store.save(make_result(identifier_key="sys|legacy"))
        assert store.save(
            make_result(identifier_key="sys|legacy", content_key="5" * 64, client="a")
        ).created
    finally:
        store.close()


def test_results_without_identifier_do_not_collide(store: Store) -> None:
    store.save(make_result())
    store.save(make_result())
    assert rows(store) == (2, 2)


@pytest.mark.parametrize("key", ["identifier", "content"])
def test_concurrent_duplicate_saves_store_one_row(store: Store, key: str) -> None:
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    results: list[Stored] = []
    errors: list[BaseException] = []

    def post(n: int) -> None:
        kwargs: dict[str, t.Any] = (
            {"identifier_key": "sys|same", "content_key": "8" * 64}
            if key == "identifier"
            else {"content_key": "d" * 64}
        )
        result = make_result(**kwargs)
        barrier.wait()
        try:
            results.append(store.save(result))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(results) == threads_n
    assert len({r.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert rows(store) == (1, 1)


@pytest.fixture
def history(store: Store) -> dict[str, Stored]:
    """Five results: p1 on Jan 10, Feb 1 (two), Mar 5; p2 on Feb 1."""
    day = lambda m, d, h=12: datetime(2026, m, d, h, tzinfo=UTC)  # noqa: E731
    plan = {
        "p1-jan": ("Patient/p1", day(1, 10)),
        "p1-feb-a": ("Patient/p1", day(2, 1, 9)),
        "p1-feb-b": ("Patient/p1", day(2, 1, 15)),
        "p1-mar": ("Patient/p1", day(3, 5)),
        "p2-feb": ("Patient/p2", day(2, 1)),
    }
    return {name: store.save(make_result(subject=s, date=d)) for name, (s, d) in plan.items()}


def names(history: dict[str, Stored], page: list[Stored]) -> list[str]:
    """The fixture names of *page*, in order."""
    by_id = {stored.id: name for name, stored in history.items()}
    return [by_id[stored.id] for stored in page]


def _search(
    store: Store,
    *,
    subject: str | None = None,
    ge: datetime | None = None,
    le: datetime | None = None,
    **kwargs: t.Any,
) -> tuple[list[Stored], int | None]:
    where: list[tuple[str, t.Any]] = [] if subject is None else [("subject", subject)]
    if ge is not None or le is not None:
        where.append(("date", DateBounds(ge, le)))
    page = store.search("ClinicalImpression", where, **kwargs)
    return page.results, page.total


def test_search_by_subject_newest_first(store: Store, history: dict[str, Stored]) -> None:
    page, total = _search(store, subject="Patient/p1")
    assert total == 4
    assert names(history, page) == ["p1-mar", "p1-feb-b", "p1-feb-a", "p1-jan"]
    page, total = _search(store, subject="Patient/p3")
    assert (page, total) == ([], 0)


def test_search_by_date_range_is_inclusive(store: Store, history: dict[str, Stored]) -> None:
    page, total = _search(
        store,
        ge=datetime(2026, 2, 1, 9, tzinfo=UTC),
        le=datetime(2026, 2, 1, 15, tzinfo=UTC),
        descending=False,
    )
    assert total == 3
    assert names(history, page)[0] == "p1-feb-a" and names(history, page)[-1] == "p1-feb-b"


def test_search_compares_instants_across_time_zones(
    store: Store, history: dict[str, Stored]
) -> None:
    plus_two = datetime(2026, 3, 5, 15, 30, tzinfo=timezone(timedelta(hours=2)))  # 13:30Z
    page, _ = _search(store, le=plus_two)
    assert names(history, page)[0] == "p1-mar"


def test_search_pages_in_a_stable_order(store: Store, history: dict[str, Stored]) -> None:
    seen: list[str] = []
    for offset in (0, 2, 4):
        page, total = _search(store, count=2, offset=offset)
        assert total == 5
        seen += names(history, page)
    assert sorted(seen) == sorted(history) and len(seen) == 5
    assert seen[0] == "p1-mar" and seen[-1] == "p1-jan"
    page, total = _search(store, count=0)
    assert (page, total) == ([], 5)


def test_keyset_pages_walk_forward_and_back(store: Store, history: dict[str, Stored]) -> None:
    first = store.search("ClinicalImpression", count=2)
    second = store.search("ClinicalImpression", count=2, after=first.keys[-1])
    assert first.more and second.more
    back = store.search("ClinicalImpression", count=2, before=second.keys[0])
    assert [s.id for s in back.results] == [s.id for s in first.results] and not back.more
    rest = store.search("ClinicalImpression", count=5, after=second.keys[-1], total=False)
    assert len(rest.results) == 1 and not rest.more and rest.total is None


def test_provenance_is_found_by_its_target_and_its_id(store: Store) -> None:
    saved = store.save(make_result())
    by_target = store.provenance_for(saved.id)
    by_id = store.get_provenance(saved.provenance["id"])
    assert by_target is not None and by_id is not None
    assert by_target.provenance == by_id.provenance == saved.provenance
    assert store.provenance_for(str(uuid.uuid4())) is None
    assert store.get_provenance(saved.id) is None
    assert store.get("no-such-id") is None


def test_results_survive_a_restart(db_url: str) -> None:
    upgrade(db_url)
    first = Store.from_url(db_url)
    saved = first.save(make_result(identifier_key="sys|restart", content_key="7" * 64))
    first.close()
    upgrade(db_url)  # a second start migrates nothing and keeps the rows
    second = Store.from_url(db_url)
    try:
        assert second.get(saved.id) == Stored(**{**_fields(saved), "created": False})
        assert (
            second.save(make_result(identifier_key="sys|restart", content_key="7" * 64)).id
            == saved.id
        )
    finally:
        second.close()


def _fields(stored: Stored) -> dict[str, t.Any]:
    return {name: getattr(stored, name) for name in Stored.__slots__}


@pytest.mark.parametrize(
    "failure",
    [RuntimeError("boom"), OperationalError("INSERT", {}, Exception("connection lost"))],
    ids=["bug", "database-lost"],
)
def test_failure_between_the_two_inserts_stores_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    def fail(*args: t.Any) -> None:
        raise failure

    monkeypatch.setattr(store, "_insert_provenance", fail)
    expected = StoreUnavailable if isinstance(failure, OperationalError) else RuntimeError
    with pytest.raises(expected):
        store.save(make_result(content_key="e" * 64))
    assert rows(store) == (0, 0)
    monkeypatch.undo()
    assert store.save(make_result(content_key="e" * 64)).created  # the keys were not taken


def test_saved_rows_are_what_sqlalchemy_itself_writes(store: Store) -> None:
    """save writes on the driver's connection (store.py, _write); its rows must be the ones a
    SQLAlchemy Core insert of the same values writes, or reads, ranges and sorting would differ
    between them (SQLite keeps datetimes as text)."""
    saved = store.save(make_result(date=datetime(2026, 3, 1, 9, 30, tzinfo=UTC)))
    with store.engine.begin() as connection:
        mine = connection.execute(select(impressions).where(impressions.c.id == saved.id)).one()
        connection.execute(
            impressions.insert(), {**mine._asdict(), "id": "core", "content_key": "k" * 64}
        )
        core = connection.execute(select(impressions).where(impressions.c.id == "core")).one()
        raw = [
            tuple(r)
            for r in connection.exec_driver_sql(
                "SELECT last_updated, date FROM clinical_impression ORDER BY id"
            )
        ]
    assert {**mine._asdict(), "id": "core", "content_key": "k" * 64} == core._asdict()
    assert raw[0] == raw[1]  # the very same stored form (text on SQLite), not just equal values
    assert mine.date == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_unserialisable_provenance_stores_nothing(store: Store) -> None:
    result = make_result()
    result.provenance["entity"] = {object()}
    with pytest.raises(TypeError):
        store.save(result)
    assert rows(store) == (0, 0)


def test_naive_date_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.save(make_result(date=datetime(2026, 1, 1, 12)))
