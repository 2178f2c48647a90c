"""Negative input, through the HTTP test client: one row per bad request, never a 500.

Each row says what is sent (method, path, headers, body, and the app's limits when they matter)
and what must come back: the status, the issue type of the OperationOutcome, and the element its
``expression`` names (or that it names none, when no element is at fault: a body that is not
JSON, a wrong method, an unknown path). Every answer is ``application/fhir+json`` and a valid R4
OperationOutcome (fhir.resources R4B and the official R4 JSON schema); every 405 says ``Allow``.

tests/api/test_conformance.py has the first rows of this kind (GET on the operation, XML, R5
Content-Type, ``{not json``, a Patient, a Bundle without findings, the two 413s, the 500); this
table extends them rather than repeating them.
"""

from __future__ import annotations

import copy
import json
import typing as t
from dataclasses import dataclass, field

import pytest

from service import create_app
from service.core.model import Polarity, Side
from terminology import SNOMED
from tests.strategies import INTERPRETATION, ExamItem, exam_bundle
from tests.validation import assert_valid_r4

OPERATION = "/fhir/ClinicalImpression/$localize-root"
JSON_ONLY = {"Content-Type": "application/fhir+json"}
NO_ELEMENT = None  # the outcome names no element (expression absent from every issue)

#: A small left L5 exam: [0] light touch impaired at the dorsum of the foot (ISNCSCI 1),
#: [1] medial hamstring reflex reduced (1), [2] great toe extension MRC 3, [3] plantar response
#: normal (grade 0, an upper-motor-neuron sign). All left, all about Patient/p.
EXAM_ITEMS = (
    ExamItem("sensory", "2402003", "light-touch", Polarity.DECREASED, Side.LEFT, 1),
    ExamItem(
        "dtr",
        "reflex-medial-hamstring",
        "reflex-medial-hamstring",
        Polarity.DECREASED,
        Side.LEFT,
        1,
    ),
    ExamItem(
        "motor", "great-toe-extension", "great-toe-extension", Polarity.DECREASED, Side.LEFT, 3
    ),
    ExamItem("umn", "plantar-response", "plantar-response", Polarity.NORMAL, Side.LEFT, 0),
)


def exam() -> dict[str, t.Any]:
    """A fresh copy of the exam Bundle."""
    return exam_bundle(EXAM_ITEMS)


def encode(document: t.Any) -> bytes:
    return json.dumps(document).encode()


def bundle_with(change: t.Callable[[dict[str, t.Any]], t.Any]) -> bytes:
    """The exam Bundle after *change* (which edits it in place), as bytes."""
    document = exam()
    change(document)
    return encode(document)


def entry(document: dict[str, t.Any], index: int) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], document["entry"][index]["resource"])


def observation_with(change: t.Callable[[dict[str, t.Any]], t.Any], index: int = 0) -> bytes:
    """One Observation of the exam, edited, posted bare (read as one ``observation``)."""
    observation = copy.deepcopy(entry(exam(), index))
    change(observation)
    return encode(observation)


def parameters(*observations: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "observation", "resource": o} for o in observations],
    }


def nested(depth: int) -> bytes:
    """A Bundle whose first Observation carries an extension nested *depth* levels in all."""
    inner: dict[str, t.Any] = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(depth):
        inner = {"url": "http://example.org/branch", "extension": [inner]}
    document = exam()
    entry(document, 0)["extension"] = [inner]
    return encode(document)


@dataclass(frozen=True)
class Row:
    """One bad request and the answer it must get."""

    name: str
    status: int
    code: str
    expression: str | None
    body: bytes = b""
    method: str = "post"
    path: str = OPERATION
    headers: t.Mapping[str, str] = field(default_factory=lambda: dict(JSON_ONLY))
    config: tuple[tuple[str, t.Any], ...] = ()
    allow: str | None = None
    says: str | None = None  # a phrase the diagnostics must contain
    marks: tuple[t.Any, ...] = ()


def _set(path: str, value: t.Any, index: int = 0) -> t.Callable[[dict[str, t.Any]], None]:
    """An edit setting ``path`` (dotted, in entry *index*'s Observation) to *value*."""

    def change(document: dict[str, t.Any]) -> None:
        node = entry(document, index)
        *parents, last = path.split(".")
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[last] = value

    return change


def _del(name: str, index: int = 0) -> t.Callable[[dict[str, t.Any]], None]:
    return lambda document: entry(document, index).pop(name)


def _both(*changes: t.Callable[[dict[str, t.Any]], t.Any]) -> t.Callable[[dict[str, t.Any]], None]:
    def change(document: dict[str, t.Any]) -> None:
        for one in changes:
            one(document)

    return change


def _value_string(index: int, text: str) -> t.Callable[[dict[str, t.Any]], None]:
    return _both(_del("valueInteger", index), _set("valueString", text, index))


E0, E1, E2, E3 = (f"Bundle.entry[{i}].resource" for i in range(4))
R5_ONLY = "R5-only element"
ROWS: list[Row] = [
    # -- not JSON, or JSON the service refuses to read (400 structure, no element) -------------
    Row(
        "invalid JSON: a trailing comma",
        400,
        "structure",
        NO_ELEMENT,
        b'{"resourceType": "Bundle", "type": "collection",}',
    ),
    Row("invalid JSON: a truncated document", 400, "structure", NO_ELEMENT, encode(exam())[:150]),
    Row(
        "invalid JSON: single-quoted strings",
        400,
        "structure",
        NO_ELEMENT,
        b"{'resourceType': 'Bundle'}",
    ),
    Row(
        "invalid UTF-8: a Latin-1 byte inside a string",
        400,
        "structure",
        NO_ELEMENT,
        b'{"resourceType": "Bundle", "type": "collection", "id": "caf\xe9"}',
        says="not valid UTF-8",
    ),
    Row(
        "invalid UTF-8: the body encoded as UTF-16",
        400,
        "structure",
        NO_ELEMENT,
        json.dumps(exam()).encode("utf-16"),
    ),
    Row(
        "an unpaired UTF-16 surrogate escape",
        400,
        "structure",
        NO_ELEMENT,
        b'{"resourceType": "Bundle", "type": "collection", "id": "\\ud800"}',
        says="unpaired UTF-16 surrogate",
    ),
    Row(
        "NaN as a number",
        400,
        "structure",
        NO_ELEMENT,
        bundle_with(_set("valueInteger", 0)).replace(b'"valueInteger": 0', b'"valueInteger": NaN'),
        says="NaN is not a JSON number",
    ),
    Row(
        "Infinity as a number",
        400,
        "structure",
        NO_ELEMENT,
        bundle_with(_set("valueInteger", 0)).replace(
            b'"valueInteger": 0', b'"valueInteger": Infinity'
        ),
        says="Infinity is not a JSON number",
    ),
    Row(
        "-Infinity as a number",
        400,
        "structure",
        NO_ELEMENT,
        bundle_with(_set("valueInteger", 0)).replace(
            b'"valueInteger": 0', b'"valueInteger": -Infinity'
        ),
    ),
    Row(
        "a number too large for a double (1e999)",
        400,
        "structure",
        NO_ELEMENT,
        bundle_with(_set("valueInteger", 0)).replace(
            b'"valueInteger": 0', b'"valueInteger": 1e999'
        ),
    ),
    Row(
        "nesting one level beyond NEUROROOT_MAX_JSON_DEPTH (65 arrays)",
        400,
        "structure",
        NO_ELEMENT,
        b"[" * 65 + b"]" * 65,
        says="nested 65 levels deep, more than the limit of 64",
    ),
    Row(
        "a Bundle nested 70 levels deep through extensions",
        400,
        "structure",
        NO_ELEMENT,
        nested(35),
    ),
    Row(
        "nesting far beyond the parser's own limit (100000 arrays)",
        400,
        "structure",
        NO_ELEMENT,
        b"[" * 100_000 + b"]" * 100_000,
    ),
    Row("an empty body", 400, "structure", NO_ELEMENT, b"", says="empty"),
    Row("a body of whitespace only", 400, "structure", NO_ELEMENT, b" \n\t "),
    Row("JSON null", 400, "structure", NO_ELEMENT, b"null", says="not null"),
    Row(
        "a JSON array of resources",
        400,
        "structure",
        NO_ELEMENT,
        encode([entry(exam(), 0)]),
        says="not an array",
    ),
    Row("a JSON string", 400, "structure", NO_ELEMENT, b'"Bundle"', says="not a string"),
    # -- a resource that is not a Bundle, Parameters or Observation ----------------------------
    Row(
        "a ClinicalImpression (the output, not the input)",
        400,
        "not-supported",
        "resourceType",
        encode(
            {
                "resourceType": "ClinicalImpression",
                "status": "completed",
                "subject": {"reference": "Patient/p"},
            }
        ),
        says="or Observation",
    ),
    Row(
        "an OperationOutcome",
        400,
        "not-supported",
        "resourceType",
        encode(
            {
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "error", "code": "processing"}],
            }
        ),
    ),
    Row(
        "a BodyStructure alone",
        400,
        "not-supported",
        "resourceType",
        encode({"resourceType": "BodyStructure", "patient": {"reference": "Patient/p"}}),
    ),
    Row(
        "resourceType in lower case (bundle)",
        400,
        "not-supported",
        "resourceType",
        encode(dict(exam(), resourceType="bundle")),
    ),
    Row(
        "resourceType that is not a FHIR type",
        400,
        "not-supported",
        "resourceType",
        encode({"resourceType": "ExamBundle", "entry": []}),
    ),
    Row(
        "resourceType that is a number",
        400,
        "not-supported",
        "resourceType",
        encode({"resourceType": 7}),
    ),
    Row(
        "no resourceType at all",
        400,
        "required",
        "resourceType",
        encode({k: v for k, v in exam().items() if k != "resourceType"}),
    ),
    Row(
        "a Bundle entry that is a Patient-shaped object without resourceType",
        400,
        "required",
        "Bundle.entry[1].resource.resourceType",
        bundle_with(lambda d: d["entry"].insert(1, {"resource": {"name": [{"family": "X"}]}})),
    ),
    # -- missing required elements ----------------------------------------------------------------
    Row(
        "Bundle.type missing",
        400,
        "required",
        "Bundle.type",
        encode({k: v for k, v in exam().items() if k != "type"}),
    ),
    Row(
        "Observation.status missing",
        400,
        "required",
        f"{E1}.status",
        bundle_with(_del("status", 1)),
    ),
    Row("Observation.code missing", 400, "required", f"{E2}.code", bundle_with(_del("code", 2))),
    Row(
        "Observation.status null",
        400,
        "required",
        f"{E0}.status",
        bundle_with(_set("status", None)),
    ),
    Row(
        "a bare Observation without status",
        400,
        "required",
        "Observation.status",
        observation_with(lambda o: o.pop("status")),
    ),
    Row(
        "a bare Observation without code",
        400,
        "required",
        "Observation.code",
        observation_with(lambda o: o.pop("code")),
    ),
    Row(
        "Parameters with neither a bundle nor an observation parameter",
        400,
        "required",
        "Parameters.parameter",
        encode({"resourceType": "Parameters"}),
    ),
    Row(
        "a bundle parameter without its resource",
        400,
        "required",
        "Parameters.parameter[0].resource",
        encode({"resourceType": "Parameters", "parameter": [{"name": "bundle"}]}),
    ),
    # -- bad codes in required bindings -----------------------------------------------------------
    Row(
        "Observation.status bogus",
        400,
        "code-invalid",
        f"{E0}.status",
        bundle_with(_set("status", "bogus")),
    ),
    Row(
        "Observation.status in upper case (FINAL)",
        400,
        "code-invalid",
        f"{E3}.status",
        bundle_with(_set("status", "FINAL", 3)),
    ),
    Row(
        "Observation.status empty",
        400,
        "code-invalid",
        f"{E0}.status",
        bundle_with(_set("status", "")),
    ),
    Row(
        "Bundle.type bogus", 400, "code-invalid", "Bundle.type", encode(dict(exam(), type="bogus"))
    ),
    Row(
        "Bundle.type bogus inside the bundle parameter",
        400,
        "code-invalid",
        "Parameters.parameter[0].resource.type",
        encode(
            {
                "resourceType": "Parameters",
                "parameter": [{"name": "bundle", "resource": dict(exam(), type="bogus")}],
            }
        ),
    ),
    Row(
        "a bare Observation with status bogus",
        400,
        "code-invalid",
        "Observation.status",
        observation_with(lambda o: o.update(status="bogus")),
    ),
    Row(
        "a Parameters parameter name the operation does not have",
        400,
        "not-supported",
        "Parameters.parameter[0].name",
        encode({"resourceType": "Parameters", "parameter": [{"name": "exam", "resource": exam()}]}),
    ),
    Row(
        "an observation parameter carrying a Patient",
        400,
        "value",
        "Parameters.parameter[0].resource.resourceType",
        encode(
            {
                "resourceType": "Parameters",
                "parameter": [{"name": "observation", "resource": {"resourceType": "Patient"}}],
            }
        ),
        says="must be an Observation",
    ),
    Row(
        "both a bundle and observation parameters",
        400,
        "invalid",
        "Parameters.parameter",
        encode(
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "bundle", "resource": exam()},
                    {"name": "observation", "resource": entry(exam(), 0)},
                ],
            }
        ),
    ),
    # -- unknown elements -------------------------------------------------------------------------
    Row(
        "an unknown element on an Observation",
        400,
        "structure",
        f"{E0}.severity",
        bundle_with(_set("severity", "high")),
    ),
    Row(
        "an unknown element on the Bundle",
        400,
        "structure",
        "Bundle.patient",
        encode(dict(exam(), patient={"reference": "Patient/p"})),
    ),
    Row(
        "an unknown element inside a Coding",
        400,
        "structure",
        f"{E0}.code.coding[0].label",
        bundle_with(_set("code.coding.0.label", "light touch")),
    ),
    Row(
        "an unknown element on a bare Observation",
        400,
        "structure",
        "Observation.severity",
        observation_with(lambda o: o.update(severity="high")),
    ),
    Row(
        "an unknown element written in PascalCase (Status)",
        400,
        "structure",
        f"{E0}.Status",
        bundle_with(_set("Status", "final")),
    ),
    # -- wrong JSON types for primitives and complex elements -------------------------------------
    Row(
        'valueInteger as a string ("2")',
        400,
        "value",
        f"{E2}.valueInteger",
        bundle_with(_set("valueInteger", "2", 2)),
    ),
    Row(
        "valueInteger as a decimal (1.5)",
        400,
        "value",
        f"{E0}.valueInteger",
        bundle_with(_set("valueInteger", 1.5)),
    ),
    Row(
        "valueInteger as a boolean",
        400,
        "value",
        f"{E1}.valueInteger",
        bundle_with(_set("valueInteger", True, 1)),
    ),
    Row(
        'valueBoolean as a string ("true")',
        400,
        "value",
        f"{E0}.valueBoolean",
        bundle_with(_both(_del("valueInteger"), _set("valueBoolean", "true"))),
    ),
    Row("status as a number (5)", 400, "value", f"{E0}.status", bundle_with(_set("status", 5))),
    Row(
        "Bundle.entry as an object ({})",
        400,
        "value",
        "Bundle.entry",
        encode(dict(exam(), entry={})),
    ),
    Row(
        "Bundle.entry holding a number",
        400,
        "structure",
        "Bundle.entry[0]",
        encode(dict(exam(), entry=[1])),
    ),
    Row(
        "an entry resource that is a string",
        400,
        "structure",
        "Bundle.entry[0].resource",
        encode(dict(exam(), entry=[{"resource": "Observation/o0"}])),
    ),
    Row(
        "Observation.code as a string",
        400,
        "structure",
        f"{E0}.code",
        bundle_with(_set("code", "light-touch")),
    ),
    Row(
        "Observation.subject as a string",
        400,
        "structure",
        f"{E0}.subject",
        bundle_with(_set("subject", "Patient/p")),
    ),
    Row(
        "a code with a leading space",
        400,
        "invalid",
        f"{E0}.code.coding[0].code",
        bundle_with(_set("code.coding.0.code", " light-touch")),
    ),
    Row(
        "an id with characters FHIR ids do not allow",
        400,
        "invalid",
        f"{E0}.id",
        bundle_with(_set("id", "obs 1!")),
    ),
    Row(
        "two value[x] elements on one Observation",
        400,
        "structure",
        E0,
        bundle_with(_set("valueBoolean", True)),
    ),
    # -- R5-only elements (R4 has no such element) ------------------------------------------------
    Row(
        f"{R5_ONLY}: Observation.triggeredBy",
        400,
        "structure",
        f"{E1}.triggeredBy",
        bundle_with(
            _set(
                "triggeredBy",
                [{"observation": {"reference": "Observation/o0"}, "type": "reflex"}],
                1,
            )
        ),
    ),
    Row(
        f"{R5_ONLY}: Observation.bodyStructure",
        400,
        "structure",
        f"{E0}.bodyStructure",
        bundle_with(_set("bodyStructure", {"reference": "BodyStructure/b"})),
    ),
    Row(
        f"{R5_ONLY}: Observation.instantiatesCanonical",
        400,
        "structure",
        f"{E0}.instantiatesCanonical",
        bundle_with(_set("instantiatesCanonical", "http://example.org/ObservationDefinition/x")),
    ),
    Row(
        f"{R5_ONLY}: Observation.valueAttachment",
        400,
        "structure",
        f"{E0}.valueAttachment",
        bundle_with(
            _both(_del("valueInteger"), _set("valueAttachment", {"contentType": "text/plain"}))
        ),
    ),
    Row(
        f"{R5_ONLY}: Bundle.issues",
        400,
        "structure",
        "Bundle.issues",
        encode(
            dict(
                exam(),
                issues={
                    "resourceType": "OperationOutcome",
                    "issue": [{"severity": "information", "code": "informational"}],
                },
            )
        ),
    ),
    # -- date-times without the time zone R4 requires ---------------------------------------------
    Row(
        "effectiveDateTime with a time but no time zone",
        400,
        "value",
        f"{E0}.effectiveDateTime",
        bundle_with(_set("effectiveDateTime", "2026-11-20T10:00:00")),
    ),
    Row(
        "effectivePeriod.start with hours and minutes but no zone",
        400,
        "value",
        f"{E1}.effectivePeriod.start",
        bundle_with(
            _both(
                _del("effectiveDateTime", 1),
                _set("effectivePeriod", {"start": "2026-11-20T10:00"}, 1),
            )
        ),
    ),
    Row(
        "issued (an instant) without a time zone",
        400,
        "value",
        f"{E2}.issued",
        bundle_with(_set("issued", "2026-11-20T10:00:00.000", 2)),
    ),
    Row(
        "Bundle.timestamp without a time zone",
        400,
        "value",
        "Bundle.timestamp",
        encode(dict(exam(), timestamp="2026-11-20T10:00:00")),
    ),
    Row(
        "a bare Observation's effectiveDateTime without a zone",
        400,
        "value",
        "Observation.effectiveDateTime",
        observation_with(lambda o: o.update(effectiveDateTime="2026-11-20T10:00:00")),
    ),
    Row(
        "an impossible date (month 13)",
        400,
        "value",
        f"{E0}.effectiveDateTime",
        bundle_with(_set("effectiveDateTime", "2026-13-45")),
    ),
    # -- R4 Bundle invariants (bdl-3, bdl-5, bdl-7) -----------------------------------------------
    Row(
        "bdl-3: entry.request in a collection Bundle",
        400,
        "invariant",
        "Bundle.entry[0].request",
        bundle_with(
            lambda d: d["entry"][0].update(request={"method": "POST", "url": "Observation"})
        ),
    ),
    Row(
        "bdl-5: an entry with neither resource nor request",
        400,
        "invariant",
        "Bundle.entry[4]",
        bundle_with(
            lambda d: d["entry"].append(
                {"fullUrl": "urn:uuid:0a5e7d7e-0000-4000-8000-000000000099"}
            )
        ),
    ),
    Row(
        "bdl-7: two entries with the same fullUrl",
        400,
        "invariant",
        "Bundle.entry[1].fullUrl",
        bundle_with(lambda d: d["entry"][1].update(fullUrl=d["entry"][0]["fullUrl"])),
    ),
    # -- well-formed but unusable (422) -----------------------------------------------------------
    Row(
        "Observations about two patients",
        422,
        "business-rule",
        f"{E1}.subject",
        bundle_with(_set("subject", {"reference": "Patient/someone-else"}, 1)),
        says="2 different subjects",
    ),
    Row(
        "observation parameters about two patients",
        422,
        "business-rule",
        "Parameters.parameter[2].resource.subject",
        encode(
            parameters(
                entry(exam(), 0),
                entry(exam(), 1),
                dict(entry(exam(), 2), subject={"reference": "Patient/q"}),
            )
        ),
    ),
    Row(
        "a subject given by identifier on one and by reference on the others",
        422,
        "business-rule",
        f"{E0}.subject",
        bundle_with(_set("subject", {"identifier": {"system": "urn:mrn", "value": "1"}})),
    ),
    Row(
        "contradictory values: 299913001 impaired light touch with ISNCSCI 2 (normal)",
        422,
        "business-rule",
        f"{E0}.valueInteger",
        bundle_with(
            _both(
                _set("code", {"coding": [{"system": SNOMED, "code": "299913001"}]}),
                _set("valueInteger", 2),
            )
        ),
    ),
    Row(
        "contradictory values: interpretation N with MRC 3",
        422,
        "business-rule",
        f"{E2}.interpretation[0]",
        bundle_with(
            _set("interpretation", [{"coding": [{"system": INTERPRETATION, "code": "N"}]}], 2)
        ),
    ),
    Row(
        "contradictory values: reflex grade 2+ with interpretation L",
        422,
        "business-rule",
        f"{E1}.interpretation[0]",
        bundle_with(
            _both(
                _value_string(1, "2+"),
                _set("interpretation", [{"coding": [{"system": INTERPRETATION, "code": "L"}]}], 1),
            )
        ),
    ),
    Row(
        "contradictory sides: left extension, right post-coordinated site",
        422,
        "business-rule",
        f"{E0}.bodySite",
        bundle_with(_set("bodySite.coding.0.code", "2402003:272741003=24028007")),
    ),
    Row(
        "score out of range: ISNCSCI 7",
        422,
        "value",
        f"{E0}.valueInteger",
        bundle_with(_set("valueInteger", 7)),
        says="outside the ISNCSCI sensory score range 0-2",
    ),
    Row(
        "score out of range: ISNCSCI -1",
        422,
        "value",
        f"{E0}.valueInteger",
        bundle_with(_set("valueInteger", -1)),
    ),
    Row(
        "score out of range: MRC 9",
        422,
        "value",
        f"{E2}.valueInteger",
        bundle_with(_set("valueInteger", 9, 2)),
        says="outside the MRC muscle grade range 0-5",
    ),
    Row(
        'score out of range: MRC "9" as a string',
        422,
        "value",
        f"{E2}.valueString",
        bundle_with(_value_string(2, "9")),
    ),
    Row(
        "score out of range: reflex grade 6",
        422,
        "value",
        f"{E1}.valueInteger",
        bundle_with(_set("valueInteger", 6, 1)),
        says="outside the reflex grade range 0-4",
    ),
    Row(
        'score out of range: reflex grade "6+"',
        422,
        "value",
        f"{E1}.valueString",
        bundle_with(_value_string(1, "6+")),
        says="is not a reflex grade",
    ),
    Row(
        "score out of range: an upper motor neuron sign graded 5",
        422,
        "value",
        f"{E3}.valueInteger",
        bundle_with(_set("valueInteger", 5, 3)),
    ),
    Row(
        "score out of range on a bare Observation: ISNCSCI 7",
        422,
        "value",
        "Observation.valueInteger",
        observation_with(lambda o: o.update(valueInteger=7)),
    ),
    Row(
        "only entered-in-error Observations",
        422,
        "not-supported",
        "Bundle.entry",
        bundle_with(
            lambda d: [e["resource"].update(status="entered-in-error") for e in d["entry"]]
        ),
    ),
    Row(
        "a collection Bundle with no entries",
        422,
        "not-supported",
        NO_ELEMENT,
        encode({"resourceType": "Bundle", "type": "collection"}),
    ),
    Row(
        "Observations that are not neurological (a heart rate)",
        422,
        "not-supported",
        "Bundle.entry",
        bundle_with(
            lambda d: [
                e["resource"].update(
                    code={"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}
                )
                for e in d["entry"]
            ]
        ),
    ),
    # -- media types (415 on the body, 406 on the answer) -----------------------------------------
    Row(
        "Content-Type text/plain",
        415,
        "not-supported",
        "http.Content-Type",
        encode(exam()),
        headers={"Content-Type": "text/plain"},
    ),
    Row(
        "Content-Type form-urlencoded",
        415,
        "not-supported",
        "http.Content-Type",
        encode(exam()),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    Row(
        "Content-Type with a Latin-1 charset",
        415,
        "not-supported",
        "http.Content-Type",
        encode(exam()),
        headers={"Content-Type": "application/fhir+json; charset=iso-8859-1"},
    ),
    Row(
        "Content-Type naming FHIR STU3 (fhirVersion=3.0)",
        415,
        "not-supported",
        "http.Content-Type",
        encode(exam()),
        headers={"Content-Type": "application/fhir+json; fhirVersion=3.0"},
        says="'3.0' is not supported",
    ),
    Row(
        "Content-Type text/plain on $translate",
        415,
        "not-supported",
        "http.Content-Type",
        b"system=x",
        path="/fhir/ConceptMap/$translate",
        headers={"Content-Type": "text/plain"},
    ),
    Row(
        "Accept naming FHIR STU3 on the operation",
        406,
        "not-supported",
        "http.Accept",
        encode(exam()),
        headers={**JSON_ONLY, "Accept": "application/fhir+json; fhirVersion=3.0"},
    ),
    Row(
        "Accept 4.0 on the body but 5.0 on the answer",
        406,
        "not-supported",
        "http.Accept",
        encode(exam()),
        headers={
            "Content-Type": "application/fhir+json; fhirVersion=4.0",
            "Accept": "application/fhir+json; fhirVersion=5.0",
        },
    ),
    Row(
        "Accept text/html on the operation",
        406,
        "not-supported",
        "http.Accept",
        encode(exam()),
        headers={**JSON_ONLY, "Accept": "text/html"},
    ),
    Row(
        "Accept JSON with q=0 (explicitly not acceptable)",
        406,
        "not-supported",
        "http.Accept",
        b"",
        method="get",
        path="/fhir/CodeSystem/spinal-segment",
        headers={"Accept": "application/fhir+json;q=0, text/html"},
    ),
    Row(
        "_format=ttl (Turtle) on a read",
        406,
        "not-supported",
        "http._format",
        b"",
        method="get",
        path="/fhir/ConceptMap/site-to-segment?_format=ttl",
        headers={},
    ),
    Row(
        "_format naming FHIR STU3",
        406,
        "not-supported",
        "http._format",
        encode(exam()),
        path=f"{OPERATION}?_format=application/fhir%2Bjson;fhirVersion=3.0",
    ),
    # -- wrong methods (405 with Allow) -----------------------------------------------------------
    Row(
        "PUT on the operation",
        405,
        "not-supported",
        NO_ELEMENT,
        encode(exam()),
        method="put",
        allow="POST",
    ),
    Row(
        "a typo'd operation name ($localize-roots)",
        404,
        "not-found",
        NO_ELEMENT,
        encode(exam()),
        path="/fhir/ClinicalImpression/$localize-roots",
    ),
    Row(
        "DELETE a stored result",
        405,
        "not-supported",
        NO_ELEMENT,
        method="delete",
        path="/fhir/ClinicalImpression/abc",
        headers={},
        allow="GET, HEAD, PATCH",
    ),
    Row(
        "POST to the ClinicalImpression search (no create)",
        405,
        "not-supported",
        NO_ELEMENT,
        encode({"resourceType": "ClinicalImpression"}),
        path="/fhir/ClinicalImpression",
        allow="GET, HEAD",
    ),
    Row(
        "PUT on the CapabilityStatement",
        405,
        "not-supported",
        NO_ELEMENT,
        method="put",
        path="/fhir/metadata",
        allow="GET, HEAD",
    ),
    Row(
        "POST to a CodeSystem",
        405,
        "not-supported",
        NO_ELEMENT,
        encode({}),
        path="/fhir/CodeSystem/spinal-segment",
        allow="GET, HEAD",
    ),
    Row(
        "DELETE on $translate",
        405,
        "not-supported",
        NO_ELEMENT,
        method="delete",
        path="/fhir/ConceptMap/$translate",
        headers={},
        allow="GET, HEAD, POST",
    ),
    Row(
        "PATCH on the Provenance search",
        405,
        "not-supported",
        NO_ELEMENT,
        b"[]",
        method="patch",
        path="/fhir/Provenance",
        allow="GET, HEAD",
    ),
    Row(
        "POST to the liveness probe",
        405,
        "not-supported",
        NO_ELEMENT,
        path="/healthz",
        headers={},
        allow="GET, HEAD",
    ),
    Row(
        "POST to the OpenAPI document",
        405,
        "not-supported",
        NO_ELEMENT,
        path="/openapi.yaml",
        headers={},
        allow="GET, HEAD",
    ),
    # -- unknown paths and ids (404) --------------------------------------------------------------
    Row(
        "an unknown ClinicalImpression id",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/fhir/ClinicalImpression/does-not-exist",
        headers={},
    ),
    Row(
        "an unknown version of an unknown ClinicalImpression",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/fhir/ClinicalImpression/does-not-exist/_history/1",
        headers={},
    ),
    Row(
        "an unknown Provenance id",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/fhir/Provenance/does-not-exist",
        headers={},
    ),
    Row(
        "an unknown CodeSystem id",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/fhir/CodeSystem/nope",
        headers={},
    ),
    Row(
        "an unknown ConceptMap id",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/fhir/ConceptMap/nope",
        headers={},
    ),
    Row(
        "a resource type this server does not serve (Patient)",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/fhir/Patient/p",
        headers={},
    ),
    Row(
        "an id longer than FHIR's 64 characters",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/fhir/ClinicalImpression/" + "a" * 65,
        headers={},
    ),
    Row(
        "a path outside /fhir",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/admin",
        headers={"Accept": "text/html"},
    ),
    Row(
        "a stored result read while storage is off",
        404,
        "not-found",
        NO_ELEMENT,
        method="get",
        path="/fhir/ClinicalImpression/abc",
        headers={},
        config=(("STORE_ENABLED", False),),
    ),
    # -- over the limits (413), in apps with small limits -----------------------------------------
    Row(
        "a body over NEUROROOT_MAX_BODY_BYTES",
        413,
        "too-costly",
        NO_ELEMENT,
        encode(exam()),
        config=(("MAX_BODY_BYTES", 512),),
        says="NEUROROOT_MAX_BODY_BYTES",
    ),
    Row(
        "a $translate body over NEUROROOT_MAX_BODY_BYTES",
        413,
        "too-costly",
        NO_ELEMENT,
        encode(
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "system", "valueUri": SNOMED},
                    {"name": "code", "valueCode": "6417001"},
                    {"name": "url", "valueUri": "http://example.org/" + "x" * 600},
                ],
            }
        ),
        path="/fhir/ConceptMap/$translate",
        config=(("MAX_BODY_BYTES", 512),),
    ),
    Row(
        "more observation parameters than NEUROROOT_MAX_ENTRIES",
        413,
        "too-costly",
        "Parameters.parameter",
        encode(parameters(*(entry(exam(), i) for i in range(4)))),
        config=(("MAX_ENTRIES", 3),),
        says="NEUROROOT_MAX_ENTRIES",
    ),
    Row(
        "more entries than NEUROROOT_MAX_ENTRIES inside the bundle parameter",
        413,
        "too-costly",
        "Parameters.parameter[0].resource.entry",
        encode(
            {"resourceType": "Parameters", "parameter": [{"name": "bundle", "resource": exam()}]}
        ),
        config=(("MAX_ENTRIES", 3),),
    ),
    Row(
        "too many entries even when every entry is broken (checked first)",
        413,
        "too-costly",
        "Bundle.entry",
        encode(dict(exam(), entry=[{"resource": 1}] * 4)),
        config=(("MAX_ENTRIES", 3),),
    ),
]


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> t.Callable[..., t.Any]:
    """A test client per configuration (created once), each app with its own SQLite file."""
    made: dict[tuple[tuple[str, t.Any], ...], t.Any] = {}

    def client(config: tuple[tuple[str, t.Any], ...] = ()) -> t.Any:
        if config not in made:
            path = tmp_path_factory.mktemp("negative") / "store.sqlite3"
            app = create_app({"TESTING": True, "SQLITE_PATH": str(path), **dict(config)})
            made[config] = app.test_client()
        return made[config]

    return client


def assert_outcome(response: t.Any, status: int, code: str, expression: str | None) -> None:
    """*response* is the expected status with an R4 OperationOutcome naming *expression*."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:600]
    assert response.content_type.startswith("application/fhir+json"), response.content_type
    outcome = response.get_json()
    assert_valid_r4(outcome)
    issues = outcome["issue"]
    assert all(
        issue["severity"] in {"error", "fatal"} and issue["diagnostics"].strip() for issue in issues
    ), issues
    if expression is NO_ELEMENT:
        assert issues[0]["code"] == code, issues
        assert not any("expression" in issue for issue in issues), issues
    else:
        matching = [issue for issue in issues if expression in issue.get("expression", ())]
        assert matching, f"no issue names {expression}: {issues}"
        assert matching[0]["code"] == code, matching[0]


@pytest.mark.parametrize("row", [pytest.param(row, id=row.name, marks=row.marks) for row in ROWS])
def test_a_bad_request_answers_its_status_with_an_operation_outcome(
    clients: t.Callable[..., t.Any], row: Row
) -> None:
    client = clients(row.config)
    response = client.open(
        row.path, method=row.method.upper(), data=row.body, headers=dict(row.headers)
    )
    assert_outcome(response, row.status, row.code, row.expression)
    if row.says is not None:
        diagnostics = [issue["diagnostics"] for issue in response.get_json()["issue"]]
        assert any(row.says in text for text in diagnostics), diagnostics
    if row.status == 405:
        assert response.headers.get("Allow") == row.allow
    else:
        assert row.allow is None


def test_row_names_are_unique() -> None:
    names = [row.name for row in ROWS]
    assert len(names) == len(set(names))


def test_the_exam_the_rows_start_from_is_itself_accepted(clients: t.Callable[..., t.Any]) -> None:
    """Every row is one edit away from a good request: the unedited exam answers 200."""
    response = clients((("STORE_ENABLED", False),)).post(
        OPERATION, data=encode(exam()), headers=JSON_ONLY
    )
    assert response.status_code == 200, response.get_json()
    impression = response.get_json()
    assert_valid_r4(impression)
    assert "left L5 radiculopathy" in impression["summary"]


def test_a_bare_observation_is_read_as_one_finding_not_refused(
    clients: t.Callable[..., t.Any],
) -> None:
    """Not a negative case: a single Observation as the body is accepted on purpose."""
    response = clients((("STORE_ENABLED", False),)).post(
        OPERATION, data=observation_with(lambda o: None, index=1), headers=JSON_ONLY
    )
    assert response.status_code == 200, response.get_json()
    impression = response.get_json()
    assert_valid_r4(impression)
    assert [i["reference"] for i in impression["investigation"][0]["item"]] == ["Observation/o1"]


@pytest.mark.parametrize(
    ("name", "limit"), [("MAX_BODY_BYTES", "body"), ("MAX_ENTRIES", "entries")]
)
def test_a_request_exactly_at_a_limit_is_accepted(
    clients: t.Callable[..., t.Any], name: str, limit: str
) -> None:
    body = encode(exam())
    config = ((name, len(body)),) if limit == "body" else ((name, len(exam()["entry"])),)
    response = clients(config).post(OPERATION, data=body, headers=JSON_ONLY)
    assert response.status_code == 200, response.get_json()


def test_the_depth_limit_is_exactly_neuroroot_max_json_depth(
    clients: t.Callable[..., t.Any],
) -> None:
    """64 levels of nesting pass the JSON reader (and then fail as FHIR); 65 do not."""
    at_limit = clients().post(OPERATION, data=b"[" * 64 + b"]" * 64, headers=JSON_ONLY)
    over = clients().post(OPERATION, data=b"[" * 65 + b"]" * 65, headers=JSON_ONLY)
    assert at_limit.status_code == over.status_code == 400
    assert "nested" not in at_limit.get_json()["issue"][0]["diagnostics"]
    assert "nested 65 levels deep" in over.get_json()["issue"][0]["diagnostics"]
