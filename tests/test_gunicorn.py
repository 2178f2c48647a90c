"""gunicorn.conf.py really serves the app: start gunicorn, ask it, stop it cleanly (≤ 30 s)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import typing as t
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
        return response.status, dict(response.headers), response.read()


@pytest.mark.slow
def test_gunicorn_conf_serves_the_app_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NEUROROOT_") and k != "DATABASE_URL"
    }
    env.update(
        NEUROROOT_HOST="127.0.0.1",
        NEUROROOT_PORT=str(port),
        NEUROROOT_WORKERS="1",
        NEUROROOT_SQLITE_PATH=str(tmp_path / "served.sqlite3"),
    )
    log = (tmp_path / "gunicorn.log").open("w+b")
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, "gunicorn exited at start"
            try:
                status, _, _ = _get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer /healthz within 20 s"
                time.sleep(0.2)
        assert status == 200
        status, headers, body = _get(
            f"{base}/fhir/ClinicalImpression?patient=secret-p1",
            headers={"X-Request-ID": "gunicorn-test-1"},
        )
        assert status == 200
        assert headers["Content-Type"].startswith("application/fhir+json")
        assert headers["X-Request-ID"] == "gunicorn-test-1"
        bundle = json.loads(body)
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
        assert (tmp_path / "served.sqlite3").is_file()  # the worker migrated the given file
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise
    log.seek(0)
    output = log.read().decode("utf-8", "replace")
    log.close()
    assert code == 0, output
    access = [line for line in output.splitlines() if "gunicorn-test-1" in line]
    assert any("/fhir/ClinicalImpression" in line for line in access), output
    assert "secret-p1" not in output  # no query string in any log line


def _post(url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/fhir+json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, dict(response.headers), response.read()


@contextlib.contextmanager
def _neuroroot_serve(tmp_path: Path, port: int) -> t.Iterator[str]:
    """`neuroroot serve` (the README's run command) on *port*, stopped with SIGTERM after."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NEUROROOT_") and k != "DATABASE_URL"
    }
    env["NEUROROOT_SQLITE_PATH"] = str(tmp_path / "served.sqlite3")
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
    with (tmp_path / "serve.log").open("ab") as log:
        server = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                assert server.poll() is None, "neuroroot serve exited at start"
                try:
                    _get(f"{base}/readyz")
                    break
                except OSError:
                    assert time.monotonic() < deadline, (
                        "neuroroot serve did not get ready within 20 s"
                    )
                    time.sleep(0.2)
            yield base
        finally:
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=15) == 0


@pytest.mark.slow
def test_bundles_round_trip_over_http_and_survive_a_restart(tmp_path: Path) -> None:
    samples = ROOT / "tests" / "data" / "samples"
    port = _free_port()
    stored = {}
    with _neuroroot_serve(tmp_path, port) as base:
        for case in ("l5-left", "cauda-equina", "carpal-tunnel"):
            body = (samples / f"{case}.json").read_bytes()
            status, headers, answer = _post(f"{base}/fhir/ClinicalImpression/$localize-root", body)
            impression = json.loads(answer)
            assert status == 200 and headers["ETag"] == 'W/"1"'
            _, _, read = _get(headers["Content-Location"])
            assert json.loads(read) == impression
            _, _, again = _post(f"{base}/fhir/ClinicalImpression/$localize-root", body)
            assert json.loads(again)["id"] == impression["id"]  # a retry is not a duplicate
            stored[impression["id"]] = impression
        _, _, found = _get(f"{base}/fhir/ClinicalImpression?patient=p-ces")
        assert [e["resource"]["id"] for e in json.loads(found)["entry"]] == [
            i for i, r in stored.items() if r["subject"]["reference"] == "Patient/p-ces"
        ]
    with _neuroroot_serve(tmp_path, port) as base:  # a restart on the same database
        for rid, impression in stored.items():
            _, _, read = _get(f"{base}/fhir/ClinicalImpression/{rid}")
            assert json.loads(read) == impression
