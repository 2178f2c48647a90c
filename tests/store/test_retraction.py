"""Retracting a stored result as entered in error (PATCH), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import typing as t
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from service import create_app
from service.store import Store
from service.store.migrate import upgrade
from service.store.records import VersionedId
from tests.api.test_auth import Keys, bearer, mint, settings
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
OPERATION = "/fhir/ClinicalImpression/$localize-root"
PATCH = {"Content-Type": "application/json-patch+json", "Accept": "application/fhir+json"}
RETRACT = [{"op": "replace", "path": "/status", "value": "entered-in-error"}]


def sample(name: str = "l5-left") -> dict[str, t.Any]:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def app(db_url: str) -> t.Iterator[Flask]:
    app = create_app({"TESTING": True, "DATABASE_URL": db_url})
    yield app
    app.extensions["store"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def create(client: FlaskClient, name: str = "l5-left") -> dict[str, t.Any]:
    response = client.post(OPERATION, data=json.dumps(sample(name)), headers=FHIR_HEADERS)
    assert response.status_code == 200
    return t.cast(dict[str, t.Any], response.get_json())


def retract(client: FlaskClient, id_: str, body: t.Any = None, **headers: str) -> t.Any:
    return client.patch(
        f"/fhir/ClinicalImpression/{id_}",
        data=json.dumps(RETRACT if body is None else body),
        headers={**PATCH, **headers},
    )


def test_retraction_makes_version_2_keeps_version_1_and_records_a_provenance(
    client: FlaskClient,
) -> None:
    first = create(client)
    id_ = first["id"]
    response = retract(client, id_, **{"If-Match": 'W/"1"'})
    assert response.status_code == 200, response.get_data(as_text=True)
    retracted = response.get_json()
    assert_valid_r4(retracted)
    assert retracted["status"] == "entered-in-error" and retracted["meta"]["versionId"] == "2"
    assert response.headers["ETag"] == 'W/"2"'
    assert response.headers["Content-Location"].endswith(f"/ClinicalImpression/{id_}/_history/2")
    assert {k: v for k, v in retracted.items() if k not in {"status", "meta"}} == {
        k: v for k, v in first.items() if k not in {"status", "meta"}
    }
    # read: the current version; vread: both
    assert client.get(f"/fhir/ClinicalImpression/{id_}").get_json() == retracted
    assert client.get(f"/fhir/ClinicalImpression/{id_}/_history/1").get_json() == first
    assert client.get(f"/fhir/ClinicalImpression/{id_}/_history/2").get_json() == retracted
    assert client.get(f"/fhir/ClinicalImpression/{id_}/_history/3").status_code == 404
    # two Provenances: the creation (version 1), the retraction (version 2)
    bundle = client.get(f"/fhir/Provenance?target=ClinicalImpression/{id_}").get_json()
    targets = sorted(e["resource"]["target"][0]["reference"] for e in bundle["entry"])
    assert targets == [
        f"ClinicalImpression/{id_}/_history/1",
        f"ClinicalImpression/{id_}/_history/2",
    ]
    only = client.get(f"/fhir/Provenance?target=ClinicalImpression/{id_}/_history/2").get_json()
    (entry,) = only["entry"]
    provenance = entry["resource"]
    assert_valid_r4(provenance)
    assert provenance["activity"]["coding"][0]["code"] == "NULLIFY"
    assert provenance["entity"] == [
        {"role": "revision", "what": {"reference": f"ClinicalImpression/{id_}/_history/1"}}
    ]
    assert provenance["agent"][0]["who"]["reference"] == "#neuroroot"  # no auth: the service
    assert provenance["recorded"] >= first["date"][:19]
    assert client.get(f"/fhir/Provenance/{provenance['id']}").get_json() == provenance


def test_retracted_results_drop_out_of_searches_unless_asked_for(client: FlaskClient) -> None:
    kept, gone = create(client, "l5-left"), create(client, "s1-right")
    assert retract(client, gone["id"]).status_code == 200

    def ids(query: str) -> set[str]:
        bundle = client.get(f"/fhir/ClinicalImpression{query}").get_json()
        assert bundle["total"] == len(bundle.get("entry", []))
        return {e["resource"]["id"] for e in bundle.get("entry", [])}

    assert ids("") == {kept["id"]}
    assert ids("?status=entered-in-error") == {gone["id"]}
    assert ids("?status=completed,entered-in-error") == {kept["id"], gone["id"]}
    assert ids("?status=completed") == {kept["id"]}
    assert client.get("/fhir/ClinicalImpression?status=bogus").status_code == 400


def test_retracting_again_changes_nothing(client: FlaskClient) -> None:
    id_ = create(client)["id"]
    first = retract(client, id_).get_json()
    again = retract(client, id_)
    assert again.status_code == 200 and again.get_json() == first
    bundle = client.get(f"/fhir/Provenance?target=ClinicalImpression/{id_}").get_json()
    assert bundle["total"] == 2


def test_a_retry_of_a_retracted_exam_is_a_409(client: FlaskClient) -> None:
    id_ = create(client)["id"]
    retract(client, id_)
    response = client.post(OPERATION, data=json.dumps(sample()), headers=FHIR_HEADERS)
    assert response.status_code == 409
    issue = response.get_json()["issue"][0]
    assert "retracted" in issue["diagnostics"] and issue["expression"] == ["Bundle.identifier"]
    no_identifier = sample()
    del no_identifier["identifier"]
    assert (
        client.post(OPERATION, data=json.dumps(no_identifier), headers=FHIR_HEADERS).status_code
        == 409
    )


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        ([{"op": "replace", "path": "/summary", "value": "x"}], 422, "ClinicalImpression.summary"),
        (
            [{"op": "replace", "path": "/status", "value": "completed"}],
            422,
            "ClinicalImpression.status",
        ),
        ([{"op": "remove", "path": "/status"}], 422, "ClinicalImpression.status"),
        (
            [{"op": "test", "path": "/status", "value": "completed"}],
            422,
            "ClinicalImpression.status",
        ),
        ({"op": "replace"}, 400, "http.body"),
        ([], 400, "http.body"),
    ],
)
def test_only_a_retraction_is_allowed(
    client: FlaskClient, body: t.Any, status: int, where: str
) -> None:
    first = create(client)
    response = retract(client, first["id"], body)
    assert response.status_code == status
    outcome = response.get_json()
    assert_valid_r4(outcome)
    assert where in outcome["issue"][0]["expression"]
    assert client.get(f"/fhir/ClinicalImpression/{first['id']}").get_json() == first


def test_if_match_on_another_version_is_412_and_changes_nothing(client: FlaskClient) -> None:
    first = create(client)
    response = retract(client, first["id"], **{"If-Match": 'W/"7"'})
    assert response.status_code == 412
    assert response.get_json()["issue"][0]["expression"] == ["http.If-Match"]
    # a lost update (VersionMismatch), not CDS Hooks' "the data is missing" (incomplete)
    assert response.get_json()["issue"][0]["code"] == "conflict"
    assert client.get(f"/fhir/ClinicalImpression/{first['id']}").get_json() == first


def test_a_failed_test_op_is_a_409_and_changes_nothing(client: FlaskClient) -> None:
    first = create(client)
    body = [{"op": "test", "path": "/status", "value": "in-progress"}, *RETRACT]
    assert retract(client, first["id"], body).status_code == 409
    body = [{"op": "test", "path": "/status", "value": "completed"}, *RETRACT]
    assert retract(client, first["id"], body).status_code == 200


def test_media_type_and_unknown_id(client: FlaskClient) -> None:
    first = create(client)
    response = client.patch(
        f"/fhir/ClinicalImpression/{first['id']}", data=json.dumps(RETRACT), headers=FHIR_HEADERS
    )
    assert response.status_code == 415
    assert retract(client, "no-such-id").status_code == 404


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def test_with_auth_the_scope_is_u_and_the_agent_is_the_client(
    db_url: str, tmp_path: Path, keys: Keys
) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(keys.jwks()))
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, **settings(str(jwks))})
    client = app.test_client()
    try:
        writer = bearer(
            mint(keys, "system/ClinicalImpression.cr system/Provenance.s", client_id="ehr-a")
        )
        created = client.post(
            OPERATION, data=json.dumps(sample()), headers={**FHIR_HEADERS, **writer}
        ).get_json()
        refused = retract(client, created["id"], **writer)
        assert refused.status_code == 403 and "ClinicalImpression.u" in refused.get_data(
            as_text=True
        )
        editor = bearer(mint(keys, "system/ClinicalImpression.u", client_id="ehr-a"))
        assert retract(client, created["id"], **editor).status_code == 200
        bundle = client.get(
            f"/fhir/Provenance?target=ClinicalImpression/{created['id']}/_history/2", headers=writer
        ).get_json()
        who = bundle["entry"][0]["resource"]["agent"][0]["who"]
        assert who["identifier"]["value"] == "client_id:ehr-a"
        assert_valid_r4(bundle["entry"][0]["resource"])
    finally:
        app.extensions["store"].close()


def test_the_retraction_is_audited_as_an_update(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    id_ = create(client)["id"]
    retract(client, id_)
    lines = (tmp_path / "audit.ndjson").read_text().splitlines()
    event = json.loads(lines[-1])
    assert_valid_r4(event)
    assert event["action"] == "U" and event["subtype"][0]["code"] == "patch"
    names = [e.get("what", {}).get("reference") for e in event["entity"]]
    assert f"ClinicalImpression/{id_}" in names


def test_the_migration_keeps_results_stored_before_it_searchable_and_retractable(
    db_url: str,
) -> None:
    upgrade(db_url, revision="0002")
    engine = create_engine(db_url)
    impression = {
        "resourceType": "ClinicalImpression",
        "id": "old",
        "status": "completed",
        "meta": {"versionId": "1", "lastUpdated": "2026-01-01T00:00:00.000Z"},
        "subject": {"reference": "Patient/p"},
    }
    provenance = {
        "resourceType": "Provenance",
        "id": "old-p",
        "target": [{"reference": "ClinicalImpression/old/_history/1"}],
    }
    when = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO clinical_impression (id, version_id, last_updated, subject, date, "
                "content_key, client_key, resource) "
                "VALUES ('old', '1', :t, 'Patient/p', :t, 'k', '', "
                ":r)"
            ),
            {"t": when, "r": json.dumps(impression)},
        )
        connection.execute(
            text(
                "INSERT INTO provenance (id, impression_id, version_id, last_updated, resource) "
                "VALUES ('old-p', 'old', '1', :t, :r)"
            ),
            {"t": when, "r": json.dumps(provenance)},
        )
    engine.dispose()
    upgrade(db_url)
    store = Store.from_url(db_url)
    try:
        page = store.search("ClinicalImpression")
        assert page.total == 1 and page.results[0].impression == impression
        retracted = store.retract("old", {"resourceType": "Provenance", "recorded": "x"})
        assert retracted is not None and retracted.version_id == "2"
        page = store.search("ClinicalImpression")
        assert page.total == 0 and page.results == []
        asked = store.search("ClinicalImpression", [("status", ("entered-in-error",))])
        assert asked.total == 1 and asked.results[0].version_id == "2"
        provenances = store.search(
            "Provenance", [("target", (VersionedId("old", None),))], sort="_lastUpdated"
        )
        assert {p.provenance["id"] for p in provenances.results} == {
            "old-p",
            retracted.provenance["id"],
        }
        assert store.get_version("old", "1") == impression
    finally:
        store.close()
