"""The REST surface, declared once: per resource type, its interactions, search parameters,
sort keys, includes, operations and the SMART scopes they need.

Everything else is generated from this module or checked against it by a test:

* the CapabilityStatement's ``rest.resource`` (interactions, ``searchParam``, ``operation``,
  ``searchInclude``/``searchRevInclude``): :func:`capability_resources`;
* the query checks: :func:`query_schema` builds the marshmallow schema of a search or a read
  (each declared field also *parses* the value: a reference, a date range, ids);
* the store's search: a parameter names its filter in :data:`service.store.filters.FILTERS`
  (the terminology searches: :data:`service.api.terminology.FILTERS`); a test checks both ways;
* the access rules: :data:`service.auth.ROUTE_SCOPES` and ``PARAMETER_SCOPES`` are built by
  :func:`route_scopes` and :func:`parameter_scopes`;
* openapi.yaml (a static file): ``tests/api/test_surface.py`` checks that every route's query
  parameters there are exactly the declared ones, with the declared schemas.

Adding a search parameter is therefore: a :class:`Param` in :data:`RESOURCES`, its filter in
``service/store/filters.py``, its block in ``openapi.yaml`` (the test says what to write) and a
test. No Flask here beyond endpoint *names* (strings).
"""

from __future__ import annotations

import base64
import binascii
import re
import typing as t
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..fhir.conformance.capability import (
    ISNCSCI_OPERATION_URL,
    OPERATION_URL,
    TRANSLATE_URL,
    VALIDATE_URL,
)
from ..fhir.write.isncsci import ISNCSCI
from ..fhir.write.subset import SUMMARY_MODES, element_names
from ..store.filters import STATUSES
from ..store.records import VersionedId
from ..store.search import DateBounds, date_bounds, parse_reference

__all__ = [
    "MAX_COUNT",
    "RESOURCES",
    "Cursor",
    "Operation",
    "Param",
    "Resource",
    "capability_resources",
    "parameter_scopes",
    "query_schema",
    "route_scopes",
]

Need = tuple[str, str]  # (FHIR resource type, one SMART v2 letter of "cruds")


#: the largest page; a larger ``_count`` is clamped to it (FHIR: clamp, do not refuse).
MAX_COUNT = 100
_ID = r"[A-Za-z0-9\-.]{1,64}"


# -- parsers: marshmallow fields that check a query value and turn it into what a filter takes --


class _Reference(fields.String):
    """A reference search value (``Type/id``, a bare id, an absolute URL) as ``Type/id``.

    :param kind: the type a bare id has; with *only*, the one type allowed.
    """

    def __init__(self, kind: str, *, only: bool = False, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.kind, self.only = kind, only

    def _deserialize(self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any) -> str:
        text = _TEXT._deserialize(value, attr, data, **kwargs)
        try:
            kind, id_, version = parse_reference(text, self.kind)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if version is not None or (self.only and kind != self.kind):
            raise ValidationError(f"not a {self.kind} reference ({self.kind}/id or id)")
        return f"{kind}/{id_}"


#: the plain readers the parsers below start from: a string, a list of strings.
_TEXT = fields.String()
_TEXTS = fields.List(fields.String())


class _Targets(fields.Field[tuple[VersionedId, ...]]):
    """``Provenance.target``: ClinicalImpression references (comma: any of them), versioned or
    not, parsed to :class:`VersionedId`; a reference to another type matches nothing."""

    def _deserialize(
        self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any
    ) -> tuple[VersionedId, ...]:
        text = _TEXT._deserialize(value, attr, data, **kwargs)
        found = []
        for part in text.split(","):
            try:
                kind, id_, version = parse_reference(part, "ClinicalImpression")
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
            if kind == "ClinicalImpression":
                found.append(VersionedId(id_, version))
        return tuple(found)


class _Codes(fields.Field[tuple[str, ...]]):
    """An ``isncsci`` token list: ``code``, ``system|code`` (the isncsci system) or ``|code``,
    comma-separated (any of them), as the codes."""

    def _deserialize(
        self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any
    ) -> tuple[str, ...]:
        text = _TEXT._deserialize(value, attr, data, **kwargs)
        codes = []
        for token in text.split(","):
            system, bar, code = token.rpartition("|")
            if bar and system not in ("", ISNCSCI):
                raise ValidationError(f"this server stores Observations coded in {ISNCSCI} only")
            if not re.fullmatch(_CODE, code):
                raise ValidationError("not a code (letters, digits and '-')")
            codes.append(code)
        return tuple(codes)


_CODE = r"[A-Za-z0-9\-]{1,64}"
_TOKEN = rf"(({re.escape(ISNCSCI)})?\|)?{_CODE}"


class _Dates(fields.Field[DateBounds]):
    """Repeated ``date``-typed values (all must match) as one :class:`DateBounds`."""

    def _deserialize(
        self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any
    ) -> DateBounds:
        bounds = DateBounds()
        texts = _TEXTS._deserialize(value, attr, data, **kwargs)
        if not texts:
            raise ValidationError("give at least one date")
        for text in texts:
            try:
                bounds = bounds.narrow(date_bounds(text or ""))  # None is refused by String
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
        return bounds


class _Ids(fields.Field[tuple[str, ...]]):
    """A token of ids, comma-separated (any of them)."""

    def _deserialize(
        self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any
    ) -> tuple[str, ...]:
        text = _TEXT._deserialize(value, attr, data, **kwargs)
        ids = tuple(text.split(","))
        if not all(re.fullmatch(_ID, i) for i in ids):
            raise ValidationError(
                "not a list of FHIR ids (letters, digits, '-' and '.', "
                "up to 64, separated by commas)"
            )
        return ids


class _Statuses(fields.Field[tuple[str, ...]]):
    """A token of ClinicalImpression statuses, comma-separated (any of them)."""

    def _deserialize(
        self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any
    ) -> tuple[str, ...]:
        text = _TEXT._deserialize(value, attr, data, **kwargs)
        codes = tuple(text.split(","))
        if not all(code in STATUSES for code in codes):
            raise ValidationError(f"a comma-separated list of {', '.join(STATUSES)}")
        return codes


_STATUS = "|".join(STATUSES)


class _Elements(fields.Field[tuple[str, ...]]):
    """``_elements``: top-level element names of the resource type, comma-separated."""

    def __init__(self, resource_type: str, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.resource_type = resource_type

    def _deserialize(
        self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any
    ) -> tuple[str, ...]:
        text = _TEXT._deserialize(value, attr, data, **kwargs)
        names = tuple(text.split(","))  # exactly as openapi.yaml's pattern: no blanks, no spaces
        known = element_names(self.resource_type)
        unknown = [repr(name) for name in names if name not in known]
        if unknown:
            raise ValidationError(f"not an element of {self.resource_type}: {', '.join(unknown)}")
        return names


def elements_schema(resource_type: str) -> dict[str, str]:
    """The OpenAPI schema of ``_elements`` for *resource_type*: a comma-separated list of its
    element names, exactly what :class:`_Elements` accepts."""
    names = "|".join(sorted(element_names(resource_type)))
    return {"type": "string", "pattern": f"^({names})(,({names}))*$"}


@dataclass(frozen=True, slots=True)
class Cursor:
    """The opaque position of a page in a keyset-paged search: the sort key ``(value, id)`` of
    the last entry of the page before it (``after``) or of the first of the page after it."""

    sort: str
    value: datetime
    id: str
    after: bool = True

    def token(self) -> str:
        raw = orjson.dumps([self.sort, self.value.isoformat(), self.id, self.after])
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


class _Cursor(fields.Field["Cursor"]):
    def _deserialize(self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any) -> Cursor:
        text = _TEXT._deserialize(value, attr, data, **kwargs)
        try:
            sort, moment, ident, after = orjson.loads(
                base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            )
            cursor = Cursor(sort, datetime.fromisoformat(moment), ident, after)
            if not (
                isinstance(sort, str)
                and isinstance(ident, str)
                and re.fullmatch(_ID, ident)
                and isinstance(after, bool)
                and cursor.value.tzinfo is not None
            ):
                raise ValueError(sort)
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
            raise ValidationError(
                "not a page cursor of this server; follow the Bundle's "
                "next/previous links as they are"
            ) from exc
        return cursor


# -- the declaration ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    """One query parameter.

    :param type: the FHIR search parameter type (``reference``, ``date``, ``token``...), or
        ``special`` for a parameter that shapes the answer instead of filtering it.
    :param parser: makes the marshmallow field that checks and parses the value.
    :param filter: the store (or terminology) filter the parsed value goes to; None for a
        parameter that shapes the answer (``_count``, ``_sort``...).
    :param schema: the OpenAPI schema of the value (openapi.yaml must say exactly this).
    :param scope: an extra scope the parameter needs (it adds resources of another type).
    :param capability: listed in the CapabilityStatement's ``searchParam``.
    """

    name: str
    type: str
    description: str
    parser: t.Callable[[], fields.Field[t.Any]]
    schema: dict[str, t.Any]
    filter: str | None = None
    repeatable: bool = False
    scope: Need | None = None

    @property
    def capability(self) -> bool:
        return self.filter is not None


@dataclass(frozen=True, slots=True)
class Operation:
    """An operation on a resource type: its routes ``(method, endpoint)`` and the scope."""

    name: str
    definition: str
    routes: tuple[tuple[str, str], ...]
    need: Need


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource type of the REST surface.

    :param read: the endpoint of ``GET [type]/{id}`` (None: no read).
    :param vread: the endpoint of ``GET [type]/{id}/_history/{vid}``.
    :param patch: the endpoint of ``PATCH [type]/{id}`` (scope ``.u``), with *patch_documentation*
        saying what a patch may change.
    :param search: the endpoint of ``GET [type]`` (and of ``POST [type]/_search`` when
        *post_search*).
    :param params: search parameters that filter (each names its filter).
    :param sorts: the ``_sort`` keys (each also descending, with ``-``); the first is the default,
        descending when *newest_first*.
    :param paged: searches page (``_count``, ``_cursor``, ``_offset``, ``_total``...).
    """

    type: str
    read: str | None = None
    vread: str | None = None
    patch: str | None = None
    patch_documentation: str = ""
    search: str | None = None
    post_search: bool = False
    params: tuple[Param, ...] = ()
    sorts: tuple[str, ...] = ()
    newest_first: bool = True
    includes: tuple[str, ...] = ()
    revincludes: tuple[str, ...] = ()
    include_scope: Need | None = None
    revinclude_scope: Need | None = None
    operations: tuple[Operation, ...] = ()
    capability: dict[str, t.Any] = field(default_factory=dict)

    @property
    def paged(self) -> bool:
        return bool(self.sorts)

    def search_params(self) -> tuple[Param, ...]:
        """Every parameter a search takes: the filters, then those shaping the answer."""
        shaping: list[Param] = list(_subsetting(self.type))
        if self.paged:
            shaping += _paging(self)
        if self.includes:
            shaping.append(
                Param(
                    "_include",
                    "special",
                    "Adds the resources the matches refer to (include entries).",
                    lambda: fields.String(validate=validate.OneOf(self.includes)),
                    {"type": "string", "enum": list(self.includes)},
                    scope=self.include_scope,
                )
            )
        if self.revincludes:
            shaping.append(
                Param(
                    "_revinclude",
                    "special",
                    "Adds the resources that refer to the matches (include entries).",
                    lambda: fields.String(validate=validate.OneOf(self.revincludes)),
                    {"type": "string", "enum": list(self.revincludes)},
                    scope=self.revinclude_scope,
                )
            )
        return (*self.params, *shaping)

    def read_params(self) -> tuple[Param, ...]:
        """The parameters of a read (and vread): ``_summary`` and ``_elements``."""
        return _subsetting(self.type)


def _subsetting(kind: str) -> tuple[Param, ...]:
    return (
        Param(
            "_summary",
            "special",
            "true: the summary elements only; data: without the "
            "narrative; text: the narrative and mandatory elements; count (search): the "
            "total only; false: everything. Subsets carry the SUBSETTED tag.",
            lambda: fields.String(validate=validate.OneOf(SUMMARY_MODES)),
            {"type": "string", "enum": list(SUMMARY_MODES)},
        ),
        Param(
            "_elements",
            "special",
            "Comma-separated top-level elements to keep (with the "
            "mandatory ones, id and meta); the result carries the SUBSETTED tag.",
            lambda: _Elements(kind),
            elements_schema(kind),
        ),
    )


def _paging(resource: Resource) -> tuple[Param, ...]:
    sorts = [key for sort in resource.sorts for key in (sort, f"-{sort}")]
    return (
        Param(
            "_count",
            "number",
            f"Page size; 0 answers the total only; larger than {MAX_COUNT} is read as {MAX_COUNT}.",
            lambda: fields.Integer(validate=validate.Range(min=0), strict=False),
            {"type": "integer", "minimum": 0},
        ),
        Param(
            "_sort",
            "special",
            "Sort key (minus: descending); ties by id.",
            lambda: fields.String(validate=validate.OneOf(sorts)),
            {"type": "string", "enum": sorts},
        ),
        Param(
            "_total",
            "special",
            "none: no total (one query less); estimate or accurate: the exact total.",
            lambda: fields.String(validate=validate.OneOf(["none", "estimate", "accurate"])),
            {"type": "string", "enum": ["none", "estimate", "accurate"]},
        ),
        Param(
            "_totalMethod",
            "special",
            "The same as _total in the words of Aidbox and "
            "fhirpy: count (accurate), estimate or none.",
            lambda: fields.String(validate=validate.OneOf(["count", "estimate", "none"])),
            {"type": "string", "enum": ["count", "estimate", "none"]},
        ),
        Param(
            "_cursor",
            "special",
            "The position of a page: opaque, taken from a Bundle's "
            "next or previous link (keyset paging: no entry repeated or skipped while "
            "results are added).",
            _Cursor,
            {"type": "string", "pattern": r"^[A-Za-z0-9_\-]{1,400}$"},
        ),
        Param(
            "_offset",
            "number",
            "Matches to skip (kept for old clients; the links use "
            "_cursor); at most NEUROROOT_SEARCH_MAX_OFFSET (default 10000), beyond it 400: "
            "narrow the search instead.",
            lambda: fields.Integer(validate=validate.Range(min=0), strict=False),
            {"type": "integer", "minimum": 0, "maximum": 10000},
        ),
    )


_LAST_UPDATED = Param(
    "_lastUpdated",
    "date",
    "When the resource was stored; every prefix (eq, ne, gt, lt, ge, le, "
    "sa, eb, ap), years 0001 to 9999.",
    _Dates,
    {"type": "array", "items": {"$ref": "#/components/schemas/DateSearch"}},
    filter="_lastUpdated",
    repeatable=True,
)


def _id_param(filter_name: str = "_id") -> Param:
    return Param(
        "_id",
        "token",
        "Logical id(s), comma-separated (any of them).",
        _Ids,
        {"type": "string", "pattern": rf"^{_ID}(,{_ID})*$"},
        filter=filter_name,
    )


#: The REST surface. Adding a resource type is one more entry here, its filters in
#: service/store/filters.py, and its views.
RESOURCES: dict[str, Resource] = {
    r.type: r
    for r in (
        Resource(
            "ClinicalImpression",
            read="results.read_impression",
            vread="results.vread_impression",
            patch="retract.retract_impression",
            patch_documentation="Retraction only: a JSON Patch replacing /status with "
            "entered-in-error (version + 1, with a Provenance; If-Match honoured).",
            search="results.search_impressions",
            post_search=True,
            params=(
                _id_param(),
                _LAST_UPDATED,
                Param(
                    "subject",
                    "reference",
                    "The patient or group assessed (Patient/123).",
                    lambda: _Reference("Patient"),
                    {"$ref": "#/components/schemas/SubjectSearch"},
                    filter="subject",
                ),
                Param(
                    "patient",
                    "reference",
                    "The patient assessed (123 or Patient/123).",
                    lambda: _Reference("Patient", only=True),
                    {"$ref": "#/components/schemas/PatientSearch"},
                    filter="subject",
                ),
                Param(
                    "date",
                    "date",
                    "When the assessment was made; every prefix (eq, ne, gt, lt, "
                    "ge, le, sa, eb, ap), years 0001 to 9999.",
                    _Dates,
                    {"type": "array", "items": {"$ref": "#/components/schemas/DateSearch"}},
                    filter="date",
                    repeatable=True,
                ),
                Param(
                    "status",
                    "token",
                    "in-progress, completed, entered-in-error "
                    "(comma-separated: any of them). Without it, retracted (entered-in-error) "
                    "results are left out.",
                    _Statuses,
                    {"type": "string", "pattern": rf"^({_STATUS})(,({_STATUS}))*$"},
                    filter="status",
                ),
            ),
            sorts=("date", "_lastUpdated"),
            revincludes=("Provenance:target",),
            revinclude_scope=("Provenance", "s"),
            operations=(
                Operation(
                    "localize-root",
                    OPERATION_URL,
                    (("POST", "localize.localize_root"),),
                    ("ClinicalImpression", "c"),
                ),
            ),
            capability={
                "versioning": "versioned",
                "readHistory": False,
                "conditionalRead": "full-support",
            },
        ),
        Resource(
            "Provenance",
            read="results.read_provenance",
            search="results.search_provenance",
            post_search=True,
            params=(
                _id_param(),
                _LAST_UPDATED,
                Param(
                    "target",
                    "reference",
                    "The ClinicalImpression(s) it is about "
                    "(ClinicalImpression/{id}[/_history/{vid}], comma: any of them).",
                    _Targets,
                    {"$ref": "#/components/schemas/ReferenceListSearch"},
                    filter="target",
                ),
            ),
            sorts=("_lastUpdated",),
            includes=("Provenance:target",),
            include_scope=("ClinicalImpression", "s"),
            capability={
                "versioning": "versioned",
                "readHistory": False,
                "conditionalRead": "full-support",
            },
        ),
        Resource(
            "Observation",
            read="isncsci.read_observation",
            vread="isncsci.vread_observation",
            search="isncsci.search_observations",
            post_search=True,
            params=(
                _id_param(),
                _LAST_UPDATED,
                Param(
                    "subject",
                    "reference",
                    "The patient classified (Patient/123).",
                    lambda: _Reference("Patient"),
                    {"$ref": "#/components/schemas/SubjectSearch"},
                    filter="subject",
                ),
                Param(
                    "patient",
                    "reference",
                    "The patient classified (123 or Patient/123).",
                    lambda: _Reference("Patient", only=True),
                    {"$ref": "#/components/schemas/PatientSearch"},
                    filter="subject",
                ),
                Param(
                    "code",
                    "token",
                    "An isncsci code (classification, asia-impairment-scale...), "
                    "optionally system|code; comma-separated for any of them.",
                    _Codes,
                    {"type": "string", "pattern": rf"^{_TOKEN}(,{_TOKEN})*$"},
                    filter="code",
                ),
            ),
            sorts=("date", "_lastUpdated"),
            operations=(
                Operation(
                    "classify-isncsci",
                    ISNCSCI_OPERATION_URL,
                    (("POST", "isncsci.classify"),),
                    ("Observation", "c"),
                ),
            ),
            capability={
                "versioning": "versioned",
                "readHistory": False,
                "conditionalRead": "full-support",
            },
        ),
        Resource(
            "CodeSystem",
            read="terminology.read_codesystem",
            search="terminology.search_codesystem",
            params=(
                _id_param(),
                Param(
                    "url",
                    "uri",
                    "The canonical URL.",
                    lambda: fields.String(
                        validate=validate.Regexp(r"\s*\S", error="must not be empty")
                    ),
                    {"$ref": "#/components/schemas/NonBlank"},
                    filter="url",
                ),
            ),
        ),
        Resource(
            "ConceptMap",
            read="terminology.read_conceptmap",
            search="terminology.search_conceptmap",
            params=(
                _id_param(),
                Param(
                    "url",
                    "uri",
                    "The canonical URL.",
                    lambda: fields.String(
                        validate=validate.Regexp(r"\s*\S", error="must not be empty")
                    ),
                    {"$ref": "#/components/schemas/NonBlank"},
                    filter="url",
                ),
            ),
            operations=(
                Operation(
                    "translate",
                    TRANSLATE_URL,
                    (("GET", "terminology.translate"), ("POST", "terminology.translate")),
                    ("ConceptMap", "r"),
                ),
            ),
        ),
        Resource("OperationDefinition", read="metadata.operation"),
        Resource(
            "Bundle",
            # a dry run of $localize-root: whoever may post an exam may check one (it carries
            # patient data, so it is not public); nothing is created
            operations=(
                Operation(
                    "validate",
                    VALIDATE_URL,
                    (("POST", "validate.validate_bundle"),),
                    ("ClinicalImpression", "c"),
                ),
            ),
            capability={
                "documentation": "Only $validate, for the input of $localize-root; Bundles "
                "are not stored."
            },
        ),
    )
}


def query_schema(params: t.Iterable[Param]) -> Schema:
    """The marshmallow schema checking and parsing *params* (unknown names: an error)."""
    declared = {param.name: param.parser() for param in params}
    return Schema.from_dict(declared, name="Query")(unknown=RAISE)


def capability_resources() -> list[dict[str, t.Any]]:
    """``CapabilityStatement.rest.resource``, from the declaration."""
    out = []
    for resource in RESOURCES.values():
        entry: dict[str, t.Any] = {"type": resource.type, **resource.capability}
        interactions: list[dict[str, str]] = [
            {"code": code}
            for code, endpoint in (
                ("read", resource.read),
                ("vread", resource.vread),
                ("search-type", resource.search),
            )
            if endpoint
        ]
        if resource.patch:
            interactions.append({"code": "patch", "documentation": resource.patch_documentation})
        if interactions:  # FHIR JSON has no empty arrays (Bundle: an operation only)
            entry["interaction"] = interactions
        searched = [p for p in resource.params if p.capability]
        if searched and resource.search:
            entry["searchParam"] = [
                {"name": p.name, "type": p.type, "documentation": p.description} for p in searched
            ]
        if resource.includes:
            entry["searchInclude"] = list(resource.includes)
        if resource.revincludes:
            entry["searchRevInclude"] = list(resource.revincludes)
        if resource.operations:
            entry["operation"] = [
                {"name": op.name, "definition": op.definition} for op in resource.operations
            ]
        out.append(entry)
    return out


def route_scopes() -> dict[tuple[str, str], Need]:
    """(method, endpoint) -> the scope it needs, for every declared route."""
    rules: dict[tuple[str, str], Need] = {}
    for resource in RESOURCES.values():
        for endpoint in (resource.read, resource.vread):
            if endpoint:
                rules[("GET", endpoint)] = (resource.type, "r")
        if resource.patch:
            rules[("PATCH", resource.patch)] = (resource.type, "u")
        if resource.search:
            rules[("GET", resource.search)] = (resource.type, "s")
            if resource.post_search:
                rules[("POST", resource.search)] = (resource.type, "s")
        for operation in resource.operations:
            for route in operation.routes:
                rules[route] = operation.need
    return rules


def parameter_scopes() -> dict[tuple[str, str, str], Need]:
    """(method, endpoint, parameter) -> the extra scope that parameter needs."""
    rules: dict[tuple[str, str, str], Need] = {}
    for resource in RESOURCES.values():
        if not resource.search:
            continue
        methods = ("GET", "POST") if resource.post_search else ("GET",)
        for param in resource.search_params():
            if param.scope is not None:
                rules |= {(m, resource.search, param.name): param.scope for m in methods}
    return rules
