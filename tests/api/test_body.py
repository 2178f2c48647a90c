"""Request bodies through the WSGI app: size limit on chunked bodies, Content-Encoding, time-outs.

The same shapes are sent to a real gunicorn in tests/test_serving.py.
"""

from __future__ import annotations

import gzip
import io
import tracemalloc
import typing as t
import zlib
from pathlib import Path

import pytest

from service import create_app
from tests.conftest import DATA, FHIR_HEADERS

OPERATION = "/fhir/ClinicalImpression/$localize-root"
SAMPLE = (DATA / "samples" / "l5-left.json").read_bytes()


@pytest.fixture
def small(tmp_path: Path) -> t.Any:
    """A client of an app whose body limit is 1 MiB."""
    app = create_app(
        {"TESTING": True, "MAX_BODY_BYTES": 1 << 20, "SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    )
    return app.test_client()


def _chunked(
    client: t.Any,
    body: bytes | t.IO[bytes],
    headers: dict[str, str] | None = None,
    path: str = OPERATION,
) -> t.Any:
    """POST *body* as a server does for Transfer-Encoding: chunked: no Content-Length, and the
    stream ends where the body does (``wsgi.input_terminated``)."""
    stream = io.BytesIO(body) if isinstance(body, bytes) else body
    return client.post(
        path,
        input_stream=stream,
        headers={**FHIR_HEADERS, "Transfer-Encoding": "chunked", **(headers or {})},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )


def _outcome(response: t.Any, status: int, expression: str | None = None) -> dict[str, t.Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    if expression is not None:
        assert expression in body["issue"][0]["expression"]
    return t.cast(dict[str, t.Any], body)


def _padded(size: int) -> bytes:
    """The sample Bundle padded with spaces to *size* bytes: valid JSON, just large."""
    return SAMPLE + b" " * (size - len(SAMPLE))


def test_a_chunked_body_within_the_limit_is_read_whole(small: t.Any) -> None:
    response = _chunked(small, _padded(900_000))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["resourceType"] == "ClinicalImpression"


def test_a_chunked_body_over_the_limit_is_413_not_cut_and_parsed(small: t.Any) -> None:
    # Cut at the limit, this body is still valid JSON (the sample and then spaces)...
    body = _padded(1 << 20) + b"x" * 10
    outcome = _outcome(_chunked(small, body), 413)
    assert outcome["issue"][0]["code"] == "too-costly"
    assert "NEUROROOT_MAX_BODY_BYTES" in outcome["issue"][0]["diagnostics"]


def test_a_content_length_over_the_limit_is_413_before_reading(small: t.Any) -> None:
    class Unread(io.BytesIO):
        def read(self, *args: t.Any) -> bytes:
            raise AssertionError("the body was read")

    response = small.post(
        OPERATION,
        input_stream=Unread(),
        headers=FHIR_HEADERS,
        environ_overrides={"CONTENT_LENGTH": str((1 << 20) + 1)},
    )
    _outcome(response, 413)


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "GZIP", "identity, gzip"])
def test_a_gzip_body_is_decoded(client: t.Any, encoding: str) -> None:
    plain = client.post(OPERATION, data=SAMPLE, headers=FHIR_HEADERS).get_json()
    response = client.post(
        OPERATION,
        data=gzip.compress(SAMPLE),
        headers={**FHIR_HEADERS, "Content-Encoding": encoding},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["id"] == plain["id"]  # the same exam: the stored result


def test_a_chunked_gzip_body_is_decoded(client: t.Any) -> None:
    response = _chunked(client, gzip.compress(SAMPLE), {"Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.get_json()["resourceType"] == "ClinicalImpression"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_a_deflate_body_is_decoded(client: t.Any, wbits: int) -> None:
    packer = zlib.compressobj(wbits=wbits)
    body = packer.compress(SAMPLE) + packer.flush()
    response = client.post(
        OPERATION, data=body, headers={**FHIR_HEADERS, "Content-Encoding": "deflate"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_the_limit_applies_after_decoding(small: t.Any) -> None:
    body = gzip.compress(_padded(2 << 20))  # 2 MiB of JSON in a few kB
    assert len(body) < 100_000
    outcome = _outcome(
        small.post(OPERATION, data=body, headers={**FHIR_HEADERS, "Content-Encoding": "gzip"}), 413
    )
    assert "decoded" in outcome["issue"][0]["diagnostics"]


def test_a_gzip_bomb_is_refused_without_inflating_it(small: t.Any) -> None:
    bomb = gzip.compress(bytes(256 << 20), compresslevel=9)  # 256 MiB of zeros in ~250 kB
    assert len(bomb) < 300_000
    tracemalloc.start()
    try:
        response = small.post(
            OPERATION, data=bomb, headers={**FHIR_HEADERS, "Content-Encoding": "gzip"}
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    _outcome(response, 413)
    assert peak < 16 << 20, f"peak {peak >> 20} MiB: the body was inflated past the limit"


@pytest.mark.parametrize("encoding", ["br", "compress", "zstd", "gzip, gzip", "deflate, gzip"])
def test_other_content_encodings_are_415_naming_the_header(client: t.Any, encoding: str) -> None:
    outcome = _outcome(
        client.post(OPERATION, data=SAMPLE, headers={**FHIR_HEADERS, "Content-Encoding": encoding}),
        415,
        "http.Content-Encoding",
    )
    assert "Content-Encoding" in outcome["issue"][0]["diagnostics"]
    assert outcome["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize(
    "body",
    [b"not gzip at all", gzip.compress(SAMPLE)[:-20], gzip.compress(SAMPLE) + b"trailing"],
    ids=["garbage", "truncated", "trailing"],
)
def test_bytes_that_do_not_decode_are_400(client: t.Any, body: bytes) -> None:
    _outcome(
        client.post(OPERATION, data=body, headers={**FHIR_HEADERS, "Content-Encoding": "gzip"}),
        400,
        "http.Content-Encoding",
    )


def test_a_client_that_stops_sending_gets_408(client: t.Any) -> None:
    class Stalled(io.BytesIO):
        def read(self, *args: t.Any) -> bytes:
            raise TimeoutError("timed out")  # what a socket with a time-out raises

    outcome = _outcome(_chunked(client, Stalled()), 408, "http.body")
    assert outcome["issue"][0]["code"] == "timeout"


def test_a_body_shorter_than_its_content_length_is_400(client: t.Any) -> None:
    response = client.post(
        OPERATION,
        input_stream=io.BytesIO(SAMPLE[:100]),
        headers=FHIR_HEADERS,
        environ_overrides={"CONTENT_LENGTH": str(len(SAMPLE))},
    )
    _outcome(response, 400, "http.body")


def test_translate_reads_gzip_bodies_too(client: t.Any) -> None:
    parameters = (
        b'{"resourceType": "Parameters", "parameter": [{"name": "url", "valueUri": '
        b'"http://example.org/none"}]}'
    )
    plain = client.post("/fhir/ConceptMap/$translate", data=parameters, headers=FHIR_HEADERS)
    packed = client.post(
        "/fhir/ConceptMap/$translate",
        data=gzip.compress(parameters),
        headers={**FHIR_HEADERS, "Content-Encoding": "gzip"},
    )
    assert packed.status_code == plain.status_code
    assert packed.get_json() == plain.get_json()
    refused = client.post(
        "/fhir/ConceptMap/$translate",
        data=parameters,
        headers={**FHIR_HEADERS, "Content-Encoding": "br"},
    )
    _outcome(refused, 415, "http.Content-Encoding")
