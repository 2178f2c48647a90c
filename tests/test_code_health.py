"""Code health as part of the suite: mypy (strict, configured in pyproject.toml), ruff check and
ruff format --check.

The README's test command is what CI runs, so these checks run wherever the suite does; there
is no separate lint step to forget.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parent.parent


def _mypy(*args: str) -> tuple[str, int]:
    """mypy run in-process from the repository root with the pyproject configuration."""
    stdout, stderr, status = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            *args,
        ]
    )
    return stdout + stderr, status


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root (mypy's ``files`` and ruff's discovery are relative)."""
    monkeypatch.chdir(ROOT)


def test_mypy_configuration_is_strict_over_service_and_terminology() -> None:
    """The configuration the clean run below relies on: strict, both packages, Python 3.11."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["strict"] is True
    assert config["python_version"] == "3.11"
    assert sorted(config["files"]) == ["service", "terminology"]
    assert "ignore_missing_imports" not in config  # only per module, for untyped packages


def test_mypy_reports_an_unannotated_function_with_this_configuration(
    tmp_path: Path, at_root: None
) -> None:
    """The check can fail: strict mode flags what the default mode lets through."""
    sample = tmp_path / "sample.py"
    sample.write_text("def double(x):\n    return x * 2\n", encoding="utf-8")
    output, status = _mypy(str(sample))
    assert status == 1, output
    assert "[no-untyped-def]" in output


def test_mypy_is_clean_on_service_and_terminology(at_root: None) -> None:
    output, status = _mypy()
    assert status == 0, output
    packages = ("service", "terminology")
    expected = sum(len(list((ROOT / package).rglob("*.py"))) for package in packages)
    assert f"Success: no issues found in {expected} source files" in output, output


def _ruff(*args: str, command: str = "check") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", command, "--no-cache", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ruff_reports_an_unused_import_with_this_configuration(tmp_path: Path) -> None:
    """The check can fail: the project's rules apply to a file that breaks one."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n", encoding="utf-8")
    result = _ruff("--config", str(ROOT / "pyproject.toml"), str(sample))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "F401" in result.stdout


def test_ruff_check_is_clean() -> None:
    result = _ruff()
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_finds_a_badly_formatted_file(tmp_path: Path) -> None:
    """The format check can fail: a file the formatter would change is reported."""
    sample = tmp_path / "sample.py"
    sample.write_text("x = {  'a':1 }\n", encoding="utf-8")
    result = _ruff(
        "--check", "--config", str(ROOT / "pyproject.toml"), str(sample), command="format"
    )
    assert result.returncode == 1, result.stdout + result.stderr


def test_the_tree_is_formatted() -> None:
    result = _ruff("--check", command="format")
    assert result.returncode == 0, result.stdout + result.stderr
