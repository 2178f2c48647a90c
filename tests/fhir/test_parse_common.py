"""The one-pass reader of common Observations (``read.common_observation``) changes no answer.

Every request is read twice, with the one-pass reader on and off (the general reader alone);
the two readings, or the two refusals, must be equal. The inputs: the sample exams, the parse
test files, the official FHIR R4 examples, generated exams, and generated Observations edited
in the ways the one-pass reader has to notice (a second coding, a side in the text, a
post-coordinated site, a score out of range, a value type it does not read...). A last test
makes sure the one-pass reader really reads the common shape, so that it cannot silently decline
everything.
"""

from __future__ import annotations

import copy
import json
import typing as t
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.bundles import exam_bundle as benchmark_exam
from service.errors import ServiceError
from service.fhir.read import request as parse
from service.fhir.read.common_observation import read_common
from service.fhir.read.request import parse_request
from service.fhir.read.sites import BODY_SITE_EXTENSION
from terminology import NEURO_EXAM, SNOMED, Table, load_table

from ..strategies import (
    LATERALITY_URL,
    SIDE_CODES,
    exam_bundle,
    exam_items,
    exams,
    near_miss_documents,
    to_observation,
)

DATA = Path(__file__).parents[1] / "data"
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "fhir-r4-examples"
TABLE = load_table()
PROPERTY = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _outcome(document: t.Any, table: Table) -> t.Any:
    """What parse_request makes of *document*: the reading, or the refusal (type and issues)."""
    try:
        return parse_request(copy.deepcopy(document), table)
    except ServiceError as error:
        return (type(error).__name__, error.issues)


def assert_same_reading(document: t.Any, table: Table) -> t.Any:
    with_common = _outcome(document, table)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "read_common", lambda *_args: None)
        general = _outcome(document, table)
    assert with_common == general
    return with_common


def _files() -> list[Path]:
    files = [p for p in sorted((DATA / "samples").glob("*.json")) if ".expected" not in p.name]
    files += sorted((DATA / "parse").glob("*.json"))
    if EXAMPLES.is_dir():
        files += sorted(EXAMPLES.glob("*.json"))
    return files


@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_files_read_the_same(path: Path, table: Table) -> None:
    assert_same_reading(json.loads(path.read_text("utf-8")), table)


@PROPERTY
@given(data=st.data())
def test_generated_exams_read_the_same(data: st.DataObject, table: Table) -> None:
    items = data.draw(exams(table, min_size=1, max_size=6))
    assert_same_reading(exam_bundle(items), table)


@PROPERTY
@given(document=near_miss_documents(TABLE))
def test_near_misses_read_the_same(document: t.Any) -> None:
    assert_same_reading(document, TABLE)


def _edits(table: Table) -> st.SearchStrategy[t.Callable[[dict[str, t.Any]], None]]:
    """Edits of one Observation, each touching something the one-pass reader must notice."""
    findings = sorted(table.findings.values(), key=lambda row: (row.system, row.code))
    some_finding = st.sampled_from(findings)
    sites = sorted(code for (_system, code) in table.sites)

    def set_path(*path: t.Any) -> t.Callable[[t.Any], t.Callable[[dict[str, t.Any]], None]]:
        def with_value(value: t.Any) -> t.Callable[[dict[str, t.Any]], None]:
            def edit(observation: dict[str, t.Any]) -> None:
                node = observation
                for key in path[:-1]:
                    node = node.setdefault(key, {})
                node[path[-1]] = copy.deepcopy(value)

            return edit

        return with_value

    def extend(path: str, item: t.Any) -> t.Callable[[dict[str, t.Any]], None]:
        def edit(observation: dict[str, t.Any]) -> None:
            observation.setdefault("bodySite", {}).setdefault(path, []).append(copy.deepcopy(item))

        return edit

    def drop(name: str) -> t.Callable[[dict[str, t.Any]], None]:
        return lambda observation: observation.pop(name, None)

    def clear_values(observation: dict[str, t.Any]) -> None:
        for name in [k for k in observation if k.startswith("value") or k == "interpretation"]:
            del observation[name]

    def then(
        first: t.Callable[[dict[str, t.Any]], None], second: t.Callable[[dict[str, t.Any]], None]
    ) -> t.Callable[[dict[str, t.Any]], None]:
        return lambda observation: (first(observation), second(observation))

    texts = st.sampled_from(
        ["left leg", "Right", "both sides", "left and right", "bilateral", "", "dorsum", "LEFT"]
    )
    side_codes = st.sampled_from([*SIDE_CODES.values(), "419161000", " 7771000 ", "123037004"])
    site_codes = st.sampled_from(
        [*sites[:20], "6417001:272741003=7771000", " 2402003", "2402003 |Dorsum|", "12345", "x"]
    )
    a_coding = st.builds(
        lambda row: {"system": row.system, "code": row.code}, some_finding
    ) | st.sampled_from([{"system": SNOMED, "code": "349006"}, {"code": "light-touch"}])
    # the codings that state a result (interpretation and result codes), drawn as often as the rest
    results = [row for row in findings if row.kind == "value"]
    a_result = st.sampled_from([{"system": row.system, "code": row.code} for row in results])
    some_coding = a_result | a_coding
    return st.one_of(
        texts.map(set_path("bodySite", "text")),
        side_codes.map(
            lambda code: extend(
                "extension",
                {
                    "url": LATERALITY_URL,
                    "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code}]},
                },
            )
        ),
        st.just(
            extend(
                "extension",
                {"url": BODY_SITE_EXTENSION, "valueReference": {"reference": "BodyStructure/b"}},
            )
        ),
        site_codes.map(lambda code: extend("coding", {"system": SNOMED, "code": code})),
        site_codes.map(
            lambda code: set_path("bodySite", "coding")([{"system": SNOMED, "code": code}])
        ),
        st.just(extend("coding", {"system": "http://example.org/sites", "code": "2402003"})),
        a_coding.map(lambda c: set_path("code", "coding")([c])),
        a_coding.map(lambda c: lambda o: o["code"]["coding"].append(c)),
        st.integers(-2, 7).map(lambda n: then(clear_values, set_path("valueInteger")(n))),
        st.booleans().map(lambda b: then(clear_values, set_path("valueBoolean")(b))),
        a_coding.map(
            lambda c: then(clear_values, set_path("valueCodeableConcept")({"coding": [c]}))
        ),
        st.sampled_from(["2+", "NT", "3"]).map(
            lambda s: then(clear_values, set_path("valueString")(s))
        ),
        st.just(then(clear_values, set_path("valueQuantity")({"value": 4}))),
        st.just(clear_values),
        st.sampled_from(["preliminary", "amended", "cancelled", "entered-in-error", "unknown"]).map(
            set_path("status")
        ),
        st.just(set_path("method")({"coding": [{"system": NEURO_EXAM, "code": "hip-flexion"}]})),
        st.just(set_path("dataAbsentReason")({"text": "not done"})),
        st.just(set_path("component")([{"code": {"text": "x"}, "valueInteger": 1}])),
        st.just(drop("bodySite")),
        # an interpretation, alone or beside a value, of one or two codings, or two of them
        st.lists(some_coding, min_size=1, max_size=2).map(
            lambda codings: set_path("interpretation")([{"coding": codings}])
        ),
        st.lists(a_result, min_size=2, max_size=2).map(
            lambda codings: set_path("interpretation")([{"coding": [c]} for c in codings])
        ),
        a_result.map(lambda c: then(clear_values, set_path("interpretation")([{"coding": [c]}]))),
        a_result.map(
            lambda c: then(clear_values, set_path("valueCodeableConcept")({"coding": [c]}))
        ),
    )


@PROPERTY
@given(data=st.data())
def test_edited_observations_read_the_same(data: st.DataObject, table: Table) -> None:
    items = data.draw(st.lists(exam_items(table), min_size=1, max_size=3))
    observations = [to_observation(item, f"o{i}") for i, item in enumerate(items)]
    for observation in observations:
        for edit in data.draw(st.lists(_edits(table), min_size=0, max_size=3)):
            edit(observation)
    document = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": observation} for observation in observations],
    }
    assert_same_reading(document, table)


def test_the_common_shape_is_read_in_one_pass(table: Table) -> None:
    """Every Observation of the benchmark's full exam (scores, coded and text sides, motor
    Observations without a site code) is read by the one-pass reader, not declined."""
    document = json.loads(benchmark_exam(132, table))
    observations = [entry["resource"] for entry in document["entry"]]
    read = [read_common(observation, "ref", table) for observation in observations]
    assert all(finding is not None for finding in read)
    assert [f.ref for f in parse_request(document, table).findings] == [
        f"Observation/{o['id']}" for o in observations
    ]
