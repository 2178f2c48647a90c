"""openapi.yaml against the real app, in-process, with schemathesis and ALL its checks.

The app (SQLite store in a temporary directory) is called through its WSGI interface (no
socket, no network); schemathesis (4.x, Python API) generates requests for every operation of
openapi.yaml in its three phases (the document's examples, coverage cases, fuzzed cases), in
both generation modes (positive: requests the document allows; negative: requests it forbids),
and runs every check it registers (:data:`CHECKS`, asserted to be all of them):

* ``not_a_server_error``: no 5xx;
* ``status_code_conformance``, ``content_type_conformance``, ``response_headers_conformance``,
  ``response_schema_conformance``: the answer is what openapi.yaml says it is;
* ``positive_data_acceptance``: a request the document allows is accepted (2xx, or 401, 403,
  404, 409; and 422 on ``$localize-root`` only, which no schema can rule out: a well-formed exam
  without a usable neuro finding);
* ``negative_data_rejection``: a request the document forbids is refused with a 4xx;
* ``missing_required_header``, ``unsupported_method`` (405 with Allow),
  ``allow_header_conformance``;
* ``use_after_free``, ``ensure_resource_availability``, ``ignored_auth``,
  ``object_level_authorization`` (no-ops here: results are never deleted, and access control
  is off in this app, as openapi.yaml's ``security: [{}]`` alternative says);

and :func:`fhir_resources_are_valid_r4`: every FHIR resource in a body passes the two R4
validators of tests/validation.py. FHIR XML answers (``_format=xml``) are read back to FHIR
JSON (:func:`fhir_xml`), so the same schemas and validators hold them.

The request bodies of ``$localize-root`` are made meaningful by a schema hook: besides the
document's own example and the schema's random objects, they are generated exams from the real
terminology table (tests/strategies.py), whole or with random edits, so the ClinicalImpression
answers are checked too, not only the OperationOutcomes.

Runs are bounded and repeatable: ``derandomize=True`` (the same cases on every run),
:data:`MAX_EXAMPLES` fuzzed cases per operation and mode, no deadline; the whole module takes
about 30 s on a 2-core machine.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig

from service import create_app
from service.fhir.read.xml_body import read_xml
from terminology import load_table
from tests.validation import assert_valid_r4

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
OPERATION_PATH = "/fhir/ClinicalImpression/$localize-root"
TABLE = load_table()
MAX_EXAMPLES = 25

#: 422 is "well-formed but unusable" (no neuro finding, two patients, for ISNCSCI nothing usable
#: or an item given twice with different values...), which a schema cannot express; every
#: other status a valid request may get is schemathesis' default.
#: $validate takes any FHIR resource and reports what $localize-root would refuse in a 200; only
#: the rules of its Parameters wrapper (stated in openapi.yaml's prose: one `resource`, `mode`
#: create, nothing else) are a 400 no schema of "any resource" can rule out.
#: A CDS hook call may also get 412: patient-view without the prefetch and without a FHIR server
#: on NEUROROOT_CDS_FHIR_SERVERS (none in this app) cannot get the exams (openapi.yaml says so).
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-operation-id": operation_id,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [
                            "2xx",
                            "3xx",
                            "401",
                            "403",
                            "404",
                            "409",
                            "422",
                            "429",
                        ]
                    }
                },
            }
            for operation_id in ("localizeRoot", "classifyIsncsci")
        ]
        + [
            {
                "include-operation-id": "validateExam",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [
                            "2xx",
                            "3xx",
                            "400",
                            "401",
                            "403",
                            "404",
                            "409",
                            "429",
                        ]
                    }
                },
            },
            {
                "include-operation-id": "cdsCall",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [
                            "2xx",
                            "3xx",
                            "401",
                            "403",
                            "404",
                            "409",
                            "412",
                            "422",
                            "429",
                        ]
                    }
                },
            },
        ],
    }
)

schema = schemathesis.openapi.from_path(OPENAPI, config=CONFIG)


@schemathesis.deserializer("application/fhir+xml")
def fhir_xml(ctx: t.Any, response: t.Any) -> t.Any:
    """FHIR XML answers (``_format=xml``, Accept) read as the FHIR JSON of the same resource, so
    response_schema_conformance holds them to the same schemas as the JSON answers (schemathesis'
    generic XML reading knows nothing of FHIR's value attributes)."""
    return read_xml(response.content)


def fhir_resources_are_valid_r4(ctx: t.Any, response: t.Any, case: t.Any) -> bool | None:
    """A schemathesis check: a FHIR JSON or XML body holding a resource is valid R4."""
    content_type = ",".join(response.headers.get("content-type", []))
    if not response.content or not ("json" in content_type or "fhir+xml" in content_type):
        return None
    body = read_xml(response.content) if "fhir+xml" in content_type else response.json()
    if isinstance(body, dict) and "resourceType" in body:
        assert_valid_r4(body)
    return True


load_all_checks()
#: every check schemathesis registers (its CLI's ``--checks all``), and ours.
CHECKS = [*REGISTERED.get_all(), fhir_resources_are_valid_r4]

BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


TRANSLATE_PATH = "/fhir/ConceptMap/$translate"


def _one_concept(names: list[str]) -> bool:
    """openapi.yaml's rule for $translate, which its schema language cannot state: ``coding``,
    or ``code`` with ``system``; each input at most once."""
    if len(names) != len(set(names)):
        return False
    given = set(names) & {"system", "code", "coding"}
    return given in ({"coding"}, {"code", "system"})


@schema.hook
def filter_query(context: t.Any, query: t.Any) -> bool:
    """GET $translate: only queries that follow the one-concept rule of openapi.yaml."""
    operation = getattr(context, "operation", None)
    if operation is None or operation.path != TRANSLATE_PATH or operation.method.lower() != "get":
        return True
    return not isinstance(query, dict) or _one_concept(list(query))


CDS_CALL_PATH = "/cds-services/{id}"
CDS_HOOKS = {
    "neuroroot-patient-view": "patient-view",
    "neuroroot-exam-sign": "org.neuroroot.exam-sign",
}


def _fits_the_cds_service(service_id: t.Any, body: t.Any) -> bool:
    """openapi.yaml's rules for a hook call that its schema cannot tie to the path: the body's
    ``hook`` is the called service's, and ``fhirAuthorization`` comes with ``fhirServer``."""
    if not isinstance(body, dict):
        return True
    if "fhirAuthorization" in body and "fhirServer" not in body:
        return False
    return service_id not in CDS_HOOKS or body.get("hook") == CDS_HOOKS[service_id]


def _breaks_a_cds_rule(case: t.Any) -> bool:
    if case.operation.path != CDS_CALL_PATH or case.method.lower() != "post":
        return False
    service_id = (case.path_parameters or {}).get("id")
    return not _fits_the_cds_service(service_id, case.body)


@schema.hook("filter_case")
def cds_call_fits_its_service(context: t.Any, case: t.Any) -> bool:
    """POST /cds-services/{id}: only bodies for the called service (see above)."""
    return not _breaks_a_cds_rule(case)


@schema.hook
def filter_body(context: t.Any, body: t.Any) -> bool:
    """POST $translate: only bodies that follow the one-concept rule of openapi.yaml."""
    operation = getattr(context, "operation", None)
    if operation is None or operation.path != TRANSLATE_PATH or operation.method.lower() != "post":
        return True
    parameters = body.get("parameter") if isinstance(body, dict) else None
    if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
        return True
    return _one_concept([str(p.get("name")) for p in parameters])


@pytest.fixture(scope="module")
def wsgi_app(tmp_path_factory: pytest.TempPathFactory) -> t.Any:
    """The real app with its own SQLite file, called in-process through WSGI."""
    path = tmp_path_factory.mktemp("schemathesis") / "store.sqlite3"
    return create_app({"SQLITE_PATH": str(path)})


def test_every_check_schemathesis_has_runs() -> None:
    names = {getattr(check, "__name__", type(check).__name__) for check in CHECKS}
    assert {
        "positive_data_acceptance",
        "negative_data_rejection",
        "not_a_server_error",
        "response_schema_conformance",
        "unsupported_method",
        "missing_required_header",
        "use_after_free",
        "ignored_auth",
    } <= names
    assert len(CHECKS) == len(REGISTERED.get_all()) + 1 >= 14


def _forges_a_cursor(case: t.Any) -> bool:
    """A ``_cursor`` is opaque: the server issues it in a Bundle's links and refuses one it did
    not issue (400), which no schema can describe. Generated cursors are filtered out below;
    the examples and coverage phases may still send one, which must be refused."""
    if case.method.lower() not in ("get", "post"):
        return False  # OPTIONS answers the preflight, whatever the query
    query = case.query if isinstance(case.query, dict) else {}
    body = case.body if isinstance(case.body, dict) else {}
    content_type = {k.lower(): v for k, v in (case.headers or {}).items()}.get("content-type")
    if content_type not in (None, "application/x-www-form-urlencoded"):
        body = {}  # a mutated Content-Type: the WSGI transport sends no form body at all
    return "_cursor" in query or "_cursor" in body


@schema.hook("filter_query")
def no_forged_cursor(context: t.Any, query: t.Any) -> bool:
    return not (isinstance(query, dict) and "_cursor" in query)


def _breaks_the_one_concept_rule(case: t.Any) -> bool:
    if _forges_a_cursor(case):
        return True
    if case.operation.path != TRANSLATE_PATH:
        return False
    if case.method.lower() == "get":
        return isinstance(case.query, dict) and not _one_concept(list(case.query))
    return not filter_body(case, case.body)


@schema.parametrize()
@BOUNDED
def test_every_operation_passes_every_schemathesis_check(case: t.Any, wsgi_app: t.Any) -> None:
    """Every check, on every case. The examples and coverage phases are not filtered by the
    hooks above: a $translate case that breaks the one-concept rule, or a CDS hook call whose
    body is not for the service called (rules stated in openapi.yaml's prose, not expressible in
    its schema), must then be refused with a 400, instead of being accepted as its schema alone
    would suggest."""
    if _breaks_a_cds_rule(case):  # examples and coverage phases: must be refused
        response = case.call(app=wsgi_app)
        assert response.status_code in (400, 404, 405, 406, 415), response.text[:400]
        return
    if not _breaks_the_one_concept_rule(case):
        case.call_and_validate(app=wsgi_app, checks=CHECKS)
        return
    checks = [c for c in CHECKS if getattr(c, "__name__", "") != "positive_data_acceptance"]
    response = case.call_and_validate(app=wsgi_app, checks=checks)
    assert response.status_code in (400, 405, 406), response.text[:400]


def test_the_openapi_example_exam_is_answered_left_l5_and_stored(wsgi_app: t.Any) -> None:
    """The request example of openapi.yaml: a stored left L5 ClinicalImpression."""
    document = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    content = document["paths"][OPERATION_PATH]["post"]["requestBody"]["content"]
    example = content["application/fhir+json"]["examples"]["leftL5"]["value"]
    client = wsgi_app.test_client()
    response = client.post(
        OPERATION_PATH, json=example, headers={"Content-Type": "application/fhir+json"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    impression = response.get_json()
    assert_valid_r4(impression)
    assert impression["summary"].startswith("Most likely: left L5 radiculopathy")
    assert response.headers["ETag"].startswith('W/"')
    stored = client.get(response.headers["Content-Location"])
    assert stored.status_code == 200
    assert stored.get_json()["id"] == impression["id"]
