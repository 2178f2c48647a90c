"""Terminology endpoints: read and search CodeSystem and ConceptMap, and ``ConceptMap/$translate``.

Views only translate. Query parameters are checked by marshmallow schemas, strictly: an unknown
or repeated parameter is a 400 naming it (``http.<name>``); only the general ``_format`` and
``_pretty`` pass everywhere. The ``$translate`` body is checked by
:func:`service.fhir.read.translate_request.read_translate_parameters`; GET and POST then share
one schema, so "exactly one of ``coding`` or ``code`` with ``system``" is decided in one place.
Errors are raised, never rendered here; every answer goes through :func:`fhir_response`.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, Response, current_app, request, url_for
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ..errors import InvalidRequest, Issue
from ..fhir.conformance import terminology as fhir_terms
from ..fhir.http import check_content_type, fhir_response, link
from ..fhir.read.body import read_body
from ..fhir.read.translate_request import read_translate_body, read_translate_parameters
from ..fhir.write.searchset import search_entry, searchset
from ..fhir.write.subset import subset
from .surface import RESOURCES, query_schema

if t.TYPE_CHECKING:
    from terminology import Table

__all__ = ["FILTERS", "TranslateArgs", "bp"]

bp = Blueprint("terminology", __name__, url_prefix="/fhir")

_GENERAL = frozenset({"_format", "_pretty"})
_NON_BLANK = validate.Regexp(r"\s*\S", error="must not be empty")


def _text() -> fields.String:
    return fields.String(validate=_NON_BLANK)


# Unparametrised: marshmallow 3, which the pins still allow, cannot subscript Field at run time.
class _Coding(fields.Field):  # type: ignore[type-arg]
    """A coding: the token ``system|code`` in a query, a Coding object in a Parameters body."""

    def _deserialize(
        self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any
    ) -> tuple[str, str]:
        system: object  # a str from the token; anything from a JSON object, checked below
        code: object
        if isinstance(value, str):
            system, bar, code = value.partition("|")
        elif isinstance(value, dict):
            system, bar, code = value.get("system"), "|", value.get("code")
        else:
            raise ValidationError("must be a coding")
        if not (
            bar
            and isinstance(system, str)
            and isinstance(code, str)
            and system.strip()
            and code.strip()
        ):
            raise ValidationError("needs both a system and a code (token form: system|code)")
        return system, code


class TranslateArgs(Schema):
    """The ``$translate`` inputs read here: one of ``coding``, or ``code`` with ``system``."""

    class Meta:
        unknown = RAISE

    system = _text()
    code = _text()
    coding = _Coding()
    url = _text()
    targetsystem = _text()

    @validates_schema
    def _one_concept(self, data: dict[str, t.Any], **kwargs: t.Any) -> None:
        if "coding" in data:
            if "code" in data or "system" in data:
                raise ValidationError("give either coding, or code with system, not both", "coding")
        elif "code" not in data:
            raise ValidationError("required: code (with system) or coding", "code")
        elif "system" not in data:
            raise ValidationError("required with code: the code system of the code", "system")


#: the in-memory filters of the terminology searches, by the name the declaration gives
#: (service.api.surface); a test checks that the two agree.
FILTERS: dict[str, t.Callable[[dict[str, t.Any], t.Any], bool]] = {
    "_id": lambda resource, ids: resource["id"] in ids,
    "url": lambda resource, url: resource["url"] == url.partition("|")[0],
}


def _table() -> Table:
    return current_app.extensions["terminology"]  # type: ignore[no-any-return]


def _query() -> dict[str, str]:
    """The query parameters, without the general ones. :raise InvalidRequest: on a repeat."""
    values: dict[str, str] = {}
    for name, items in request.args.lists():
        if name in _GENERAL:
            continue
        if len(items) > 1:
            raise InvalidRequest(
                f"query parameter {name[:64]!r} is given {len(items)} times; give it once",
                f"http.{name}",
            )
        values[name] = items[0]
    return values


def _load(
    schema: Schema, values: t.Mapping[str, t.Any], where: t.Mapping[str, str], default: str = "http"
) -> dict[str, t.Any]:
    """Load *values* with *schema*; every problem becomes an issue naming its parameter.

    :param where: parameter name -> expression; a name not in it is ``http.<name>``, or
        *default* itself when that is not ``http`` (a parameter missing from a body).
    """
    try:
        return schema.load(values)  # type: ignore[no-any-return]
    except ValidationError as exc:
        allowed = ", ".join(f.data_key or n for n, f in schema.fields.items()) or "no parameters"
        issues = []
        for name, problems in sorted(exc.messages_dict.items()):
            expression = (where.get(name) or (f"http.{name}" if default == "http" else default),)
            for problem in problems if isinstance(problems, list) else [problems]:
                if problem == "Unknown field.":
                    issues.append(
                        Issue(
                            f"unknown parameter {name[:64]!r}; this endpoint reads "
                            f"{allowed} (and _format, _pretty)",
                            expression,
                            "not-supported",
                        )
                    )
                else:
                    code = "required" if str(problem).startswith("required") else "value"
                    issues.append(Issue(f"{name}: {problem}", expression, code))
        raise InvalidRequest.many(issues) from exc


def _searchset(kind: str, resources: list[dict[str, t.Any]]) -> Response:
    declared = RESOURCES[kind]
    args = _load(query_schema(declared.search_params()), _query(), {})
    where = [
        (param.filter, args[param.name])
        for param in declared.params
        if param.name in args and param.filter
    ]
    hits = [r for r in resources if all(FILTERS[name](r, value) for name, value in where)]
    query = request.query_string.decode("latin-1")
    self_url = link(request.path) + (f"?{query}" if query else "")
    read = f".read_{kind.lower()}"
    summary, elements = args.get("_summary"), args.get("_elements")
    entries = (
        []
        if summary == "count"
        else [
            search_entry(
                link(url_for(read, rid=r["id"])[len(request.script_root) :]),
                subset(r, summary, elements),
            )
            for r in hits
        ]
    )
    return fhir_response(searchset(entries, len(hits), [{"relation": "self", "url": self_url}]))


def _read(kind: str, resource: dict[str, t.Any]) -> Response:
    args = _load(query_schema(RESOURCES[kind].read_params()), _query(), {})
    return fhir_response(subset(resource, args.get("_summary"), args.get("_elements")))


@bp.get("/CodeSystem")
def search_codesystem() -> Response:
    """All CodeSystems (optionally by ``_id`` or ``url``) as a searchset Bundle."""
    return _searchset("CodeSystem", fhir_terms.code_systems(_table()))


@bp.get("/CodeSystem/<rid>")
def read_codesystem(rid: str) -> Response:
    """One CodeSystem by its fixed id."""
    return _read("CodeSystem", fhir_terms.code_system(_table(), rid))


@bp.get("/ConceptMap")
def search_conceptmap() -> Response:
    """All ConceptMaps (optionally by ``_id`` or ``url``) as a searchset Bundle."""
    return _searchset("ConceptMap", fhir_terms.concept_maps(_table()))


# Registered before /ConceptMap/<rid>; Werkzeug also ranks the static rule first, and a test
# pins that $translate is never read as an id.
@bp.route("/ConceptMap/$translate", methods=["GET", "POST"])
def translate() -> Response:
    """``$translate``: GET with query parameters, or POST a Parameters body (query merged in)."""
    query = _query()
    values: dict[str, t.Any] = dict(query)
    where = {name: f"http.{name}" for name in query}
    default = "http"
    if request.method == "POST":
        check_content_type()
        default = "Parameters.parameter"
        body = read_translate_body(read_body(request.environ, current_app.config["MAX_BODY_BYTES"]))
        for name, (value, expression) in read_translate_parameters(body).items():
            if name in query:
                raise InvalidRequest(
                    f"{name!r} is given both in the URL and in the body",
                    [f"http.{name}", expression],
                )
            values[name], where[name] = value, expression
    args = _load(TranslateArgs(), values, where, default)
    system, code = args["coding"] if "coding" in args else (args["system"], args["code"])
    return fhir_response(
        fhir_terms.translate(
            _table(),
            system,
            code,
            args.get("url"),
            target_system=args.get("targetsystem"),
            where=where,
        )
    )


@bp.get("/ConceptMap/<rid>")
def read_conceptmap(rid: str) -> Response:
    """One ConceptMap by its fixed id."""
    return _read("ConceptMap", fhir_terms.concept_map(_table(), rid))
