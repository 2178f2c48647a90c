"""openapi.yaml's NonBlank is the JSON-schema pattern ``\\S`` (found anywhere in the value); the
server's check must accept the same values, leading white space included (schemathesis found a
``code`` starting with a form feed refused with 400)."""

from __future__ import annotations

import typing as t


def test_a_value_with_leading_white_space_is_not_blank(client: t.Any) -> None:
    ok = client.get(
        "/fhir/ConceptMap/$translate",
        query_string={"system": "http://snomed.info/sct", "code": "\x0c6417001"},
    )
    assert ok.status_code != 400, ok.get_json()
    blank = client.get(
        "/fhir/ConceptMap/$translate",
        query_string={"system": "http://snomed.info/sct", "code": " \x0c "},
    )
    assert blank.status_code == 400
    assert blank.get_json()["issue"][0]["expression"] == ["http.code"]


def test_an_echoed_code_keeps_the_answer_valid_r4(client: t.Any) -> None:
    from tests.validation import assert_valid_r4

    answer = client.get(
        "/fhir/ConceptMap/$translate",
        query_string={"system": "http://snomed.info/sct", "code": "\x0c\x07x\x1fy\u2028"},
    )
    assert answer.status_code == 200
    assert_valid_r4(answer.get_json())
    message = answer.get_json()["parameter"][1]["valueString"]
    assert "\ufffd\ufffdx\ufffdy\ufffd" in message
