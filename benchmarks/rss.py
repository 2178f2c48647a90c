"""(e) Peak RSS of a fresh process doing one operation call on the 1,000-Observation bundle.

The child builds the app (store on, SQLite in a temporary folder), reads its RSS, posts the
bundle once through the test client and reads its peak RSS: ``VmHWM`` in ``/proc/self/status``,
the high-water mark of the process's memory (interpreter, imports, the terminology table and the
call). Not ``ru_maxrss``: Linux carries that over an ``exec`` from the parent's memory at
``fork`` time, so a child of a big parent reports the parent's size.
"""

from __future__ import annotations

import subprocess
import sys
import typing as t
from pathlib import Path

import orjson

__all__ = ["measure_rss"]

_CHILD = r"""
import sys, tempfile
import orjson
body = open(sys.argv[1], "rb").read()

def status(field):
    with open("/proc/self/status") as lines:
        return next(int(l.split()[1]) for l in lines if l.startswith(field + ":"))

with tempfile.TemporaryDirectory() as folder:
    from benchmarks.inprocess import HEADERS, PATH, operation_client
    client = operation_client(folder, store=True)
    before = status("VmRSS")
    response = client.post(PATH, data=body, headers=HEADERS)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    peak = status("VmHWM")
print(orjson.dumps({"rss_before_call_kib": before, "peak_rss_kib": peak}).decode())
"""


def measure_rss(body: bytes, folder: str) -> dict[str, t.Any]:
    """Run the child on *body* (written under *folder*); sizes in MB (10^6 bytes)."""
    path = Path(folder) / "rss-body.json"
    path.write_bytes(body)
    root = Path(__file__).parent.parent
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    raw = orjson.loads(run.stdout.strip().splitlines()[-1])
    return {
        "body_bytes": len(body),
        "rss_before_call_mb": round(raw["rss_before_call_kib"] * 1024 / 1e6, 1),
        "peak_rss_mb": round(raw["peak_rss_kib"] * 1024 / 1e6, 1),
    }
