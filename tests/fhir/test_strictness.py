"""The service is at least as strict as fhir.resources R4B: a differential test (issue 6).

Most requests no longer run the R4B models: :func:`service.fhir.read.schema_check.fast_valid` (the
official R4 JSON schema, tightened to R4B) accepts them first, and R4B runs only on what it does
not accept. That is safe only if the fast check never accepts what R4B rejects. Each input here
goes to R4B (``Model.model_validate``, the naive peer) and to the service, and every input R4B
rejects must be

- refused by the fast check, the whole document and every resource in it on its own; and
- rejected by the service (a :class:`~service.errors.ServiceError`: 400, 413 or 422; never a
  500, never a ClinicalImpression).

The inputs: the documents of the ``tests/fhir/test_parse*.py`` cases (and their element
variations applied to an exam Observation); the official R4 examples in
``../shared/fhir-r4-examples`` when that folder is there; and thousands of deterministic
mutations (seeded) of the sample bundles and of those examples: dropped elements, wrong JSON
types, strings for numbers, bad codes and dates, unknown elements, wrong nesting, empty values,
two choices of one ``value[x]``, primitive extensions without content, foreign resource types.
"""

from __future__ import annotations

import copy
import importlib
import json
import random
import typing as t
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from service.errors import ServiceError
from service.fhir.read.request import parse_request
from service.fhir.read.schema_check import FAST_TYPES, fast_valid
from service.fhir.read.structure import resource_slots
from terminology import Table

TESTS = Path(__file__).parents[1]
SAMPLES = TESTS / "data" / "samples"
EXAMPLES = Path(__file__).parents[3] / "shared" / "fhir-r4-examples"
PARSE_TESTS = sorted(p.stem for p in Path(__file__).parent.glob("test_parse*.py"))


# -- the two judges -----------------------------------------------------------------------------


def r4b_accepts(document: dict[str, t.Any]) -> bool:
    """fhir.resources R4B's verdict on a whole resource (any exception is a refusal)."""
    try:
        get_fhir_model_class(document["resourceType"]).model_validate(document)
    except Exception:  # noqa: BLE001 (pydantic, KeyError, TypeError...: all say "invalid")
        return False
    return True


def service_rejects(document: dict[str, t.Any], table: Table) -> bool:
    """The service's verdict: True when parsing the request raises a ServiceError (4xx)."""
    try:
        parse_request(document, table)
    except ServiceError:
        return True
    return False


def request_of(resource: dict[str, t.Any]) -> dict[str, t.Any]:
    """What a client would post: Bundles, Parameters and Observations as they are, other
    resources in a collection Bundle."""
    if resource.get("resourceType") in ("Bundle", "Parameters", "Observation"):
        return resource
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource}]}


def resources_in(document: t.Any, path: str = "X") -> t.Iterator[dict[str, t.Any]]:
    """Every resource of *document* on its own, nested resources taken out (as R4B is run)."""
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        return
    shell, nested = resource_slots(document, path)
    yield shell
    for item, item_path in nested:
        yield from resources_in(item, item_path)


def check(document: dict[str, t.Any], table: Table) -> str | None:
    """None when the invariant holds for *document*, else what broke."""
    for shell in resources_in(document):
        if shell["resourceType"] in FAST_TYPES and fast_valid(shell) and not r4b_accepts(shell):
            return f"the fast check accepts a {shell['resourceType']} that R4B rejects"
    if r4b_accepts(document):
        return None
    if fast_valid(document):
        return "the fast check accepts a document that R4B rejects"
    if not service_rejects(document, table):
        return "the service accepts a document that R4B rejects"
    return None


def assert_invariant(documents: t.Iterable[tuple[str, dict[str, t.Any]]], table: Table) -> int:
    """Check every (label, document); returns how many R4B rejected (the test is not vacuous)."""
    broken, rejected = [], 0
    for label, document in documents:
        problem = check(document, table)
        if problem:
            broken.append(f"{label}: {problem}: {json.dumps(document)[:400]}")
        rejected += not r4b_accepts(document)
    assert not broken, "\n".join(broken[:10])
    return rejected


# -- inputs: the parse tests' cases -------------------------------------------------------------


def _values(node: t.Any) -> t.Iterator[t.Any]:
    """Every value inside parametrize arguments (tuples, lists, pytest.param)."""
    if hasattr(node, "values") and hasattr(node, "marks"):  # pytest.param(...)
        node = node.values
    if isinstance(node, (tuple, list)):
        for item in node:
            yield from _values(item)
    else:
        yield node


def parse_test_documents() -> list[tuple[str, dict[str, t.Any]]]:
    """Documents from the parse tests: every resource in their cases, and every element dict
    of their cases applied to the shared exam Observation."""
    from .test_parse import bundle, exam

    found: list[tuple[str, dict[str, t.Any]]] = []
    for name in PARSE_TESTS:
        module = importlib.import_module(f"tests.fhir.{name}")
        candidates: list[t.Any] = []
        for attribute in vars(module).values():
            if isinstance(attribute, list):
                candidates.extend(_values(attribute))
            for mark in getattr(attribute, "pytestmark", ()):
                if mark.name == "parametrize" and len(mark.args) > 1:
                    candidates.extend(_values(list(mark.args[1])))
        for value in candidates:
            if not isinstance(value, dict) or not value:
                continue
            if isinstance(value.get("resourceType"), str):
                found.append((f"{name} case", request_of(copy.deepcopy(value))))
            elif all(isinstance(key, str) and key[:1].islower() for key in value):
                resource = exam("reflex-achilles", valueInteger=2)
                resource.pop("valueInteger")
                resource.update({k: v for k, v in copy.deepcopy(value).items() if v is not None})
                found.append((f"{name} elements", bundle(resource)))
    return found


# -- inputs: samples, official examples, mutations ---------------------------------------------


def sample_documents() -> list[dict[str, t.Any]]:
    return [
        json.loads(path.read_text("utf-8"))
        for path in sorted(SAMPLES.glob("*.json"))
        if not path.name.endswith(".expected.json")
    ]


def example_documents() -> list[dict[str, t.Any]]:
    if not EXAMPLES.is_dir():
        return []
    out = []
    for path in sorted(EXAMPLES.glob("*.json")):
        resource = json.loads(path.read_text("utf-8"))
        if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str):
            out.append(request_of(resource))
    return out


BAD_DATES = (
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "yesterday",
    "2024-5-2",
    "0000",
    "2024-05-02T09:10:00",
    "2024-05-02T09:10Z",
    "2024-05-02T25:00:00Z",
    "2024-05-02T09:10:00+14:30",
    "2016-12-31T23:59:60Z",
    "24:00:00",
    "23:59:60",
    "2024-05-02T09:10:00.1234567891Z",
    "2024-05-02 09:10:00Z",
)
ODD_VALUES: tuple[t.Any, ...] = (
    None,
    "",
    [],
    {},
    0,
    -1,
    1.5,
    2**31,
    2**31 - 1,
    -(2**31) - 1,
    True,
    False,
    "x y",
    " lead",
    "trail ",
    "a\u00a0b",
    "\u000b",
    "\f",
    "urn:uuid:not-a-uuid",
    "urn:oid:1.2.03",
    "::",
    "http://exa mple.org",
    "bad id!",
    "a" * 65,
    "a" * 256,
    "bW9vbw==",
    "not base64!",
    "#",
    "Patient/123",
    "1e5",
    "2",
    "true",
    [None],
    [1],
    [""],
    {"extension": []},
    {"id": "x"},
    {"url": "u"},
    1e300,
    -0.0,
    "\u0000",
    "<div>x</div>",
)
ADDED_ELEMENTS = (
    "bogus",
    "_bogus",
    "performerName",
    "triggeredBy",
    "fhir_comments",
    "resourceType",
    "_status",
    "_code",
    "valueBoolean",
    "valueInteger",
    "valueString",
    "effectivePeriod",
    "effectiveDateTime",
    "modifierExtension",
    "extension",
    "id",
    "text",
    "contained",
    "url",
    "valueUrl",
    "valueUuid",
)
ADDED_VALUES: tuple[t.Any, ...] = ODD_VALUES + (
    {"url": "http://example.org/x"},
    [{"url": "http://example.org/x", "valueString": "s"}],
    [{"url": "http://example.org/x", "valueString": "s", "valueBoolean": True}],
    {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'},
    [{"resourceType": "MedicinalProduct", "id": "m"}],
    [{"resourceType": "Patient", "id": "p", "birthDate": "2024-02-30"}],
    [
        {
            "resourceType": "BodyStructure",
            "id": "b",
            "patient": {"reference": "Patient/p"},
            "locationQualifier": {"text": "left"},
        }
    ],
    {"start": "2024-05-02T09:10:00Z", "end": "2024-05-02"},
)
PRIMITIVE_EXTENSIONS: tuple[t.Any, ...] = (
    {},
    {"extension": []},
    {"id": "x"},
    None,
    [{}],
    {"extension": [{"url": "http://example.org/x", "valueCode": "y"}]},
)


def _nodes(
    node: t.Any, path: tuple[t.Any, ...] = ()
) -> t.Iterator[tuple[tuple[t.Any, ...], t.Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _nodes(value, (*path, i))


def mutate(document: dict[str, t.Any], rnd: random.Random) -> tuple[t.Any, str]:
    """One random edit of a copy of *document*, and its name."""
    document = copy.deepcopy(document)
    path, node = rnd.choice(list(_nodes(document)))
    parent: t.Any = document
    for step in path[:-1]:
        parent = parent[step]

    def put(value: t.Any) -> t.Any:
        if not path:
            return value
        parent[path[-1]] = value
        return document

    edit = rnd.randrange(13)
    if edit == 0 and isinstance(node, dict) and node:
        key = rnd.choice(sorted(node))
        del node[key]
        return document, f"drop {key}"
    if edit == 1:
        return put(copy.deepcopy(rnd.choice(ODD_VALUES))), "odd value"
    if edit == 2 and isinstance(node, dict):
        key = rnd.choice(ADDED_ELEMENTS)
        node[key] = copy.deepcopy(rnd.choice(ADDED_VALUES))
        return document, f"add {key}"
    if edit == 3 and isinstance(node, str):
        return put(rnd.choice(BAD_DATES)), "bad date"
    if edit == 4 and path:
        return put([node]), "wrapped in a list"
    if edit == 5 and isinstance(node, list) and node:
        return put(node[0]), "list unwrapped"
    if edit == 6 and path:
        return put({"value": node}), "nested one level deeper"
    if edit == 7 and isinstance(node, (int, float)) and not isinstance(node, bool):
        return put(rnd.choice([str(node), node + 0.5, -node - 1, True])), "number changed"
    if edit == 8 and isinstance(node, str):
        return put(
            rnd.choice(
                [
                    1,
                    2.5,
                    True,
                    node + " ",
                    " " + node,
                    node.upper(),
                    node + "\n",
                    "",
                    node.replace("-", " "),
                    node + "\u00a0",
                ]
            )
        ), "string changed"
    if edit == 9 and isinstance(node, dict) and "resourceType" in node:
        node["resourceType"] = rnd.choice(
            ["observation", "Nonsense", "MedicinalProduct", "Patient", "Bundle", "", None]
        )
        return document, "resourceType changed"
    if edit == 10 and isinstance(node, list):
        node.append(copy.deepcopy(rnd.choice(ADDED_VALUES)))
        return document, "item appended"
    if edit == 11 and isinstance(node, dict):
        for key in sorted(node):
            if key[:1].islower() and not isinstance(node[key], (dict, list)):
                if rnd.random() < 0.5:
                    del node[key]
                node["_" + key] = copy.deepcopy(rnd.choice(PRIMITIVE_EXTENSIONS))
                return document, f"primitive extension _{key}"
    if edit == 12 and isinstance(node, bool):
        return put(rnd.choice(["true", 1, 0, None])), "boolean changed"
    return document, "unchanged"


def mutants(seed: int, count: int) -> t.Iterator[tuple[str, dict[str, t.Any]]]:
    """*count* mutated requests: one or two edits of a sample entry (in a one-entry Bundle) or of
    a whole sample or example."""
    rnd = random.Random(seed)
    samples, examples = sample_documents(), example_documents()
    for _ in range(count):
        if examples and rnd.random() < 0.4:
            base = rnd.choice(examples)
        else:
            base = rnd.choice(samples)
            if base.get("resourceType") == "Bundle" and base.get("entry") and rnd.random() < 0.8:
                base = {**base, "entry": [rnd.choice(base["entry"])]}
        document, what = mutate(base, rnd)
        if rnd.random() < 0.3:
            document, more = mutate(document, rnd)
            what = f"{what}, then {more}"
        if isinstance(document, dict) and isinstance(document.get("resourceType"), str):
            yield f"seed {seed}: {what}", request_of(document)


# -- the tests ----------------------------------------------------------------------------------


def test_the_parse_test_cases_rejected_by_r4b_are_rejected_by_the_service(table: Table) -> None:
    documents = parse_test_documents()
    assert len(documents) > 100
    assert assert_invariant(documents, table) > 20


def test_the_samples_are_accepted_by_r4b_and_judged_alike(table: Table) -> None:
    documents = [(f"sample {i}", d) for i, d in enumerate(sample_documents())]
    assert assert_invariant(documents, table) == 0


def test_the_official_examples_are_judged_alike(table: Table) -> None:
    documents = example_documents()
    if not documents:
        pytest.skip(f"{EXAMPLES} is not there (the official examples live outside the repo)")
    assert_invariant([(f"example {i}", d) for i, d in enumerate(documents)], table)


@pytest.mark.parametrize("seed", range(6))
def test_mutated_requests_rejected_by_r4b_are_rejected_by_the_service(
    table: Table, seed: int
) -> None:
    rejected = assert_invariant(mutants(seed, 400), table)
    assert rejected > 60  # the mutations do reach R4B's rules


@pytest.mark.parametrize("value", ["1.5", "[1]", '"x"', "null"])
def test_a_primitive_extension_holding_a_json_string_is_a_400_not_a_500(
    table: Table, value: str
) -> None:
    """fhir_core parses such a string as JSON and then fails with AttributeError (found by the
    mutations above); the service reports it as a structure error of the resource."""
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "_status": value,
    }
    document = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": observation}],
    }
    assert not r4b_accepts(document)
    assert service_rejects(document, table)
