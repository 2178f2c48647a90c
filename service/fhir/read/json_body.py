"""Reading a request body as strict JSON (400 when it is not).

The body is UTF-8 JSON (RFC 8259): no ``NaN``/``Infinity``, no unpaired surrogates, and nested
no deeper than a limit (a defence against pathological bodies; FHIR resources are shallow).
Messages say what is wrong and where (line, column), never what the body holds: it is patient
data.

The depth is measured on the bytes, not on the decoded document: with the strings cut out, the
brackets that remain form a balanced sequence (orjson has parsed it), and removing every
innermost pair (``[]`` or ``{}``) once per pass takes exactly as many passes as the nesting is
deep. Each pass is one C-level ``bytes.replace``; walking the decoded tree in Python cost five
times the parse itself.
"""

from __future__ import annotations

import re
import typing as t

import orjson

from ...errors import InvalidRequest, Issue

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
    if _deeper_than(body, max_depth):
        depth = _depth(document)
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


#: An escape in a JSON string: a backslash and the character after it.
_ESCAPE = re.compile(rb"\\.")
#: Makes every bracket ``(`` or ``)``; the second table deletes all but quotes and brackets.
_BRACKETS = bytes.maketrans(b"[{]}", b"(())")
_NOT_QUOTES_OR_BRACKETS = bytes(sorted(set(range(256)) - set(b'"[]{}')))


def _deeper_than(body: bytes, limit: int) -> bool:
    """Whether the (valid) JSON *body* nests objects and arrays more than *limit* deep."""
    if b"\\" in body:  # drop escapes first, so that every quote left opens or closes a string
        body = _ESCAPE.sub(b"", body)
    kept = body.translate(None, _NOT_QUOTES_OR_BRACKETS)
    # Strings without brackets are now "" pairs. If any quote survives their removal, some
    # string holds a bracket (the first such string always leaves one): cut on the quotes.
    skeleton = kept.replace(b'""', b"")
    if b'"' in skeleton:
        skeleton = b"".join(kept.split(b'"')[::2])
    skeleton = skeleton.translate(_BRACKETS)
    for _ in range(limit):
        if not skeleton:
            return False
        skeleton = skeleton.replace(b"()", b"")
    return bool(skeleton)


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
