"""openapi.yaml against the real app on a live loopback server, with schemathesis.

The app (SQLite store in a temporary directory) is served by werkzeug's ``make_server`` in a
thread on a free 127.0.0.1 port; schemathesis (4.x, Python API) generates requests for every
operation of openapi.yaml (its examples, coverage cases and fuzzed cases, positive and negative)
and sends them over real HTTP. Checked on every answer:

* ``not_a_server_error``: no 5xx;
* ``response_schema_conformance``, ``content_type_conformance``, ``response_headers_conformance``
  and ``status_code_conformance``: the answer is what openapi.yaml says it is;
* :func:`fhir_resources_are_valid_r4`: every FHIR resource in a body passes the two R4
  validators of tests/validation.py.

The request bodies of ``$localize-root`` are made meaningful by a schema hook: besides the
document's own example and the schema's random objects, they are generated exams from the real
terminology table (tests/strategies.py), whole or with random edits, so the ClinicalImpression
answers are checked too, not only the OperationOutcomes.

Runs are bounded and repeatable: ``derandomize=True``, 25 examples per operation, no deadline.
"""

from __future__ import annotations

import threading
import typing as t
from pathlib import Path

import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from service import create_app
from terminology import load_table
from tests.strategies import exam_bundle, exams, near_miss_documents
from tests.validation import assert_valid_r4

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
OPERATION_PATH = "/fhir/ClinicalImpression/$localize-root"
TABLE = load_table()

schema = schemathesis.openapi.from_path(OPENAPI)

def fhir_resources_are_valid_r4(ctx: t.Any, response: t.Any, case: t.Any) -> bool | None:
    """A schemathesis check: a FHIR JSON body holding a resource is valid R4."""
    content_type = ",".join(response.headers.get("content-type", []))
    if "json" not in content_type or not response.content:
        return None
    body = response.json()
    if isinstance(body, dict) and "resourceType" in body:
        assert_valid_r4(body)
    return True


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    status_code_conformance,
    fhir_resources_are_valid_r4,
]

BOUNDED = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@schema.hook
def flatmap_body(context: t.Any, body: t.Any) -> st.SearchStrategy[t.Any]:
    """``$localize-root`` bodies: the generated one, a real exam, or an exam with random edits."""
    operation = getattr(context, "operation", None)
    if operation is None or operation.path != OPERATION_PATH or not isinstance(body, dict):
        return st.just(body)
    return st.one_of(
        st.just(body),
        exams(TABLE, min_size=1, max_size=5).map(exam_bundle),
        near_miss_documents(TABLE),
    )


@schema.hook
def flatmap_query(context: t.Any, query: t.Any) -> st.SearchStrategy[t.Any]:
    """``$localize-root`` queries: as generated, or without the random ``_format`` (a random
    ``_format`` is a 406 before the body is read, which would leave the bodies untested)."""
    operation = getattr(context, "operation", None)
    if operation is None or operation.path != OPERATION_PATH or not isinstance(query, dict):
        return st.just(query)
    return st.sampled_from([{k: v for k, v in query.items() if k != "_format"}, query])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[str]:
    """The real app on a free 127.0.0.1 port, with its own SQLite file; yields the base URL."""
    path = tmp_path_factory.mktemp("schemathesis") / "store.sqlite3"
    app = create_app({"SQLITE_PATH": str(path)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def session() -> t.Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_without_server_errors_and_as_openapi_yaml_says(
    case: t.Any, live_server: str, session: requests.Session
) -> None:
    case.call_and_validate(base_url=live_server, session=session, checks=CHECKS)


def test_the_openapi_example_exam_is_answered_left_l5_and_stored(
    live_server: str, session: requests.Session
) -> None:
    """The request example of openapi.yaml, over HTTP: a stored left L5 ClinicalImpression."""
    document = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    content = document["paths"][OPERATION_PATH]["post"]["requestBody"]["content"]
    example = content["application/fhir+json"]["examples"]["leftL5"]["value"]
    response = session.post(
        live_server + OPERATION_PATH,
        json=example,
        headers={"Content-Type": "application/fhir+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:800]
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    impression = response.json()
    assert_valid_r4(impression)
    assert impression["summary"].startswith("Most likely: left L5 radiculopathy")
    assert response.headers["ETag"].startswith('W/"')
    stored = session.get(response.headers["Content-Location"], timeout=30)
    assert stored.status_code == 200
    assert stored.json()["id"] == impression["id"]
