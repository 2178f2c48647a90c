"""The fast structure check: the official R4 JSON schema, tightened to fhir.resources R4B.

Validating a request with the R4B models costs about 40 times parsing its JSON (pydantic builds
one model per element, with Python validators on each). The official R4 JSON schema
(``schema/fhir.schema.json``), compiled once by jsonschema-rs, checks the same document in a
fraction of that, but it is laxer than R4B in places: it does not require primitive elements
(``Observation.status``), has no choice-type rule (``valueBoolean`` *and* ``valueInteger``),
does not say that an element is an object (``"code": "x"`` passes), lets ``integer`` be
fractional, and does not check dates against the calendar. So the schema is *tightened* here,
once, by walking it side by side with the R4B models, from the resource types in
:data:`FAST_TYPES`:

- every element keeps the schema's own rule **and** gains R4B's: the element must exist in the
  R4B model (else it is dropped, and ``additionalProperties: false`` rejects it), have the same
  cardinality (else the element is rejected), and, for primitives, satisfy R4B's constraint
  (a pattern or an integer range; for dates and times a pattern of real calendar dates that R4B
  surely accepts; for the other date and time values and for url, uuid and base64Binary, R4B's
  own validator, called from the schema as a ``format`` and memoised); primitive rules are kept
  once each among the definitions, so that each pattern is compiled once;
- complex elements must be JSON objects; R4B's required elements, required primitives (a value
  or an ``_element`` with an extension) and choice groups (at most one ``value[x]``) become
  ``required``, ``anyOf`` and ``dependencies`` (the last only for objects with more elements
  than their required ones and one more: smaller ones cannot hold two);
- a nested resource (``contained``, ``Bundle.entry.resource``...) must be one of
  :data:`FAST_TYPES`, chosen by an if/then/else chain on ``resourceType``, Observation first.

The result accepts a subset of what R4B accepts (``tests/fhir/test_strictness.py`` checks this on
the samples, the official examples and thousands of mutations of them). It is only a fast
*accept*: whatever it does not accept is validated by R4B as before, which gives the exact
diagnostics (see :mod:`.structure`).

The walk imports some 70 R4B model classes (0.4 s, 20 MB), so its result is kept in
``schema/fhir.r4b-fast.schema.json`` (a derived work of ``fhir.schema.json``, same licence) and
the service only loads that file. ``python -m service.fhir.read.schema_check`` writes it
again; a test fails when it no longer matches the installed fhir.resources (rebuild it after an
upgrade).
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import typing as t
from importlib import resources
from pathlib import Path

from .dates import SURELY_VALID

if t.TYPE_CHECKING:
    from fhir_core.fhirabstractmodel import FHIRAbstractModel

__all__ = [
    "FAST_SCHEMA",
    "official_schema",
    "FAST_TYPES",
    "build_tightened_schema",
    "fast_valid",
    "tightened_schema",
    "warm_up",
]

#: Resource types the fast check covers: what an exam Bundle or Parameters carries. Anything
#: else (a MedicationRequest in the Bundle) goes to R4B.
FAST_TYPES = (
    "Bundle",
    "Parameters",
    "Observation",
    "BodyStructure",
    "Patient",
    "Encounter",
    "Practitioner",
    "PractitionerRole",
    "Organization",
)

#: The tightened schema, as built by :func:`build_tightened_schema` (see the module docstring).
FAST_SCHEMA = "schema/fhir.r4b-fast.schema.json"

_INT32 = {"minimum": -(2**31), "maximum": 2**31 - 1}
#: R4B's rule for each primitive, as JSON schema (pydantic's ``pattern`` searches, like JSON
#: schema's). The kinds validated by R4B code rather than a pattern use a ``format``.
_PRIMITIVES: dict[str, dict[str, t.Any]] = {
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer", **_INT32},
    "unsignedInt": {"type": "integer", **_INT32, "minimum": 0},
    "positiveInt": {"type": "integer", **_INT32, "minimum": 1},
    "decimal": {"type": "number"},
    "string": {"type": "string", "pattern": "[ \r\n\t\\S]"},
    "code": {"type": "string", "pattern": r"^[^\s]+(\s[^\s]+)*$"},
    "id": {"type": "string", "pattern": r"^[A-Za-z0-9\-.]+$", "minLength": 1, "maxLength": 255},
    "oid": {"type": "string", "pattern": r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$"},
    "uri": {"type": "string"},
    "canonical": {"type": "string"},
    "markdown": {"type": "string"},
    "xhtml": {"type": "string"},
}
_FORMATS = ("date", "dateTime", "instant", "time", "url", "uuid", "base64Binary")


def _allow_r4_technical_correction(node: t.Any) -> None:
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and "4.0.0" in enum and "4.0.1" not in enum:
            enum.append("4.0.1")
        for value in node.values():
            _allow_r4_technical_correction(value)
    elif isinstance(node, list):
        for value in node:
            _allow_r4_technical_correction(value)


def official_schema() -> dict[str, t.Any]:
    """The official R4 JSON schema (vendored from the npm package), as the service reads it.

    The one change made on loading: "4.0.1" is added wherever the schema enumerates FHIR
    versions up to "4.0.0". The npm package ships the schema of the 4.0.0 build; 4.0.1 is R4's
    technical correction, the release this service speaks (and whose own schema lists it).
    The vendored file stays byte-identical to the package's.
    """
    schema_file = resources.files("service.fhir.read").joinpath("schema/fhir.schema.json")
    text = schema_file.read_text("utf-8")
    schema = json.loads(text)
    _allow_r4_technical_correction(schema)
    return t.cast(dict[str, t.Any], schema)


# -- R4B side ---------------------------------------------------------------------------------


def _unwrap(annotation: t.Any) -> tuple[t.Any, bool]:
    """(the element type, whether the field is a list) of an R4B field annotation."""
    listed = False
    while True:
        origin, args = t.get_origin(annotation), t.get_args(annotation)
        if origin is t.Union or (origin is not None and type(None) in args and len(args) == 2):
            annotation = next(a for a in args if a is not type(None))
        elif origin in (list, t.List):  # noqa: UP006 (the models spell it typing.List)
            annotation, listed = args[0], True
        else:
            return annotation, listed


def _primitive_kind(annotation: t.Any) -> str | None:
    # defined in fhir_core.constraints, filled by importing fhir_core.types (hence from there)
    from fhir_core.types import FHIR_PRIMITIVES_MAPS  # type: ignore[attr-defined]

    try:
        return FHIR_PRIMITIVES_MAPS.get(annotation)
    except TypeError:  # unhashable
        return None


def _model_class(annotation: t.Any) -> type[FHIRAbstractModel] | str | None:
    """The R4B model class an element type stands for, "Resource" for any resource, or None."""
    from fhir_core.types import FHIR_TYPES_MAPS  # type: ignore[attr-defined]  # as above

    name = getattr(annotation, "__name__", "")
    if name == "ResourceType":
        return "Resource"
    dotted = FHIR_TYPES_MAPS.get(f"{getattr(annotation, '_prefix', '')}{name}")
    if dotted is None:
        return None
    module, _, cls = dotted.rpartition(".")
    return t.cast("type[FHIRAbstractModel]", getattr(importlib.import_module(module), cls))


# -- the walk ---------------------------------------------------------------------------------


class _Builder:
    """Builds the tightened definitions, one per (R4B class, schema definition) pair."""

    def __init__(self, schema: dict[str, t.Any]) -> None:
        self.source = schema["definitions"]
        self.out: dict[str, t.Any] = {}
        self.primitives: dict[str, str] = {}  # the JSON of a primitive rule -> its name

    def resource_list(self) -> dict[str, t.Any]:
        from fhir.resources.R4B import get_fhir_model_class

        if "ResourceList" not in self.out:
            self.out["ResourceList"] = {}  # placeholder against recursion
            # One if/then/else chain on resourceType, Observation (by far the most frequent)
            # first: a resource is checked against the types until its own, not against all.
            order = ["Observation", *(kind for kind in FAST_TYPES if kind != "Observation")]
            dispatch: dict[str, t.Any] = {}
            for kind in reversed(order):  # built from the innermost else
                model = get_fhir_model_class(kind)
                dispatch = {
                    "if": {"properties": {"resourceType": {"const": kind}}},
                    "then": {"$ref": f"#/definitions/{self.definition(model, kind)}"},
                    **({"else": dispatch} if dispatch else {}),
                }
            self.out["ResourceList"] = {
                "type": "object",
                "required": ["resourceType"],
                "properties": {"resourceType": {"enum": list(FAST_TYPES)}},
                **dispatch,
            }
        return {"$ref": "#/definitions/ResourceList"}

    def definition(self, model: type[FHIRAbstractModel], source_name: str) -> str:
        """The name of the tightened definition for *model* read with ``source_name``'s rules."""
        name = f"{model.__name__}.{source_name}"
        if name in self.out:
            return name
        self.out[name] = {}  # placeholder against recursion
        source = self.source[source_name]
        fields = {(field.alias or key): (key, field) for key, field in model.model_fields.items()}
        properties: dict[str, t.Any] = {}
        for element, rule in source.get("properties", {}).items():
            if element == "resourceType":
                properties[element] = rule
                continue
            if element not in fields:
                continue  # R4B does not know it: additionalProperties false rejects it
            properties[element] = self.element(rule, fields[element][1].annotation)
        extra: list[dict[str, t.Any]] = []
        required = set(source.get("required", ()))
        required |= {
            field.alias or key for key, field in model.model_fields.items() if field.is_required()
        }
        for key, ext in model.get_required_fields(None):  # type: ignore[arg-type]
            value = model.model_fields[key].alias or key
            if ext is None:
                required.add(value)
                continue
            marker = model.model_fields[ext].alias or ext
            extra.append(
                {
                    "anyOf": [
                        {"required": [value]},
                        {
                            "required": [marker],
                            "properties": {
                                marker: {
                                    "required": ["extension"],
                                    "properties": {"extension": {"minItems": 1}},
                                }
                            },
                        },
                    ]
                }
            )
        dependencies: dict[str, t.Any] = {}
        for group in model.get_one_of_many_fields(None).values():  # type: ignore[arg-type]
            names = [model.model_fields[key].alias or key for key in group]
            for name_ in names:
                dependencies[name_] = {
                    "propertyNames": {"not": {"enum": [other for other in names if other != name_]}}
                }
            extra_info = model.model_fields[group[0]].json_schema_extra or {}
            if isinstance(extra_info, dict) and extra_info.get("one_of_many_required") is True:
                extra.append({"anyOf": [{"required": [n]} for n in names]})
        if model.__name__ == "FHIRPrimitiveExtension":  # R4B: an id or an extension is required
            extra.append({"anyOf": [{"required": ["id"]}, {"required": ["extension"]}]})
        tightened: dict[str, t.Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        }
        if required:
            tightened["required"] = sorted(required)
        if dependencies:
            # An object with its required elements and at most one more cannot hold two members
            # of a choice group; only larger ones are checked, member by member. (Each member's
            # dependency looks its rivals up: 50 lookups for every Extension, most of the
            # schema's time on an exam Bundle.)
            extra.append(
                {"anyOf": [{"maxProperties": len(required) + 1}, {"dependencies": dependencies}]}
            )
        if extra:
            tightened["allOf"] = extra
        self.out[name] = tightened
        return name

    def primitive(self, rule: dict[str, t.Any], kind: str) -> dict[str, t.Any] | t.Literal[False]:
        """The schema's rule for a primitive element merged with R4B's (False: incompatible)."""
        if "$ref" in rule:
            rule = self.source.get(rule["$ref"].rsplit("/", 1)[1], {})
        if kind not in _PRIMITIVES and kind not in _FORMATS:
            return False
        mine = dict(_PRIMITIVES.get(kind) or {"type": "string", "format": f"r4b-{kind}"})
        if kind in SURELY_VALID:
            mine = {
                "type": "string",
                "anyOf": [{"pattern": SURELY_VALID[kind]}, {"format": f"r4b-{kind}"}],
            }
        theirs = {key: value for key, value in rule.items() if key != "description"}
        if "enum" in theirs:  # keep the codes that R4B's rule accepts too
            pattern = mine.get("pattern")
            codes = [
                code
                for code in theirs["enum"]
                if isinstance(code, str) and (pattern is None or re.search(pattern, code))
            ]
            return {"type": "string", "enum": codes}
        wanted = mine.get("type")
        given = theirs.pop("type", wanted)
        if wanted in _NUMERIC:
            if given not in ({wanted} | ({"number"} if wanted == "integer" else set())):
                return False
            return mine  # a pattern does not apply to numbers and booleans
        if given != wanted:
            return False
        pattern = theirs.get("pattern")
        if pattern is not None and "pattern" in mine:
            if pattern == mine["pattern"] or (pattern, mine["pattern"]) in _IMPLIED:
                mine = {
                    key: value
                    for key, value in mine.items()
                    if key not in ("pattern", "minLength", "maxLength")
                }
            else:
                return {"allOf": [theirs | {"type": wanted}, mine]}
        return {**theirs, **mine}

    def shared(self, kind: str, rule: dict[str, t.Any]) -> dict[str, t.Any]:
        """A reference to *rule* kept once among the definitions: each definition's patterns are
        compiled once (inlined, the same pattern compiled hundreds of times took 10 MB)."""
        key = json.dumps(rule, sort_keys=True)
        name = self.primitives.get(key)
        if name is None:
            name = kind if kind not in self.out else f"{kind}.{len(self.primitives)}"
            self.primitives[key] = name
            self.out[name] = rule
        return {"$ref": f"#/definitions/{name}"}

    def element(self, rule: dict[str, t.Any], annotation: t.Any) -> t.Any:
        """The tightened rule of one element (*rule* from the schema, *annotation* from R4B)."""
        item, listed = _unwrap(annotation)
        if listed != (rule.get("type") == "array"):
            return False  # different cardinality in R4 and R4B: leave it to R4B
        inner = rule["items"] if listed else rule
        kind = _primitive_kind(item)
        if kind is not None:
            merged = self.primitive(inner, kind)
            if merged is False:
                return False
            tightened = self.shared(kind, merged)
        else:
            model = _model_class(item)
            if model == "Resource":
                tightened = self.resource_list()
            elif isinstance(model, type) and "$ref" in inner and "#/definitions/" in inner["$ref"]:
                target = inner["$ref"].rsplit("/", 1)[1]
                if target == "ResourceList":
                    return False
                tightened = {"$ref": f"#/definitions/{self.definition(model, target)}"}
            else:
                return False
        if listed:
            return {"type": "array", "items": tightened}
        return tightened


#: R4B patterns a schema pattern already implies (so checking both would be wasted work):
#: ``^[ \r\n\t\S]+$`` (every character of the class, at least one) implies R4B's "at least one",
#: and the schema's id (1 to 64 of the characters) implies R4B's (1 to 255 of the same ones).
_IMPLIED = {
    (r"^[ \r\n\t\S]+$", "[ \r\n\t\\S]"),
    (r"^[A-Za-z0-9\-\.]{1,64}$", r"^[A-Za-z0-9\-.]+$"),
}
_NUMERIC = frozenset({"integer", "number", "boolean"})


def build_tightened_schema() -> dict[str, t.Any]:
    """Walk the official schema with the R4B models (slow: imports the models)."""
    builder = _Builder(official_schema())
    root = builder.resource_list()
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": "Built by service/fhir/read/schema_check.py from fhir.schema.json and "
        "fhir.resources R4B; do not edit (python -m service.fhir.read.schema_check writes it "
        "again).",
        **root,
        "definitions": dict(sorted(builder.out.items())),
    }


@functools.cache
def tightened_schema() -> dict[str, t.Any]:
    """The tightened schema, as kept in :data:`FAST_SCHEMA`."""
    text = resources.files("service.fhir.read").joinpath(FAST_SCHEMA).read_text("utf-8")
    return t.cast(dict[str, t.Any], json.loads(text))


def write_tightened_schema() -> Path:
    """Build the tightened schema and write it to :data:`FAST_SCHEMA` (next to this module)."""
    path = Path(__file__).parent / FAST_SCHEMA
    text = json.dumps(build_tightened_schema(), indent=1, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


# -- R4B's own validators, called as formats --------------------------------------------------


@functools.cache
def _adapters() -> dict[str, t.Any]:
    from fhir_core import types
    from pydantic import TypeAdapter

    return {
        "date": TypeAdapter(types.DateType),
        "dateTime": TypeAdapter(types.DateTimeType),
        "instant": TypeAdapter(types.InstantType),
        "time": TypeAdapter(types.TimeType),
        "url": TypeAdapter(types.UrlType),
        "uuid": TypeAdapter(types.UuidType),
        "base64Binary": TypeAdapter(types.Base64BinaryType),
    }


@functools.lru_cache(maxsize=4096)
def _r4b_accepts(kind: str, value: str) -> bool:
    try:
        _adapters()[kind].validate_python(value)
    except Exception:  # noqa: BLE001 (any refusal, whatever R4B raises, means "not fast")
        return False
    return True


def _format(kind: str) -> t.Callable[[str], bool]:
    return lambda value: _r4b_accepts(kind, value)


@functools.cache
def _validator() -> t.Any:
    import jsonschema_rs

    return jsonschema_rs.Draft7Validator(
        tightened_schema(),
        formats={f"r4b-{kind}": _format(kind) for kind in _FORMATS},
        validate_formats=True,
    )


def fast_valid(resource: t.Any) -> bool:
    """True when *resource* (with everything nested in it) is one of :data:`FAST_TYPES` and
    passes the tightened schema, so R4B would accept it too; False says nothing (ask R4B)."""
    return bool(_validator().is_valid(resource))


def warm_up() -> None:
    """Compile the validator and R4B's date/time validators now rather than on first use."""
    fast_valid(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "warm-up"},
            "effectiveDateTime": "2024-01-01T00:00:00Z",
            "issued": "2024-01-01T00:00:00Z",
        }
    )


if __name__ == "__main__":  # pragma: no cover
    print(f"wrote {write_tightened_schema()}")
