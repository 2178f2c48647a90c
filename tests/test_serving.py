"""The server as the README starts it (`neuroroot serve`): slow clients, keep-alive, bodies,
gunicorn's own errors and the response headers, over real sockets.

One server for the module (two workers, the client time-outs shortened so that the tests do not
wait 10 s); every request goes over loopback.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest

from tests.validation import assert_valid_r4

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "tests" / "data" / "samples" / "l5-left.json").read_bytes()
OPERATION = "/fhir/ClinicalImpression/$localize-root"
CLIENT_TIMEOUT = 3
BODY_TIMEOUT = 4

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[tuple[str, int]]:
    """`neuroroot serve --workers 2` (the README's command) on a free port."""
    folder = tmp_path_factory.mktemp("serving")
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NEUROROOT_") and k != "DATABASE_URL"
    }
    env.update(
        NEUROROOT_SQLITE_PATH=str(folder / "served.sqlite3"),
        NEUROROOT_CLIENT_TIMEOUT=str(CLIENT_TIMEOUT),
        NEUROROOT_BODY_TIMEOUT=str(BODY_TIMEOUT),
    )
    command = [
        str(Path(sys.executable).with_name("neuroroot")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    with (folder / "serve.log").open("ab") as log:
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, "neuroroot serve exited at start"
                try:
                    if _request(port, "GET", "/readyz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "neuroroot serve was not ready in 30 s"
                time.sleep(0.2)
            yield str(folder / "serve.log"), port
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _request(
    port: int,
    method: str,
    path: str,
    body: t.Any = None,
    headers: dict[str, str] | None = None,
    chunked: bool = False,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send *data* as is and read the whole answer (the server closes the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def _split(answer: bytes) -> tuple[int, dict[str, str], dict[str, t.Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, json.loads(body)


FHIR = {"Content-Type": "application/fhir+json"}


# --- slow and many clients, keep-alive ----------------------------------------------------------


def test_healthz_answers_promptly_while_slow_clients_stall(server: tuple[str, int]) -> None:
    _, port = server
    stalled = []
    try:
        # Six in all: more than the sync workers this replaces (2 x cores + 1 = 5 on two cores,
        # and two here), fewer than the 2 x 4 threads.
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", port), timeout=15)
            sock.sendall(b"POST " + OPERATION.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nCont")
            stalled.append(sock)
        for _ in range(2):  # and two that send their headers, then stall in the body
            sock = socket.create_connection(("127.0.0.1", port), timeout=15)
            sock.sendall(
                b"POST " + OPERATION.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/fhir+json\r\nContent-Length: 5000\r\n\r\n{"
            )
            stalled.append(sock)
        time.sleep(0.5)  # let the workers pick them up
        for _ in range(3):
            started = time.monotonic()
            status, _, body = _request(port, "GET", "/healthz")
            elapsed = time.monotonic() - started
            assert status == 200 and json.loads(body) == {"status": "pass"}
            assert elapsed < 1.5, f"/healthz took {elapsed:.1f} s behind stalled clients"
        # The stalled clients are cut: 408 OperationOutcomes, headers by the worker and bodies
        # by the app, within the time-outs.
        answers = []
        for sock in stalled:
            received = b""
            try:
                while chunk := sock.recv(65536):
                    received += chunk
            except OSError:
                pass
            answers.append(received)
        for received in answers:
            status, headers, outcome = _split(received)
            assert status == 408, received[:300]
            assert outcome["issue"][0]["code"] == "timeout"
            assert_valid_r4(outcome)
    finally:
        for sock in stalled:
            sock.close()


def test_a_trickling_client_is_cut_at_the_header_deadline(server: tuple[str, int]) -> None:
    """A slow-loris sending a byte every half second never pauses long, but the headers as a
    whole must arrive within NEUROROOT_CLIENT_TIMEOUT."""
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        answer = b""
        try:
            for _ in range(40):
                sock.sendall(b"X")
                time.sleep(0.5)
                sock.setblocking(False)
                try:
                    answer += sock.recv(65536)
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
                if answer:
                    break
        except OSError:
            pass
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert elapsed < CLIENT_TIMEOUT + 2


def test_connections_are_kept_alive(server: tuple[str, int]) -> None:
    _, port = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        assert first.headers["Connection"].lower() == "keep-alive"
        connection.request("POST", OPERATION, body=SAMPLE, headers=FHIR)
        second = connection.getresponse()
        assert second.status == 200 and json.loads(second.read())["resourceType"] == (
            "ClinicalImpression"
        )
        assert connection.sock is sock  # the same connection carried both requests
    finally:
        connection.close()


# --- bodies ---------------------------------------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_413(server: tuple[str, int]) -> None:
    _, port = server
    padding = b" " * (1 << 20)

    def body() -> t.Iterator[bytes]:
        yield SAMPLE
        for _ in range(11):  # 11 MiB of spaces: valid JSON if cut at the 10 MiB limit
            yield padding

    status, headers, answer = _request(port, "POST", OPERATION, body(), FHIR, chunked=True)
    assert status == 413, answer[:300]
    assert json.loads(answer)["issue"][0]["code"] == "too-costly"


def test_gzip_bodies_are_decoded_and_bombs_refused(server: tuple[str, int]) -> None:
    _, port = server
    status, _, answer = _request(
        port, "POST", OPERATION, gzip.compress(SAMPLE), {**FHIR, "Content-Encoding": "gzip"}
    )
    assert status == 200 and json.loads(answer)["resourceType"] == "ClinicalImpression"
    bomb = gzip.compress(SAMPLE + b" " * (64 << 20))  # 64 MiB decoded, ~70 kB sent
    status, _, answer = _request(
        port, "POST", OPERATION, bomb, {**FHIR, "Content-Encoding": "gzip"}
    )
    assert status == 413, answer[:300]
    status, _, answer = _request(
        port, "POST", OPERATION, SAMPLE, {**FHIR, "Content-Encoding": "br"}
    )
    assert status == 415
    assert json.loads(answer)["issue"][0]["expression"] == ["http.Content-Encoding"]


# --- gunicorn's own answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (
            b"GET /fhir/ClinicalImpression?patient="
            + b"p" * 9000
            + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            414,
            "too-costly",
        ),
        (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-Many-%d: 1\r\n" % i for i in range(150))
            + b"\r\n",
            431,
            "too-costly",
        ),
        (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
            431,
            "too-costly",
        ),
        (b"NOT A REQUEST LINE\r\n\r\n", 400, "structure"),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n", 400, "structure"),
        (
            b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\n\r\n",
            501,
            "not-supported",
        ),
    ],
    ids=[
        "request-line-too-long",
        "too-many-headers",
        "header-too-large",
        "bad-request-line",
        "bad-header-name",
        "transfer-coding",
    ],
)
def test_gunicorns_own_errors_are_operation_outcomes(
    server: tuple[str, int], request_bytes: bytes, status: int, code: str
) -> None:
    log, port = server
    answered, headers, outcome = _split(_raw(port, request_bytes))
    assert answered == status
    assert headers["content-type"].startswith("application/fhir+json")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert "server" not in headers
    assert outcome["issue"][0]["code"] == code
    assert_valid_r4(outcome)
    assert b"p" * 100 not in Path(log).read_bytes()  # the request line is never logged


# --- headers ------------------------------------------------------------------------------------


def test_no_server_header_and_the_security_headers(server: tuple[str, int]) -> None:
    _, port = server
    status, headers, _ = _request(port, "POST", OPERATION, SAMPLE, FHIR)
    assert status == 200
    assert "Server" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    status, headers, _ = _request(port, "GET", "/fhir/ClinicalImpression/nope")
    assert status == 404 and "Server" not in headers and headers["Cache-Control"] == "no-store"


def test_request_ids_are_kept_when_sane_and_replaced_otherwise(server: tuple[str, int]) -> None:
    _, port = server
    _, headers, _ = _request(port, "GET", "/healthz", headers={"X-Request-ID": "ehr:42.a_b-c"})
    assert headers["X-Request-ID"] == "ehr:42.a_b-c"
    _, headers, _ = _request(port, "GET", "/healthz", headers={"X-Request-ID": "x" * 201})
    assert headers["X-Request-ID"] != "x" * 201 and len(headers["X-Request-ID"]) == 36


def test_a_forged_host_never_reaches_a_link(server: tuple[str, int]) -> None:
    _, port = server
    status, _, answer = _request(
        port, "GET", "/fhir/ClinicalImpression?patient=p1", headers={"Host": "evil.example"}
    )
    assert status == 400
    assert json.loads(answer)["issue"][0]["expression"] == ["http.Host"]
    status, _, answer = _request(port, "GET", "/fhir/ClinicalImpression?patient=p1")
    assert status == 200
    assert json.loads(answer)["link"][0]["url"].startswith(f"http://127.0.0.1:{port}/fhir/")
