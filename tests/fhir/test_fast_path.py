"""The fast paths of request reading (issue 6) behave exactly like the slow ones.

- Well-formed requests are validated by the tightened R4 schema alone (R4B is not run);
  requests it does not accept still get R4B's diagnostics (pinned by test_parse_structure).
- The JSON depth limit is measured on the bytes; it agrees with a walk of the decoded tree.
"""

from __future__ import annotations

import json
import random
import typing as t
from pathlib import Path

import orjson
import pytest

from service.errors import InvalidRequest
from service.fhir.read import structure as parse_structure
from service.fhir.read.json_body import _deeper_than, _depth, read_json
from service.fhir.read.request import parse_request
from service.fhir.read.schema_check import (
    FAST_TYPES,
    build_tightened_schema,
    fast_valid,
    tightened_schema,
)
from terminology import Table

from .test_parse import bundle, exam

SAMPLES = Path(__file__).parents[1] / "data" / "samples"


def _samples() -> list[tuple[str, dict[str, t.Any]]]:
    out = []
    for path in sorted(SAMPLES.glob("*.json")):
        if not path.name.endswith(".expected.json"):
            out.append((path.stem, json.loads(path.read_text("utf-8"))))
    return out


@pytest.fixture
def no_r4b(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any use of the R4B models fail the test."""

    def refuse(*_args: t.Any) -> t.NoReturn:
        raise AssertionError("the R4B models were run")

    monkeypatch.setattr(parse_structure, "_model_issues", refuse)


@pytest.mark.parametrize(("name", "document"), _samples(), ids=[n for n, _ in _samples()])
def test_well_formed_samples_are_read_without_the_r4b_models(
    table: Table, no_r4b: None, name: str, document: dict[str, t.Any]
) -> None:
    assert parse_request(document, table).findings


def test_a_json_null_goes_to_r4b_which_reads_it_as_absent(table: Table) -> None:
    """The schema refuses nulls (FHIR JSON has none); R4B tolerates them, so R4B decides."""
    observation = exam("light-touch", valueInteger=1)
    observation["bodySite"]["coding"][0]["display"] = None
    document = bundle(observation)
    assert not fast_valid(document)
    assert parse_request(document, table).findings


def test_a_request_the_fast_check_refuses_still_gets_r4bs_diagnostics(table: Table) -> None:
    document = bundle(exam("reflex-achilles", valueInteger=2, performerName="x"))
    assert not fast_valid(document)
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document, table)
    assert caught.value.expression == ("Bundle.entry[0].resource.performerName",)


def test_a_service_rule_failure_is_reported_even_when_the_schema_accepts(table: Table) -> None:
    document = bundle(exam("reflex-achilles", valueInteger=2, effectiveDateTime="2024-05-02"))
    document["timestamp"] = "2024-05-02T09:10:00"  # no time zone: R4B and the schema refuse too
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document, table)
    assert caught.value.expression == ("Bundle.timestamp",)


def test_the_fast_check_accepts_only_its_resource_types() -> None:
    schema = tightened_schema()
    assert schema["definitions"]["ResourceList"]["properties"]["resourceType"]["enum"] == list(
        FAST_TYPES
    )
    assert not fast_valid({"resourceType": "MedicationRequest"})
    assert not fast_valid(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Medication"}}],
        }
    )


# -- the JSON depth limit -----------------------------------------------------------------------


def _documents(seed: int, count: int) -> t.Iterator[t.Any]:
    """Random JSON whose strings hold brackets, quotes and escapes."""
    rnd = random.Random(seed)
    atoms = [
        1,
        2.5,
        None,
        True,
        "",
        "plain",
        "a[{",
        "]}",
        '"{{[[',
        'x\\"]}',
        "\\",
        '\\\\"[',
        '\u00e9\n"',
        "[\\",
    ]

    def draw(depth: int) -> t.Any:
        if depth == 0 or rnd.random() < 0.3:
            return rnd.choice(atoms)
        if rnd.random() < 0.5:
            return [draw(depth - 1) for _ in range(rnd.randint(0, 3))]
        keys = ["k[", "a", 'b"{', "c", "\\", "]"]
        return {f"{rnd.choice(keys)}{i}": draw(depth - 1) for i in range(rnd.randint(0, 3))}

    for _ in range(count):
        yield draw(rnd.randint(0, 12))


@pytest.mark.parametrize("seed", range(3))
def test_the_depth_measured_on_the_bytes_is_the_depth_of_the_document(seed: int) -> None:
    for document in _documents(seed, 2000):
        depth = _depth(document)
        for body in (orjson.dumps(document), orjson.dumps(document, option=orjson.OPT_INDENT_2)):
            assert [_deeper_than(body, limit) for limit in range(14)] == [
                depth > limit for limit in range(14)
            ], body


def test_the_depth_limit_counts_brackets_in_strings_as_text() -> None:
    deep_text = json.dumps({"a": "[" * 100 + "{" * 100}).encode()
    assert read_json(deep_text, max_depth=1) == {"a": "[" * 100 + "{" * 100}
    with pytest.raises(InvalidRequest) as caught:
        read_json(json.dumps({"a": [[['\\"[[[']]]}).encode(), max_depth=3)
    assert "nested 4 levels deep" in caught.value.message


def test_the_kept_fast_schema_matches_the_installed_fhir_resources() -> None:
    """Rebuild it with ``python -m service.fhir.read.schema_check`` when this fails (an upgrade of
    fhir.resources may have changed what R4B accepts)."""
    assert tightened_schema() == json.loads(json.dumps(build_tightened_schema()))


def test_the_dates_the_schema_takes_without_asking_r4b_are_dates_r4b_accepts() -> None:
    """The date/time patterns of read/dates.py let the schema accept common values without a call
    to R4B's validators; every value they match must be one R4B accepts."""
    import datetime as dt
    import re

    from service.fhir.read.dates import SURELY_VALID
    from service.fhir.read.schema_check import _r4b_accepts

    patterns = {kind: re.compile(pattern) for kind, pattern in SURELY_VALID.items()}
    day = dt.date(1999, 1, 1)
    while day.year < 2102:  # every day of a century and more, leap years included
        assert patterns["date"].match(day.isoformat())
        day += dt.timedelta(days=1)
    rnd = random.Random(7)
    zones = ["Z", "+00:00", "-00:00", "+14:00", "-14:00", "+13:59", "+14:30", "", "+05:30"]
    matched = 0
    for _ in range(20000):
        text = f"{rnd.choice([rnd.randint(0, 9999), 1900, 2000, 2023, 2024]):04d}"
        text += f"-{rnd.randint(0, 13):02d}-{rnd.randint(0, 32):02d}"
        if rnd.random() < 0.7:
            text += f"T{rnd.randint(0, 25):02d}:{rnd.randint(0, 61):02d}:{rnd.randint(0, 61):02d}"
            if rnd.random() < 0.5:
                text += "." + "7" * rnd.randint(1, 12)
            text += rnd.choice(zones)
        for kind in ("date", "dateTime", "instant"):
            if patterns[kind].match(text):
                matched += 1
                assert _r4b_accepts(kind, text), (kind, text)
        clock = text.partition("T")[2][:8]
        if patterns["time"].match(clock):
            assert _r4b_accepts("time", clock), clock
    assert matched > 5000
