"""Reading a request body as strict JSON (400 when it is not).

The body is UTF-8 JSON (RFC 8259): no ``NaN``/``Infinity``, no unpaired surrogates, and nested
no deeper than a limit (a defence against pathological bodies; FHIR resources are shallow).
Messages say what is wrong and where (line, column), never what the body holds: it is patient
data.
"""

from __future__ import annotations

import typing as t

import orjson

from ..errors import InvalidRequest, Issue

__all__ = ["read_json"]


def read_json(body: bytes, *, max_depth: int = 64) -> t.Any:
    """Parse a request body as strict JSON (RFC 8259, UTF-8).

    :raise InvalidRequest: (issue type ``structure``, no expression) when the body is empty, not
        UTF-8, not JSON, uses ``NaN``/``Infinity``, or nests objects and arrays deeper than
        *max_depth*. The message says which, and where (line and column), never what.
    """
    if body.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark is tolerated (RFC 8259 §8.1)
        body = body[3:]
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise _invalid(_json_message(body, error)) from None
    depth = _depth(document)
    if depth > max_depth:
        raise _invalid(
            f"request body is not acceptable JSON: objects and arrays are nested {depth} levels "
            f"deep, more than the limit of {max_depth}"
        )
    return document


def _invalid(message: str) -> InvalidRequest:
    return t.cast(InvalidRequest, InvalidRequest.many([Issue(message, (), "structure")]))


def _json_message(body: bytes, error: orjson.JSONDecodeError) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"request body is not valid UTF-8 (invalid byte at offset {bad.start})"
    where = f"line {error.lineno} column {error.colno}"
    if not text.strip():
        return "request body is empty; expected a FHIR Bundle or Parameters resource as JSON"
    for word in ("NaN", "Infinity"):
        if text.startswith(word, error.pos) or text.startswith(word, max(error.pos - 1, 0)):
            return f"request body is not valid JSON: {word} is not a JSON number ({where})"
    if error.msg == "depth limit exceeded":
        return f"request body is not acceptable JSON: nested too deeply ({where})"
    if "surrogate" in error.msg:
        return (
            f"request body is not valid JSON: a string holds an unpaired UTF-16 surrogate ({where})"
        )
    return f"request body is not valid JSON: {error.msg} ({where})"


def _depth(document: t.Any) -> int:
    """Nesting depth of objects and arrays (a scalar is 0, ``{}`` is 1); iterative."""
    deepest = 0
    stack: list[tuple[t.Any, int]] = [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: t.Iterable[t.Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
