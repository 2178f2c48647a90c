"""The request as a whole: one subject, something to localize, times, identifier, content key."""

from __future__ import annotations

import copy
import typing as t

import pytest

from service.errors import (
    MixedSubjects,
    NothingToLocalize,
    PayloadTooLarge,
)
from service.fhir.read.request import parse_request
from terminology import Table

from .test_parse import (
    DECREASED_KNEE_REFLEX,
    bundle,
    concept,
    observation,
    parse,
    sample,
)

# -- subjects ----------------------------------------------------------------------------------


def test_observations_without_a_subject_join_the_common_one(table: Table) -> None:
    parsed = parse(
        table, observation(id="a", subject=None), observation(id="b", subject="Patient/p9")
    )
    assert parsed.subject == {"reference": "Patient/p9"}


def test_no_subject_anywhere_gives_none(table: Table) -> None:
    assert parse(table, observation(subject=None)).subject is None


def test_mixed_subjects_name_every_observation_that_differs_from_the_majority(table: Table) -> None:
    with pytest.raises(MixedSubjects) as caught:
        parse(
            table,
            observation(id="a", subject="Patient/x"),
            observation(id="b", subject="Patient/y"),
            observation(id="c", subject="Patient/y"),
            observation(id="d", subject="Patient/z"),
        )
    assert caught.value.expression == (
        "Bundle.entry[0].resource.subject",
        "Bundle.entry[3].resource.subject",
    )


def test_a_skipped_observation_about_another_patient_does_not_count(table: Table) -> None:
    parsed = parse(
        table, observation(id="a"), observation(id="b", subject="Patient/other", status="cancelled")
    )
    assert parsed.subject == {"reference": "Patient/p1"}


# -- nothing to localize -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            [observation("8867-4", "http://loinc.org")],
            "the Observation is not a neurological exam finding this service reads",
        ),
        (
            [{"resourceType": "Patient", "id": "p1"}],
            "no usable neurological exam finding: the request holds no Observation "
            "(1 other resource)",
        ),
        ([], "no usable neurological exam finding: the request holds no Observation"),
        (
            [
                observation(status="cancelled"),
                observation(id="o2", dataAbsentReason=concept("not-performed", "urn:x")),
                observation(id="o3", status="entered-in-error"),
            ],
            "no usable neurological exam finding in the 3 Observations: 2 not usable because of "
            "their status (entered in error, cancelled, registered or unknown); 1 not examined",
        ),
    ],
    ids=["one-unknown-code", "only-a-patient", "empty-bundle", "statuses-and-not-examined"],
)
def test_nothing_to_localize_summarises_why(
    table: Table, resources: list[dict[str, t.Any]], message: str
) -> None:
    with pytest.raises(NothingToLocalize) as caught:
        parse(table, *resources)
    assert caught.value.message == message


# -- times, identifier, content key ------------------------------------------------------------


def test_effective_range_spans_datetimes_periods_and_instants_of_used_observations(
    table: Table,
) -> None:
    parsed = parse(
        table,
        observation(id="a", effectiveDateTime="2024-03-02T10:00:00+01:00"),
        observation(
            id="b", effectivePeriod={"start": "2024-03-02T08:30:00Z", "end": "2024-03-02T11:00:00Z"}
        ),
        observation(id="c", effectiveInstant="2024-03-02T09:00:00.250Z"),
        observation(id="d", effectiveDateTime="2024-01-01T00:00:00Z", status="cancelled"),
    )
    assert (parsed.effective_start, parsed.effective_end) == (
        "2024-03-02T08:30:00Z",
        "2024-03-02T11:00:00Z",
    )


def test_a_date_without_time_covers_its_whole_day(table: Table) -> None:
    parsed = parse(
        table,
        observation(id="a", effectiveDateTime="2024-03-02"),
        observation(id="b", effectiveDateTime="2024-03-02T12:00:00Z"),
    )
    assert (parsed.effective_start, parsed.effective_end) == ("2024-03-02", "2024-03-02")


def test_no_effective_time_gives_none(table: Table) -> None:
    parsed = parse(table, observation())
    assert (parsed.effective_start, parsed.effective_end) == (None, None)


def test_an_identifier_without_system_keeps_its_value(table: Table) -> None:
    document = bundle(observation())
    document["identifier"] = {"value": "exam-42"}
    assert parse_request(document, table).identifier == ("", "exam-42")


def test_content_key_does_not_depend_on_entry_order(table: Table) -> None:
    a, b = observation(id="a"), observation(DECREASED_KNEE_REFLEX, id="b", bodySite=None)
    assert parse(table, a, b).content_key == parse(table, b, a).content_key


def test_content_key_ignores_unused_resources_but_not_used_content(table: Table) -> None:
    a = observation(id="a")
    key = parse(table, a).content_key
    assert parse(table, a, {"resourceType": "Patient", "id": "p1"}).content_key == key
    changed = copy.deepcopy(a)
    changed["note"] = [{"text": "retested"}]
    assert parse(table, changed).content_key != key
    assert len(key) == 64 and int(key, 16) >= 0


def test_parsing_is_deterministic(table: Table) -> None:
    document = sample("panel-components.json")
    assert parse_request(document, table) == parse_request(copy.deepcopy(document), table)


def test_parse_request_does_not_change_its_input(table: Table) -> None:
    document = sample("collection-left-l5.json")
    before = copy.deepcopy(document)
    parse_request(document, table)
    assert document == before


def test_entries_over_the_limit_are_refused_before_validation(table: Table) -> None:
    document = {"resourceType": "Bundle", "type": "bogus", "entry": [5, 5, 5]}
    with pytest.raises(PayloadTooLarge) as caught:
        parse_request(document, table, max_entries=2)
    assert caught.value.expression == ("Bundle.entry",)
    assert parse_request(bundle(observation(), observation(id="b")), table, max_entries=2).used
