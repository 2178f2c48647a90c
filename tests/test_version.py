"""The version is written once (service/version.py); everything that shows it reads it there."""

from __future__ import annotations

import ast
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

from service.version import __version__

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_takes_the_version_from_service_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"]
    assert "version" not in project["project"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "service.version.__version__"}


def test_the_installed_distribution_and_openapi_say_the_same_version() -> None:
    assert metadata.version("neuroroot") == __version__
    for path in (ROOT / "openapi.yaml", ROOT / "service" / "openapi.yaml"):
        assert yaml.safe_load(path.read_text())["info"]["version"] == __version__


def test_no_module_imports_the_version_from_a_package_above_it() -> None:
    """``from .. import __version__`` would pull the Flask app package into Flask-free rooms."""
    offenders = []
    for path in sorted((ROOT / "service").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module in (None, "service")
                and any(alias.name == "__version__" for alias in node.names)
            ):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
