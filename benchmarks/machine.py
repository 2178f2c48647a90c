"""A description of the machine and software a run was made on (kept with the figures)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import typing as t
from importlib import metadata

__all__ = ["describe"]

_PACKAGES = (
    "flask",
    "werkzeug",
    "gunicorn",
    "orjson",
    "jsonschema-rs",
    "fhir.resources",
    "fhir-core",
    "pydantic",
    "pydantic-core",
    "sqlalchemy",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def wrk_version() -> str | None:
    """The first line of ``wrk --version``, or None when wrk is not installed."""
    path = shutil.which("wrk")
    if path is None:
        return None
    run = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    text = (run.stdout or run.stderr).strip()
    return text.splitlines()[0].split(" Copyright")[0].strip() if text else path


def describe() -> dict[str, t.Any]:
    """CPU model, cores, RAM, OS, Python and the versions of the packages that matter here."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gib": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in _PACKAGES},
        "wrk": wrk_version(),
    }
