"""CDS Hooks 2.0 against the protocol: every request sent here is validated against the
specification's shapes (tests/data/cds-hooks/*.schema.json, written from the 2.0.1 text) and
every answer against the response schemas (or as an R4 OperationOutcome)."""

from __future__ import annotations

import json
import re
import time
import typing as t
from pathlib import Path

import pytest

from service import create_app
from service.cds.fetch import allowed_server
from tests.cds_support import (
    FhirServer,
    Keys,
    assert_valid,
    call,
    check_answer,
    exam_sign,
    hook_request,
    sample,
    searchset,
    send_feedback,
    subject_id,
)
from tests.validation import assert_valid_r4

PV, ES = "neuroroot-patient-view", "neuroroot-exam-sign"
ROOT_NAME = re.compile(r"\b[CTLS]\d(?:-\d)?\b|radiculopathy", re.IGNORECASE)


@pytest.fixture
def fhir_server() -> t.Iterator[FhirServer]:
    server = FhirServer()
    yield server
    server.close()


def make_app(tmp_path: Path, **config: t.Any) -> t.Any:
    return create_app({"TESTING": True, "SQLITE_PATH": str(tmp_path / "cds.sqlite3"), **config})


# --- discovery -------------------------------------------------------------------------------


def test_discovery_lists_both_services_with_hooks_and_the_exams_prefetch(client: t.Any) -> None:
    response = client.get("/cds-services")
    body = check_answer(response, "discovery")
    services = {s["id"]: s for s in body["services"]}
    assert services["neuroroot-patient-view"]["hook"] == "patient-view"
    assert services["neuroroot-patient-view"]["prefetch"] == {
        "exams": "Observation?patient={{context.patientId}}&category=exam&_sort=-date&_count=500"
    }
    assert services["neuroroot-exam-sign"]["hook"] == "org.neuroroot.exam-sign"
    assert all(s["title"] and s["description"] for s in services.values())


def test_a_get_on_a_service_is_405_and_an_unknown_service_404(client: t.Any) -> None:
    assert check_answer(client.get(f"/cds-services/{PV}"), None)["resourceType"]
    assert client.get(f"/cds-services/{PV}").status_code == 405
    response, outcome = call(client, "no-such-service", exam_sign(sample("l5-left")))
    assert response.status_code == 404


# --- exam-sign -------------------------------------------------------------------------------


def test_cauda_equina_gives_a_critical_card_with_link_suggestion_and_uuids(client: t.Any) -> None:
    response, body = call(client, ES, exam_sign(sample("cauda-equina")))
    assert response.status_code == 200
    (card,) = body["cards"]
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("URGENT") and "cauda equina" in card["summary"].lower()
    assert len(card["summary"]) < 140
    assert card["source"] == {"label": "neuroroot", "url": "http://localhost"}
    assert "| 1 | Suspected cauda equina syndrome" in card["detail"]
    assert "0.95" in card["detail"] and "for: " in card["detail"]
    (link,) = card["links"]
    match = re.fullmatch(
        r"http://localhost/fhir/ClinicalImpression/([\w-]+)\?_format=html", link["url"]
    )
    assert match and link["type"] == "absolute"
    (suggestion,) = card["suggestions"]
    (action,) = suggestion["actions"]
    assert action["type"] == "create" and suggestion["uuid"] != card["uuid"]
    stored = client.get(f"/fhir/ClinicalImpression/{match[1]}").get_json()
    assert action["resource"] == stored
    assert_valid_r4(action["resource"])
    provenance = client.get(f"/fhir/Provenance?target=ClinicalImpression/{match[1]}").get_json()
    assert provenance["total"] == 1


def test_the_same_exam_signed_twice_is_stored_once(client: t.Any) -> None:
    exam = sample("l5-left")
    first = call(client, ES, exam_sign(exam))[1]["cards"][0]
    second = call(client, ES, exam_sign(exam))[1]["cards"][0]
    ids = [c["suggestions"][0]["actions"][0]["resource"]["id"] for c in (first, second)]
    assert ids[0] == ids[1]
    assert first["uuid"] != second["uuid"]
    assert client.get("/fhir/ClinicalImpression?subject=Patient/p-l5").get_json()["total"] == 1


def test_a_root_gives_an_info_card_naming_it(client: t.Any) -> None:
    card = call(client, ES, exam_sign(sample("l5-left")))[1]["cards"][0]
    assert card["indicator"] == "info"
    assert card["summary"].startswith("Left L5 radiculopathy")


@pytest.mark.parametrize(
    "name",
    [
        "myelopathy",
        "brown-sequard-right",
        "hemiparesis-left",
        "transverse-myelopathy-t10",
        "polyradiculoneuropathy-gbs",
    ],
)
def test_a_cord_picture_or_polyradiculoneuropathy_gives_a_warning(client: t.Any, name: str) -> None:
    card = call(client, ES, exam_sign(sample(name)))[1]["cards"][0]
    assert card["indicator"] == "warning", card["summary"]


def test_a_normal_exam_gives_no_card_naming_a_root(client: t.Any) -> None:
    response, body = call(client, ES, exam_sign(sample("normal-exam")))
    assert response.status_code == 200
    for card in body["cards"]:
        assert card["indicator"] == "info"
        assert "did not localize" in card["summary"]
        assert not ROOT_NAME.search(card["summary"]) and not ROOT_NAME.search(card["detail"])


def test_an_exam_about_another_patient_than_the_context_is_422(client: t.Any) -> None:
    body = exam_sign(sample("l5-left"))
    body["context"]["patientId"] = "someone-else"
    response, outcome = call(client, ES, body)
    assert response.status_code == 422
    assert outcome["issue"][0]["expression"] == ["context.patientId"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b.update(hook="patient-view"), "hook"),
        (lambda b: b["context"].pop("patientId"), "context.patientId"),
        (lambda b: b["context"].update(exam="not a bundle"), "context.exam"),
        (
            lambda b: b.update(
                fhirAuthorization={
                    "access_token": "x",
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "scope": "s",
                    "subject": "c",
                }
            ),
            "fhirServer",
        ),
    ],
)
def test_a_malformed_call_is_400_naming_the_element(
    client: t.Any, change: t.Any, where: str
) -> None:
    body = exam_sign(sample("l5-left"))
    change(body)
    response, outcome = call(client, ES, body, valid=False)
    assert response.status_code == 400
    assert any(where in e for i in outcome["issue"] for e in i.get("expression", [])), outcome


def test_a_body_that_is_not_json_is_400(client: t.Any) -> None:
    response = client.post(
        f"/cds-services/{ES}", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    check_answer(response, None)


# --- patient-view ----------------------------------------------------------------------------


def test_patient_view_localizes_the_prefetched_exams(client: t.Any) -> None:
    exam = sample("cauda-equina")
    body = hook_request("patient-view", subject_id(exam), prefetch={"exams": searchset(exam)})
    response, answer = call(client, PV, body)
    assert response.status_code == 200
    assert answer["cards"][0]["indicator"] == "critical"


def test_patient_view_with_a_null_prefetch_gives_no_cards(client: t.Any) -> None:
    body = hook_request("patient-view", "p-1", prefetch={"exams": None})
    response, answer = call(client, PV, body)
    assert response.status_code == 200 and answer == {"cards": []}


def test_patient_view_with_no_exam_observations_gives_no_cards(client: t.Any) -> None:
    empty = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    response, answer = call(
        client, PV, hook_request("patient-view", "p-1", prefetch={"exams": empty})
    )
    assert response.status_code == 200 and answer == {"cards": []}


def test_patient_view_reads_only_the_latest_exam(client: t.Any) -> None:
    old, new = sample("l5-left"), sample("c8-left")
    for entry in new["entry"]:
        entry["resource"]["subject"] = {"reference": "Patient/p-l5"}
        entry["resource"]["effectiveDateTime"] = "2026-12-01T09:00:00+01:00"
    history = searchset(new)
    history["entry"] += searchset(old)["entry"]
    body = hook_request("patient-view", "p-l5", prefetch={"exams": history})
    card = call(client, PV, body)[1]["cards"][0]
    assert "C8" in card["summary"] and "L5" not in card["summary"]


def test_a_prefetch_that_is_no_bundle_outcome_or_null_is_400(client: t.Any) -> None:
    """Not mistaken for a missing prefetch (which would fetch, or answer 412)."""
    body = hook_request("patient-view", "p-l5", prefetch={"exams": "Bundle"})
    response, outcome = call(client, PV, body, valid=False)
    assert response.status_code == 400
    assert outcome["issue"][0]["expression"] == ["prefetch.exams"]


def test_a_null_inside_the_signed_exam_is_400_naming_it(client: t.Any) -> None:
    """FHIR JSON has no nulls: one is malformed, not an absent element read silently."""
    exam = sample("l5-left")
    exam["entry"][0]["resource"]["status"] = None
    response, outcome = call(client, ES, exam_sign(exam))
    assert response.status_code == 400
    assert outcome["issue"][0]["expression"] == ["context.exam.entry[0].resource.status"]


def test_patient_view_without_prefetch_or_fhir_server_is_412(client: t.Any) -> None:
    response, outcome = call(client, PV, hook_request("patient-view", "p-1"))
    assert response.status_code == 412
    assert outcome["issue"][0]["expression"] == ["prefetch.exams"]
    assert outcome["issue"][0]["code"] == "incomplete"  # not If-Match's "conflict"


def test_a_fhir_server_off_the_allow_list_is_never_called(
    tmp_path: Path, fhir_server: FhirServer
) -> None:
    fhir_server.pages = [searchset(sample("l5-left"))]
    for allow in ("", "http://127.0.0.1:1/fhir", f"{fhir_server.base}x"):
        client = make_app(tmp_path, CDS_FHIR_SERVERS=allow).test_client()
        body = hook_request("patient-view", "p-l5", fhirServer=fhir_server.base)
        response, outcome = call(client, PV, body)
        assert response.status_code == 412, allow
        assert outcome["issue"][0]["expression"] == ["fhirServer"]
    assert fhir_server.requests == []


def test_missing_prefetch_is_fetched_with_the_token_following_next_links(
    tmp_path: Path, fhir_server: FhirServer
) -> None:
    exam = searchset(sample("l5-left"))
    half = len(exam["entry"]) // 2
    fhir_server.pages = [
        {**exam, "entry": exam["entry"][:half]},
        {**exam, "entry": exam["entry"][half:]},
    ]
    client = make_app(tmp_path, CDS_FHIR_SERVERS=fhir_server.base).test_client()
    body = hook_request(
        "patient-view",
        "p-l5",
        fhirServer=fhir_server.base,
        fhirAuthorization={
            "access_token": "ehr-token-123",
            "token_type": "Bearer",
            "expires_in": 300,
            "subject": "neuroroot",
            "scope": "user/Observation.read",
        },
    )
    response, answer = call(client, PV, body)
    assert response.status_code == 200
    assert answer["cards"][0]["summary"].startswith("Left L5 radiculopathy")
    assert len(fhir_server.requests) == 2
    first, second = fhir_server.requests
    assert first[0] == "/fhir/Observation"
    assert first[1] == "patient=p-l5&category=exam&_sort=-date&_count=500"
    assert second[1].endswith("page=1")
    assert all(r[2] == "Bearer ehr-token-123" for r in fhir_server.requests)
    # the whole exam (both pages) was localized, not only the first page
    full = call(client, ES, exam_sign(sample("l5-left")))[1]["cards"][0]
    assert (
        full["suggestions"][0]["actions"][0]["resource"]["id"]
        == (answer["cards"][0]["suggestions"][0]["actions"][0]["resource"]["id"])
    )


def test_a_next_link_leaving_the_fhir_server_is_not_followed(
    tmp_path: Path, fhir_server: FhirServer
) -> None:
    exam = searchset(sample("l5-left"))
    fhir_server.pages = [exam, exam]
    fhir_server.next_base = "http://127.0.0.1:1/elsewhere"
    client = make_app(tmp_path, CDS_FHIR_SERVERS=fhir_server.base).test_client()
    response, _ = call(
        client, PV, hook_request("patient-view", "p-l5", fhirServer=fhir_server.base)
    )
    assert response.status_code == 412
    assert len(fhir_server.requests) == 1


def test_a_slow_fhir_server_is_cut_at_the_deadline(tmp_path: Path, fhir_server: FhirServer) -> None:
    fhir_server.pages = [searchset(sample("l5-left"))]
    fhir_server.delay = 3
    client = make_app(
        tmp_path, CDS_FHIR_SERVERS=fhir_server.base, CDS_FETCH_TIMEOUT=0.5
    ).test_client()
    started = time.monotonic()
    response, outcome = call(
        client, PV, hook_request("patient-view", "p-l5", fhirServer=fhir_server.base)
    )
    assert time.monotonic() - started < 2.5
    assert response.status_code == 412
    assert "0.5 s" in outcome["issue"][0]["diagnostics"]


def test_a_fhir_server_answer_over_the_size_limit_is_412(
    tmp_path: Path, fhir_server: FhirServer
) -> None:
    fhir_server.pages = [searchset(sample("l5-left"))]
    client = make_app(
        tmp_path, CDS_FHIR_SERVERS=fhir_server.base, CDS_FETCH_MAX_BYTES=1024
    ).test_client()
    response, _ = call(
        client, PV, hook_request("patient-view", "p-l5", fhirServer=fhir_server.base)
    )
    assert response.status_code == 412


@pytest.mark.parametrize(
    ("server", "allowed"),
    [
        ("https://ehr.example.org/fhir", True),
        ("https://ehr.example.org/fhir/", True),
        ("https://ehr.example.org/fhir/r4", True),
        ("https://ehr.example.org:443/fhir", True),
        ("https://ehr.example.org/fhirx", False),
        ("https://ehr.example.org.evil.test/fhir", False),
        ("http://ehr.example.org/fhir", False),
        ("https://ehr.example.org:8443/fhir", False),
        ("https://user:pw@ehr.example.org/fhir", False),
        ("https://ehr.example.org/fhir?x=1", False),
    ],
)
def test_the_allow_list_matches_scheme_host_port_and_path_segments(
    server: str, allowed: bool
) -> None:
    assert allowed_server(server, ["https://ehr.example.org/fhir"]) is allowed


# --- feedback --------------------------------------------------------------------------------


def _issue(client: t.Any) -> dict[str, t.Any]:
    return call(client, ES, exam_sign(sample("l5-left")))[1]["cards"][0]


def test_feedback_is_stored_with_its_card_and_read_by_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    card = _issue(client)
    accepted = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                "outcomeTimestamp": "2026-12-01T10:05:31Z",
            }
        ]
    }
    overridden = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {
                    "reason": card["overrideReasons"][0],
                    "userComment": "seen by neurology",
                },
                "outcomeTimestamp": "2026-12-01T10:06:00Z",
            }
        ]
    }
    assert send_feedback(client, ES, accepted)[0].status_code == 200
    assert send_feedback(client, ES, overridden)[0].status_code == 200
    from service.cli import main

    monkeypatch.setenv("NEUROROOT_SQLITE_PATH", str(tmp_path / "cds.sqlite3"))
    assert main(["cds", "feedback", "--service", ES]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["outcome"] for line in lines] == ["accepted", "overridden"]
    assert lines[0]["card"]["uuid"] == card["uuid"]
    assert lines[0]["card"]["indicator"] == "info"
    assert lines[0]["acceptedSuggestions"] == [card["suggestions"][0]["uuid"]]
    assert lines[1]["overrideReason"]["userComment"] == "seen by neurology"
    assert lines[1]["card"]["clinicalImpression"].startswith("ClinicalImpression/")
    assert main(["cds", "feedback", "--service", PV]) == 0
    assert capsys.readouterr().out == ""


def test_feedback_on_an_unknown_card_is_404_and_stores_nothing(
    tmp_path: Path, capsys: t.Any
) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    card = _issue(client)
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-12-01T10:00:00Z",
            },
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "overridden",
                "outcomeTimestamp": "2026-12-01T10:00:00Z",
            },
        ]
    }
    response, outcome = send_feedback(client, ES, body)
    assert response.status_code == 404
    assert outcome["issue"][0]["expression"] == ["feedback[1].card"]
    # a card of the other service is unknown here too
    response, _ = send_feedback(client, PV, {"feedback": [body["feedback"][0]]})
    assert response.status_code == 404
    from service.store.cds import CdsRecords

    assert CdsRecords(app.extensions["store"]).feedback() == []


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "feedback"),
        ({"feedback": []}, "feedback"),
        (
            {
                "feedback": [
                    {
                        "outcome": "accepted",
                        "outcomeTimestamp": "2026-12-01T10:00:00Z",
                        "acceptedSuggestions": [{"id": "x"}],
                    }
                ]
            },
            "feedback[0].card",
        ),
        (
            {
                "feedback": [
                    {"card": "c", "outcome": "ignored", "outcomeTimestamp": "2026-12-01T10:00:00Z"}
                ]
            },
            "feedback[0].outcome",
        ),
        (
            {
                "feedback": [
                    {"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-12-01T10:00:00Z"}
                ]
            },
            "feedback[0].acceptedSuggestions",
        ),
        (
            {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]},
            "feedback[0].outcomeTimestamp",
        ),
        ([1, 2], None),
    ],
)
def test_malformed_feedback_is_400(client: t.Any, body: t.Any, where: str | None) -> None:
    if where is not None:
        assert not list(_errors("feedback", body)), "the test body must break the spec's shape"
    response, outcome = send_feedback(client, ES, body, valid=False)
    assert response.status_code == 400
    if where:
        assert any(where in e for i in outcome["issue"] for e in i.get("expression", [])), outcome


def _errors(name: str, body: t.Any) -> list[str]:
    try:
        assert_valid(name, body)
    except AssertionError:
        return []
    return ["valid"]


def test_feedback_that_is_not_json_is_400(client: t.Any) -> None:
    response = client.post(
        f"/cds-services/{ES}/feedback", data=b"nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    check_answer(response, None)


# --- security --------------------------------------------------------------------------------

BASE_URL = "https://neuro.example.org"


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path)


def secured(tmp_path: Path, keys: Keys, **extra: t.Any) -> t.Any:
    issuers = json.dumps({"https://ehr.test": str(keys.path), **extra})
    return make_app(tmp_path, CDS_JWT_ISSUERS=issuers, BASE_URL=BASE_URL).test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_call_needs_the_clients_jwt_when_issuers_are_set(tmp_path: Path, keys: Keys) -> None:
    client = secured(tmp_path, keys)
    assert client.get("/cds-services").status_code == 401
    good = client.get("/cds-services", headers=bearer(keys.token(f"{BASE_URL}/cds-services")))
    check_answer(good, "discovery")
    body = exam_sign(sample("l5-left"))
    assert call(client, ES, body)[0].status_code == 401
    response, answer = call(
        client, ES, body, headers=bearer(keys.token(f"{BASE_URL}/cds-services/{ES}"))
    )
    assert response.status_code == 200
    card = answer["cards"][0]
    assert card["links"][0]["url"].startswith(f"{BASE_URL}/fhir/ClinicalImpression/")
    assert card["source"]["url"] == BASE_URL
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-12-01T10:00:00Z",
            }
        ]
    }
    assert send_feedback(client, ES, feedback)[0].status_code == 401
    assert (
        send_feedback(
            client,
            ES,
            feedback,
            headers=bearer(keys.token(f"{BASE_URL}/cds-services/{ES}/feedback")),
        )[0].status_code
        == 200
    )


def test_an_es384_client_is_accepted(tmp_path: Path) -> None:
    keys = Keys(tmp_path, kind="ec", kid="e1")
    client = secured(tmp_path, keys)
    token = keys.token(f"{BASE_URL}/cds-services", alg="ES384")
    assert client.get("/cds-services", headers=bearer(token)).status_code == 200


def _unsigned(aud: str) -> str:
    import base64

    def part(value: dict[str, t.Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": "https://ehr.test", "aud": aud, "exp": now + 300, "iat": now, "jti": "n"}
    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'})}.{part(claims)}."


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "hs256",
        "wrong-aud",
        "expired",
        "unknown-iss",
        "no-jti",
        "other-key",
        "future-iat",
        "days-long",
    ],
)
def test_bad_client_jwts_are_401(tmp_path: Path, keys: Keys, case: str) -> None:
    import jwt

    client = secured(tmp_path, keys)
    aud = f"{BASE_URL}/cds-services"
    now = int(time.time())
    token = {
        "none": lambda: _unsigned(aud),
        "hs256": lambda: jwt.encode(
            {"iss": "https://ehr.test", "aud": aud, "exp": now + 300, "iat": now, "jti": "h"},
            "secret" * 8,
            algorithm="HS256",
            headers={"kid": "k1"},
        ),
        "wrong-aud": lambda: keys.token(f"{BASE_URL}/cds-services/{ES}"),
        "expired": lambda: keys.token(aud, exp_in=-120),
        "unknown-iss": lambda: keys.token(aud, iss="https://other.test"),
        "no-jti": lambda: jwt.encode(
            {"iss": "https://ehr.test", "aud": aud, "exp": now + 300, "iat": now},
            keys.private,
            algorithm="RS256",
            headers={"kid": "k1"},
        ),
        "other-key": lambda: Keys(tmp_path, kid="k1").token(aud),
        "future-iat": lambda: keys.token(aud, iat=now + 600),
        "days-long": lambda: keys.token(aud, exp_in=3 * 86400),
    }[case]()
    response = client.get("/cds-services", headers=bearer(token))
    assert response.status_code == 401
    check_answer(response, None)


def test_a_replayed_jti_is_refused_also_by_another_replica(tmp_path: Path, keys: Keys) -> None:
    client = secured(tmp_path, keys)
    token = keys.token(f"{BASE_URL}/cds-services")
    assert client.get("/cds-services", headers=bearer(token)).status_code == 200
    assert client.get("/cds-services", headers=bearer(token)).status_code == 401
    replica = secured(tmp_path, keys)  # same database, another process's app
    assert replica.get("/cds-services", headers=bearer(token)).status_code == 401


def test_an_expired_jti_is_purged(tmp_path: Path, keys: Keys) -> None:
    from datetime import UTC, datetime, timedelta

    from service.store.cds import CdsRecords
    from service.store.schema import cds_jtis

    app = make_app(tmp_path)
    records = CdsRecords(app.extensions["store"])
    past = datetime.now(UTC) - timedelta(seconds=1)
    assert records.first_use_of_jti("i", "a", past)
    assert records.first_use_of_jti("i", "b", datetime.now(UTC) + timedelta(minutes=5))
    assert not records.first_use_of_jti("i", "b", datetime.now(UTC) + timedelta(minutes=5))
    with app.extensions["store"].engine.connect() as connection:
        assert connection.execute(cds_jtis.select()).all().__len__() == 1


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        "[]",
        "{}",
        '{"https://ehr.test": 3}',
        '{"https://ehr.test": "/no/such/file.json"}',
        '{"https://ehr.test": "http://keys.example.org/jwks"}',
    ],
)
def test_unusable_issuer_settings_stop_the_app(tmp_path: Path, value: str) -> None:
    from service.config import ConfigError

    with pytest.raises(ConfigError, match="NEUROROOT_CDS_JWT_ISSUERS"):
        make_app(tmp_path, CDS_JWT_ISSUERS=value)


# --- audit, CORS, ISNCSCI --------------------------------------------------------------------


def test_a_hook_call_is_audited_with_its_patient_and_result(tmp_path: Path) -> None:
    client = make_app(tmp_path).test_client()
    card = call(client, ES, exam_sign(sample("l5-left")))[1]["cards"][0]
    lines = (tmp_path / "audit.ndjson").read_text().splitlines()
    event = json.loads(lines[-1])
    assert_valid_r4(event)
    whats = [e.get("what", {}).get("reference") for e in event["entity"]]
    assert "Patient/p-l5" in whats
    assert f"ClinicalImpression/{card['suggestions'][0]['actions'][0]['resource']['id']}" in whats


def test_browser_clients_get_cors_on_cds_services(tmp_path: Path) -> None:
    client = make_app(tmp_path, CORS_ORIGINS="https://ehr.example.org").test_client()
    preflight = client.options(
        f"/cds-services/{ES}",
        headers={
            "Origin": "https://ehr.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    # flask-cors echoes the names as the browser asked for them; header names are
    # case-insensitive (the Fetch standard compares them byte-lowercased)
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in [name.strip() for name in allowed.split(",")]
    answer = client.get("/cds-services", headers={"Origin": "https://ehr.example.org"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://ehr.example.org"


def test_the_isncsci_integration_point_adds_a_classification_card(tmp_path: Path) -> None:
    """The classification card comes from the real core classifier through the integration
    point (``app.extensions["cds_isncsci"]``), which a test may replace."""
    from service.cds.isncsci import classify_exam
    from service.core.isncsci import classify, exam_from_praxis
    from tests.isncsci_support import case_exam, load_cases

    classification = classify(exam_from_praxis(case_exam(load_cases()[0])))
    app = make_app(tmp_path)
    seen: list[int] = []
    app.extensions["cds_isncsci"] = lambda observations: (
        seen.append(len(observations)) or classification
    )
    client = app.test_client()
    cards = call(client, ES, exam_sign(sample("l5-left")))[1]["cards"]
    assert seen == [7]
    assert [c["indicator"] for c in cards] == ["info", "info"]
    summary = cards[1]["summary"]
    assert f"AIS {classification.asia_impairment_scale.text}" in summary
    assert f"NLI {classification.neurological_level_of_injury.text}" in summary
    assert classify_exam([]) is None


@pytest.mark.parametrize("case", ["c5-complete-tetraplegia", "central-cord-syndrome"])
def test_an_isncsci_exam_gets_the_classification_card_of_the_reference(
    tmp_path: Path, case: str
) -> None:
    """With the real reader behind the seam: an ISNCSCI sample signed as an exam gets, beside
    the localization card, the classification card naming the reference classifier's AIS and
    NLI (the sample's expected.json was written by praxis isncsci 2.0.6, not by this code)."""
    folder = Path(__file__).resolve().parents[1] / "data" / "samples" / "isncsci"
    bundle = json.loads((folder / f"{case}.json").read_text())
    expected = json.loads((folder / f"{case}.expected.json").read_text())["expected"]
    client = make_app(tmp_path).test_client()
    cards = call(client, ES, exam_sign(bundle))[1]["cards"]
    summaries = [c["summary"] for c in cards]
    (card,) = [c for c in cards if "AIS" in c["summary"]]
    assert card["indicator"] == "info", summaries
    assert f"AIS {expected['asia_impairment_scale']}" in card["summary"]
    assert f"NLI {expected['neurological_level_of_injury']}" in card["summary"]


def test_a_root_exam_with_a_few_key_points_gets_no_classification_card(tmp_path: Path) -> None:
    """A root exam is not an ISNCSCI exam: no classification card, only the localization."""
    client = make_app(tmp_path).test_client()
    cards = call(client, ES, exam_sign(sample("l5-left")))[1]["cards"]
    assert not [c for c in cards if "AIS" in c["summary"]]
