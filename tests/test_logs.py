"""The logs: one JSON object per line, each with the request id, and never any patient data.

An exam whose patient id, names, identifiers and free texts are distinctive marker strings is
posted (and the markers are also put in query strings, in headers, in an unsafe X-Request-ID,
in a refused 400 and 422, and in the message of an exception behind a 500). Every log record is
captured twice: by ``caplog`` (the records themselves, whatever a handler would make of them)
and by ``capfd`` (the JSON lines the service's own handler writes on standard error). No marker
may appear in either, and every line on standard error must be JSON carrying a request id.

Every marker contains ``zqx``, which no UUID, timestamp or message of the service can contain, so
the search also catches a marker that was cut or re-cased.
"""

from __future__ import annotations

import json
import logging
import re
import typing as t
import uuid

import pytest

from service import create_app
from service.logs import JsonFormatter
from terminology import NEURO_EXAM, SNOMED
from tests.conftest import FHIR_HEADERS

OPERATION = "/fhir/ClinicalImpression/$localize-root"
TOKEN = "zqx"
PATIENT = "zqxPid4417"
FAMILY = "Quetzalzqxfamily"
GIVEN = "Ysoldezqxgiven"
MRN = "MRN-ZQX-771903"
EXAM_ID = "EXAM-ZQX-5521"
NOTE = "numbness since the zqx fall on the stairs"
SITE_TEXT = "left foot, where the zqx scar is"
MARKERS = (PATIENT, FAMILY, GIVEN, MRN, EXAM_ID, NOTE, SITE_TEXT)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def observation(
    obs_id: str, code: str, *, patient: str = PATIENT, **more: t.Any
) -> dict[str, t.Any]:
    return {
        "resourceType": "Observation",
        "id": obs_id,
        "identifier": [{"system": "urn:oid:1.2.3.4", "value": f"{MRN}-{obs_id}"}],
        "status": "final",
        "code": {"coding": [{"system": NEURO_EXAM, "code": code}], "text": NOTE},
        "subject": {"reference": f"Patient/{patient}", "display": f"{GIVEN} {FAMILY}"},
        "effectiveDateTime": "2026-11-20T10:00:00+01:00",
        "note": [{"text": NOTE}],
        **more,
    }


LEFT = {
    "extension": [
        {
            "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier",
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "7771000"}]},
        }
    ]
}


def exam(patient_of_second: str = PATIENT) -> dict[str, t.Any]:
    """A left L5 exam whose every free-text and identifying element is a marker."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "identifier": {"system": "https://ehr.example.org/exam", "value": EXAM_ID},
        "entry": [
            {
                "fullUrl": f"https://ehr.example.org/fhir/Patient/{PATIENT}",
                "resource": {
                    "resourceType": "Patient",
                    "id": PATIENT,
                    "identifier": [{"system": "urn:mrn", "value": MRN}],
                    "name": [{"family": FAMILY, "given": [GIVEN], "text": NOTE}],
                },
            },
            {
                "resource": observation(
                    "o1",
                    "light-touch",
                    valueInteger=1,
                    bodySite={
                        **LEFT,
                        "coding": [{"system": SNOMED, "code": "2402003"}],
                        "text": SITE_TEXT,
                    },
                )
            },
            {
                "resource": observation(
                    "o2",
                    "great-toe-extension",
                    patient=patient_of_second,
                    valueInteger=3,
                    bodySite={**LEFT, "text": SITE_TEXT},
                    method={"text": NOTE},
                )
            },
            {
                "resource": observation(
                    "o3", "reflex-medial-hamstring", valueString="1+", bodySite=dict(LEFT)
                )
            },
        ],
    }


HEADERS = {
    **FHIR_HEADERS,
    "X-Request-ID": f"{PATIENT} {FAMILY}",  # not a safe token: replaced, never echoed
    "X-Patient-Name": f"{GIVEN} {FAMILY}",
    "User-Agent": f"ehr-client/1.0 ({MRN})",
    "Referer": f"https://ehr.example.org/chart/{PATIENT}",
    "Cookie": f"session={EXAM_ID}",
    "Authorization": f"Bearer {PATIENT}.{MRN}",
}


@pytest.fixture
def app(tmp_path: t.Any) -> t.Any:
    return create_app(
        {"TESTING": True, "SQLITE_PATH": str(tmp_path / "logs.sqlite3"), "LOG_LEVEL": "DEBUG"}
    )


@pytest.fixture
def stderr_json(app: t.Any, capfd: pytest.CaptureFixture[str]) -> t.Callable[[], str]:
    """A reader of what the service's JSON handler writes on stderr from now on (the lines of
    the app's start, before any request, are dropped)."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "neuroroot-json")
    assert isinstance(handler.formatter, JsonFormatter)
    capfd.readouterr()
    return lambda: capfd.readouterr().err


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record, rendered every way a handler could: message, arguments, extra
    attributes, and the default and JSON formatters (exception text included)."""
    plain = logging.Formatter("%(name)s %(levelname)s %(message)s")
    parts = []
    for record in caplog.records:
        parts += [
            record.getMessage(),
            repr(record.args),
            repr(vars(record)),
            plain.format(record),
            JsonFormatter().format(record),
        ]
    return "\n".join(parts)


def lines(text: str) -> list[dict[str, t.Any]]:
    """The JSON objects of *text*, one per line; fails on a line that is not JSON."""
    out = []
    for line in text.splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                pytest.fail(f"a log line on stderr is not JSON: {line[:200]!r}")
    return out


def assert_no_marker(text: str) -> None:
    assert TOKEN not in text.lower(), _context(text)
    for marker in MARKERS:
        assert marker not in text


def _context(text: str) -> str:
    at = text.lower().find(TOKEN)
    return f"a marker was logged: ...{text[max(at - 200, 0) : at + 100]}..."


def test_the_request_id_is_the_callers_safe_token_or_a_new_uuid(client: t.Any) -> None:
    for safe in ("ehr-req.42_A", "urn:uuid:5f0c2a1e-0d4f-4c43-9a1e-2f8d6f1c0001", "a" * 200):
        echoed = client.get("/fhir/metadata", headers={"X-Request-ID": safe})
        assert echoed.headers["X-Request-ID"] == safe
    for unsafe in ("two words", "a" * 201, "id;drop", "ünïcode", "", "<script>", "id\t"):
        made = client.get("/fhir/metadata", headers={"X-Request-ID": unsafe})
        assert UUID.match(made.headers["X-Request-ID"]), (unsafe, made.headers["X-Request-ID"])
    first = client.get("/fhir/metadata").headers["X-Request-ID"]
    second = client.get("/fhir/metadata").headers["X-Request-ID"]
    assert UUID.match(first) and first != second


def test_every_log_line_is_json_with_the_request_id_of_its_response(
    app: t.Any, stderr_json: t.Callable[[], str]
) -> None:
    client = app.test_client()
    ids = []
    for path in ("/fhir/metadata", "/fhir/CodeSystem/nope", "/healthz"):
        ids.append(client.get(path).headers["X-Request-ID"])
    ids.append(
        client.post(
            OPERATION, data=json.dumps(exam()), headers={**FHIR_HEADERS, "X-Request-ID": "caller-7"}
        ).headers["X-Request-ID"]
    )
    logged = lines(stderr_json())
    assert logged, "nothing was logged on stderr"
    assert all(entry.get("request_id") for entry in logged), logged
    access = [entry for entry in logged if entry["logger"] == "neuroroot.access"]
    assert [entry["request_id"] for entry in access] == ids
    assert ids[-1] == "caller-7"
    for entry in access:
        assert {"time", "level", "message", "method", "path", "status", "duration_ms"} <= set(entry)
    assert [entry["status"] for entry in access] == [200, 404, 200, 200]


def test_no_patient_data_reaches_the_logs_from_bodies_queries_headers_or_errors(
    app: t.Any,
    caplog: pytest.LogCaptureFixture,
    stderr_json: t.Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    statuses = []

    def send(method: str, path: str, body: t.Any = None) -> t.Any:
        data = body if isinstance(body, bytes) else (json.dumps(body) if body is not None else None)
        response = client.open(path, method=method, data=data, headers=HEADERS)
        statuses.append(response.status_code)
        assert UUID.match(response.headers["X-Request-ID"])
        return response

    stored = send("POST", OPERATION, exam())
    assert stored.status_code == 200, stored.get_json()
    result_id = stored.get_json()["id"]
    send("POST", f"{OPERATION}?_pretty=true&note={NOTE}&{PATIENT}={MRN}", exam())
    send("GET", f"/fhir/ClinicalImpression?subject=Patient/{PATIENT}&patient={PATIENT}")
    send("GET", f"/fhir/ClinicalImpression?subject={FAMILY}%20{GIVEN}")  # 400: not a reference
    send("GET", f"/fhir/ClinicalImpression?{MRN}={PATIENT}")  # 400: unknown parameter
    send("GET", f"/fhir/Provenance?target=ClinicalImpression/{result_id}")
    send("GET", f"/fhir/Provenance?target=Patient/{PATIENT}&_x={MRN}")  # 400: unknown
    send("GET", f"/fhir/ConceptMap/$translate?system={SNOMED}&code={MRN}")
    # refused requests: malformed JSON, an unknown element, two patients, a bad grade
    send("POST", OPERATION, f'{{"resourceType": "Bundle", "name": "{FAMILY}", oops}}'.encode())
    send("POST", OPERATION, dict(exam(), **{f"{PATIENT}Field": NOTE}))
    send("POST", OPERATION, exam(patient_of_second=f"{PATIENT}-twin"))
    bad_grade = exam()
    bad_grade["entry"][3]["resource"]["valueString"] = f"{GIVEN}+"
    send("POST", OPERATION, bad_grade)

    def broken_renderer(assessment: t.Any, parsed: t.Any, *args: t.Any) -> t.NoReturn:
        # an internal bug whose exception message quotes the input, as real ones do
        raise ValueError(f"cannot render {parsed.subject} for {parsed.identifier}")

    monkeypatch.setattr("service.fhir.operation.render_impression", broken_renderer)
    crashed = send("POST", OPERATION, dict(exam(), identifier={"value": f"{EXAM_ID}-2"}))

    assert statuses == [200, 200, 200, 400, 400, 200, 400, 200, 400, 400, 422, 422, 500]
    assert TOKEN not in crashed.get_data(as_text=True).lower()
    assert any(record.levelno >= logging.ERROR for record in caplog.records), (
        "the 500 was not logged"
    )
    assert_no_marker(everything_logged(caplog))
    written = stderr_json()
    assert_no_marker(written)
    logged = lines(written)
    assert len([e for e in logged if e["logger"] == "neuroroot.access"]) == len(statuses)
    assert all(entry.get("request_id") for entry in logged)


def test_the_500_log_line_keeps_the_traceback_but_not_the_exception_message(
    app: t.Any, stderr_json: t.Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise KeyError(PATIENT)

    monkeypatch.setattr("service.api.localize.run_operation", broken)
    response = app.test_client().post(OPERATION, data=json.dumps(exam()), headers=FHIR_HEADERS)
    assert response.status_code == 500
    errors = [e for e in lines(stderr_json()) if e["level"] == "ERROR"]
    assert len(errors) == 1
    entry = errors[0]
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert "KeyError" in entry["message"]
    assert "Traceback" in entry["exception"] and "broken" in entry["exception"]
    assert "KeyError" in entry["exception"]
    assert_no_marker(json.dumps(entry))


def test_a_generated_request_id_is_a_fresh_uuid4(client: t.Any) -> None:
    made = client.get("/healthz").headers["X-Request-ID"]
    assert uuid.UUID(made).version == 4
