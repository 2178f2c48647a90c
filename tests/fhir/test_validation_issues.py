"""One translator from pydantic errors to issues: ``$translate`` and ``$localize-root`` agree.

Both bodies are validated with the R4B models; the same kind of mistake must give the same
IssueType and the same wording, with the element named in ``expression``.
"""

from __future__ import annotations

import typing as t

import pytest

from service.errors import InvalidRequest
from service.fhir.read.request import parse_request
from service.fhir.read.translate_request import read_translate_parameters
from terminology import Table

MISSING_NAME = {"resourceType": "Parameters", "parameter": [{"valueCode": "x"}]}
UNKNOWN_ELEMENT = {"resourceType": "Parameters", "Parameter": []}
TWO_VALUES = {
    "resourceType": "Parameters",
    "parameter": [{"name": "code", "valueCode": "x", "valueUri": "http://example.org"}],
}


def _issue(body: t.Any) -> tuple[str, tuple[str, ...], str | None]:
    with pytest.raises(InvalidRequest) as caught:
        read_translate_parameters(body)
    issue = caught.value.issues[0]
    return issue.message, issue.expression, issue.code


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            MISSING_NAME,
            (
                "Parameters.parameter[0].name is required but missing",
                ("Parameters.parameter[0].name",),
                "required",
            ),
        ),
        (
            UNKNOWN_ELEMENT,
            (
                "Parameters.Parameter is not an element of FHIR R4 (unknown element)",
                ("Parameters.Parameter",),
                "structure",
            ),
        ),
        (
            TWO_VALUES,
            (
                "Parameters.parameter[0] has more than one value[x] element; FHIR allows one",
                ("Parameters.parameter[0]",),
                "structure",
            ),
        ),
    ],
    ids=["missing element", "unknown element", "two value[x]"],
)
def test_translate_body_errors_get_typed_issues(body: t.Any, expected: tuple[t.Any, ...]) -> None:
    assert _issue(body) == expected


def test_the_same_mistake_reads_the_same_in_both_operations(table: Table) -> None:
    """An unknown element in a $localize-root Observation is worded as in $translate."""
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "Status": "final",
    }
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": observation}]}
    with pytest.raises(InvalidRequest) as caught:
        parse_request(bundle, table)
    unknown = [i for i in caught.value.issues if i.expression[0].endswith(".Status")]
    assert [(i.message, i.code) for i in unknown] == [
        (f"{unknown[0].expression[0]} is not an element of FHIR R4 (unknown element)", "structure")
    ]
    assert unknown[0].expression == ("Bundle.entry[0].resource.Status",)
