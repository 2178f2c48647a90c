"""(d) HTTP under gunicorn on 127.0.0.1: throughput, p50 and p99 at concurrency 1, 4 and 16.

gunicorn is started the way an operator starts it (``neuroroot serve --workers 2``, settings
from ``NEUROROOT_*``), with the store on (SQLite in a temporary folder) and the service's access
log kept (written to a file). The load tool is wrk with ``post.lua`` (a new patient per
request); when wrk is not installed, a Python load generator (threads + http.client, one
connection per request as gunicorn's sync workers close them anyway) takes its place and the
result says so: it is itself CPU-bound under the GIL and shares the cores with the server, so
its figures are pessimistic.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
from pathlib import Path

import orjson

from .bundles import SUBJECT_PLACEHOLDER

__all__ = ["CONCURRENCY", "measure_http"]

CONCURRENCY = (1, 4, 16)
WORKERS = 2
PATH = "/fhir/ClinicalImpression/$localize-root"
HERE = Path(__file__).parent
ROOT = HERE.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with status {process.returncode} before it was ready"
            )
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready in time")


class Server:
    """``neuroroot serve --workers 2`` on a free loopback port, in its own process group."""

    def __init__(self, folder: str) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "NEUROROOT_HOST": "127.0.0.1",
            "NEUROROOT_PORT": str(self.port),
            "NEUROROOT_WORKERS": str(WORKERS),
            "NEUROROOT_SQLITE_PATH": os.path.join(folder, "http.sqlite3"),
            "NEUROROOT_STORE_ENABLED": "true",
            "NEUROROOT_LOG_LEVEL": "INFO",
        }
        env.pop("DATABASE_URL", None)
        self.log = open(os.path.join(folder, "gunicorn.log"), "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--workers", str(WORKERS)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_ready(self.port, self.process)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's arbiter stops its own workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _wrk(port: int, body_file: str, concurrency: int, seconds: float, tag: str) -> dict[str, t.Any]:
    threads = min(concurrency, os.cpu_count() or 1)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "post.lua"),
        f"http://127.0.0.1:{port}{PATH}",
        "--",
        body_file,
        tag,
    ]
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{run.stdout}\n{run.stderr}")
    raw = orjson.loads(line.removeprefix("RESULT "))
    errors = sum(
        raw[k] for k in ("errors_connect", "errors_read", "errors_write", "errors_timeout")
    )
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "throughput_rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non_200": raw["non_200"],
        "socket_errors": errors,
    }


def _python_load(
    port: int, body: bytes, concurrency: int, seconds: float, tag: str
) -> dict[str, t.Any]:
    placeholder = SUBJECT_PLACEHOLDER.encode()
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures = [0] * concurrency
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        count = 0
        while time.perf_counter() < stop:
            count += 1
            data = body.replace(placeholder, f"Patient/{tag}-{n}-{count}".encode())
            began = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request(
                    "POST",
                    PATH,
                    body=data,
                    headers={
                        "Content-Type": "application/fhir+json",
                        "Accept": "application/fhir+json",
                    },
                )
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures[n] += 1
            except OSError:
                failures[n] += 1
            finally:
                connection.close()
            latencies[n].append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    samples = sorted(x for per in latencies for x in per)

    def pct(p: float) -> float:
        return samples[min(len(samples) - 1, max(0, int(round(p / 100 * len(samples))) - 1))]

    return {
        "requests": len(samples),
        "seconds": elapsed,
        "throughput_rps": len(samples) / elapsed,
        "p50_ms": statistics.median(samples),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": samples[-1],
        "non_200": sum(failures),
        "socket_errors": 0,
    }


def measure_http(body: bytes, *, seconds: float = 5.0, warmup: float = 2.0) -> dict[str, t.Any]:
    """Run gunicorn and load it at each concurrency; ``tool`` says which load generator ran."""
    tool = "wrk" if shutil.which("wrk") else "python"
    note = (
        None
        if tool == "wrk"
        else (
            "wrk is not installed (apt-get install -y wrk): used the Python load generator "
            "(threads + http.client), which competes with the server for the CPU; "
            "figures are pessimistic"
        )
    )
    with tempfile.TemporaryDirectory(prefix="neuroroot-http-") as folder:
        body_file = os.path.join(folder, "body.json")
        Path(body_file).write_bytes(body)
        server = Server(folder)
        try:

            def run(concurrency: int, duration: float, tag: str) -> dict[str, t.Any]:
                if tool == "wrk":
                    return _wrk(server.port, body_file, concurrency, duration, tag)
                return _python_load(server.port, body, concurrency, duration, tag)

            run(2, warmup, "warmup")  # both workers import, compile and open their database
            levels = {c: run(c, seconds, f"c{c}") for c in CONCURRENCY}
        finally:
            server.stop()
    return {
        "tool": tool,
        "note": note,
        "workers": WORKERS,
        "seconds_per_level": seconds,
        "levels": levels,
    }
