"""Reading a request body: its size limit, its framing and its Content-Encoding.

One function, :func:`read_body`, for every route that reads a body. It answers:

- **413** when the body is over ``NEUROROOT_MAX_BODY_BYTES``: a ``Content-Length`` over the
  limit before anything is read; a chunked body (``Transfer-Encoding: chunked``, no length) as
  soon as more than the limit has arrived, never a body cut at the limit and parsed;
- ``Content-Encoding: gzip`` (or ``x-gzip``) and ``deflate`` are decoded; the limit applies to
  the *decoded* bytes, and decoding streams with a cap, so a small "zip bomb" is refused after
  at most the limit plus one chunk has been inflated, never inflated in full. ``identity`` (or
  no header) is the body as sent. One encoding at most: anything else, or a list of several,
  is **415** naming ``http.Content-Encoding``; bytes that do not decode are **400**;
- **408** when the client stops sending (the server's socket time-outs, see
  :mod:`service.worker`), and **400** when the client disconnects or breaks the chunked
  framing mid-body.

No Flask here beyond the WSGI environ handed in, so it is tested without a server.
"""

from __future__ import annotations

import typing as t
import zlib

from ...errors import InvalidRequest, PayloadTooLarge, RequestTimeout, UnsupportedMediaType

__all__ = ["CHUNK", "read_body"]

#: bytes read from the client (and inflated) per step.
CHUNK = 64 * 1024

_GZIP = frozenset({"gzip", "x-gzip"})
_SUPPORTED = "gzip, deflate or identity"


def _too_large(limit: int, decoded: bool) -> PayloadTooLarge:
    what = "request body, once decoded," if decoded else "request body"
    return PayloadTooLarge(
        f"the {what} is larger than the configured limit of {limit} bytes "
        "(NEUROROOT_MAX_BODY_BYTES)"
    )


def _encoding(header: str | None) -> str:
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return "identity"
    if len(codings) == 1 and (codings[0] in _GZIP or codings[0] == "deflate"):
        return "gzip" if codings[0] in _GZIP else "deflate"
    raise UnsupportedMediaType(
        f"Content-Encoding {header!r} is not supported: send the body as {_SUPPORTED} "
        "(one encoding at most)",
        "http.Content-Encoding",
    )


def _chunks(environ: t.Mapping[str, t.Any], length: int | None, limit: int) -> t.Iterator[bytes]:
    """The raw body in pieces; 413 as soon as more than *limit* bytes are on their way."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    if length is None and not environ.get("wsgi.input_terminated"):
        return  # no length and a server that does not frame the body: there is none
    remaining = length
    received = 0
    while remaining is None or remaining > 0:
        want = CHUNK if remaining is None else remaining  # a known length is within the limit
        try:
            piece = stream.read(want)
        except TimeoutError:
            raise RequestTimeout(
                "the client stopped sending the request body; the connection timed out",
                "http.body",
            ) from None
        except Exception:  # a disconnect, or broken chunked framing (the server's own errors)
            raise InvalidRequest(
                "the request body could not be read to its end (connection closed or broken "
                "chunked framing)",
                "http.body",
            ) from None
        if not piece:
            if remaining is not None:
                raise InvalidRequest(
                    f"the request body ended after {received} of the {length} bytes announced "
                    "by Content-Length",
                    "http.body",
                )
            return
        received += len(piece)
        if received > limit:
            raise _too_large(limit, decoded=False)
        if remaining is not None:
            remaining -= len(piece)
        yield piece


def _decoded(pieces: t.Iterable[bytes], encoding: str, limit: int) -> bytes:
    # wbits 31 reads the gzip format, 15 the zlib format that HTTP calls "deflate"; a raw
    # deflate stream (no zlib header, which some clients send) is tried when that fails at once.
    inflater = zlib.decompressobj(31 if encoding == "gzip" else 15)
    out = bytearray()
    started = False
    try:
        for piece in pieces:
            if not piece:
                continue
            if not started and encoding == "deflate":
                try:
                    zlib.decompressobj(15).decompress(piece[:64])
                except zlib.error:
                    inflater = zlib.decompressobj(-15)
            started = True
            data = piece
            # at most limit + 1 bytes out per call: a bomb never inflates past the cap
            while data and len(out) <= limit and not inflater.eof:
                out += inflater.decompress(data, limit + 1 - len(out))
                data = inflater.unconsumed_tail
            if len(out) > limit:
                raise _too_large(limit, decoded=True)
            if inflater.eof and (data or inflater.unused_data):
                raise InvalidRequest(
                    f"the request body has bytes after the end of its {encoding} data",
                    "http.Content-Encoding",
                )
    except zlib.error:
        raise InvalidRequest(
            f"the request body is not valid {encoding} data (Content-Encoding: {encoding})",
            "http.Content-Encoding",
        ) from None
    if started and not inflater.eof:
        raise InvalidRequest(
            f"the request body is truncated {encoding} data (Content-Encoding: {encoding})",
            "http.Content-Encoding",
        )
    return bytes(out)


def read_body(environ: t.Mapping[str, t.Any], limit: int) -> bytes:
    """The request body of the WSGI *environ*, decoded, at most *limit* bytes.

    :raise PayloadTooLarge: (413) over the limit, before or after decoding.
    :raise UnsupportedMediaType: (415) an unknown or stacked Content-Encoding.
    :raise InvalidRequest: (400) undecodable bytes, or a body cut short.
    :raise RequestTimeout: (408) the client stopped sending.
    """
    encoding = _encoding(environ.get("HTTP_CONTENT_ENCODING"))
    raw_length = environ.get("CONTENT_LENGTH") or ""
    length: int | None = None
    if raw_length.strip():
        try:
            length = int(raw_length)
        except ValueError:
            raise InvalidRequest("Content-Length is not a number", "http.Content-Length") from None
        if length < 0:
            raise InvalidRequest("Content-Length is negative", "http.Content-Length")
        if length > limit:
            raise _too_large(limit, decoded=False)
    pieces = _chunks(environ, length, limit)
    if encoding == "identity":
        first = next(pieces, b"")
        if length is not None and len(first) == length:
            return first  # the common case: the whole body in one piece
        return first + b"".join(pieces)
    return _decoded(pieces, encoding, limit)
