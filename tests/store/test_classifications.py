"""Stored ISNCSCI classifications on SQLite and PostgreSQL: save, replay, conflict, read, search."""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime

import pytest

from service.errors import Conflict
from service.fhir.isncsci_operation import classify_isncsci
from service.store import Store
from service.store.records import NewClassification
from terminology import default_table
from tests.isncsci_fhir import exam_bundle
from tests.isncsci_support import case_exam, load_cases

CASES = load_cases()


def _new(
    case: dict[str, t.Any],
    *,
    subject: str = "Patient/s1",
    identifier: str | None = None,
    client: str | None = None,
) -> NewClassification:
    done = classify_isncsci(
        exam_bundle(case_exam(case), subject=subject, identifier=identifier),
        default_table(),
        max_entries=5000,
        now=datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    return NewClassification(
        done.observations,
        done.provenance,
        done.subject,
        done.date,
        done.identifier_key,
        done.content_key,
        client,
    )


def test_save_read_search_replay_and_conflict(store: Store) -> None:
    first = store.classifications.save(_new(CASES[0], identifier="urn:x|1"))
    assert first.created and len(first.observations) == 26
    assert first.observations[0]["meta"]["versionId"] == "1"
    panel = store.classifications.observation(first.id)
    assert panel is not None and panel.resource == first.observations[0]
    again = store.classifications.save(_new(CASES[0], identifier="urn:x|1"))
    assert not again.created and again.observations == first.observations
    with pytest.raises(Conflict):
        store.classifications.save(_new(CASES[1], identifier="urn:x|1"))
    other_client = store.classifications.save(_new(CASES[0], identifier="urn:x|1", client="b"))
    assert other_client.created and other_client.id != first.id
    page = store.classifications.search(
        [("subject", "Patient/s1"), ("code", ("asia-impairment-scale",))]
    )
    assert page.total == 2 and all(
        f.resource["code"]["coding"][0]["code"] == "asia-impairment-scale" for f in page.results
    )
    first_page = store.classifications.search([("subject", "Patient/s1")], count=30)
    assert first_page.total == 52 and first_page.more and len(first_page.results) == 30
    rest = store.classifications.search(
        [("subject", "Patient/s1")], count=30, after=first_page.keys[-1]
    )
    assert not rest.more and len(rest.results) == 22
    assert not {f.resource["id"] for f in rest.results} & {
        f.resource["id"] for f in first_page.results
    }
    provenance = store.classifications.provenance_for(first.observations[5]["id"])
    assert provenance is not None and provenance == first.provenance
    assert store.classifications.provenance(provenance["id"]) == provenance
    assert store.classifications.observation("nope") is None
