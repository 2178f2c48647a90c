"""A FHIR XML request body to the JSON document the readers take (``application/fhir+xml``).

fhir.resources R4B parses the XML (its ``model_validate_xml``, over lxml) into the model of the
root element's resource type, and the model is dumped as FHIR JSON: from there the request is
read exactly as a JSON one (the same structure checks, the same findings). The XML parser
resolves no entities, loads no DTD and touches no network (no XXE, no billion laughs), and the
nesting limit of JSON bodies applies to the XML tree too. No Flask.

Errors are 400s: not well-formed XML (``http.body``), an unknown root element, or a resource
the R4B model refuses (one issue per problem, with its ``expression``, through the same
translator as JSON bodies).
"""

from __future__ import annotations

import typing as t

import pydantic
from fhir.resources.R4B import get_fhir_model_class
from lxml import etree

from ...errors import InvalidRequest
from .validation_issues import validation_issues

__all__ = ["FHIR_NS", "read_xml"]

FHIR_NS = "http://hl7.org/fhir"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )


def read_xml(body: bytes, *, max_depth: int = 64) -> dict[str, t.Any]:
    """The FHIR JSON document of a FHIR XML *body*.

    :raise InvalidRequest: (400) not well-formed, too deep, not a FHIR resource, or invalid R4.
    """
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidRequest(
            f"the body is not well-formed XML (line {exc.lineno})", "http.body"
        ) from exc
    if root is None:
        raise InvalidRequest("the body is empty", "http.body")
    qname = etree.QName(root)
    if qname.namespace != FHIR_NS:
        raise InvalidRequest(
            f"the root element must be a FHIR resource in the {FHIR_NS} namespace", "http.body"
        )
    if _depth(root, max_depth + 1) > max_depth:
        raise InvalidRequest(f"the XML is nested deeper than {max_depth} levels", "http.body")
    try:
        model = get_fhir_model_class(qname.localname)
    except (KeyError, ValueError) as exc:
        raise InvalidRequest(
            f"{qname.localname[:64]!r} is not a FHIR R4 resource type", "http.body"
        ) from exc
    try:
        resource = model.model_validate_xml(body, xmlparser=_parser())
    except pydantic.ValidationError as exc:
        raise InvalidRequest.many(validation_issues(exc, qname.localname, limit=50)) from exc
    except Exception as exc:  # noqa: BLE001 - the parser's other failures (an unknown element is
        # a KeyError in fhir.resources 8) are all a body it cannot read: a 400, never a 500
        raise InvalidRequest(
            f"the XML is not a valid FHIR R4 {qname.localname} (an unknown or misplaced element)",
            qname.localname,
        ) from exc
    return resource.model_dump(mode="json", exclude_none=True, by_alias=True)


def _depth(element: t.Any, limit: int) -> int:
    """The nesting depth of *element*, counting no further than *limit*."""
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest >= limit:
            return deepest
        stack.extend((child, depth + 1) for child in node)
    return deepest
