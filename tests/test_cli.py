"""The ``neuroroot`` command line."""

from __future__ import annotations

import io
import json
import typing as t
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import FHIR_HEADERS
from tests.validation import assert_valid_r4

SAMPLE = Path(__file__).parent / "data" / "samples" / "l5-left.json"


def run(capsys: t.Any, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_localize_prints_the_same_clinical_impression_as_the_api(
    capsys: t.Any, client: t.Any
) -> None:
    code, out = run(capsys, "localize", str(SAMPLE))
    assert code == 0
    printed = json.loads(out)
    assert_valid_r4(printed)
    answered = client.post(
        "/fhir/ClinicalImpression/$localize-root", data=SAMPLE.read_bytes(), headers=FHIR_HEADERS
    ).get_json()
    for volatile in ("id", "meta", "date"):
        printed.pop(volatile, None), answered.pop(volatile, None)
    assert printed == answered


def test_localize_reads_standard_input(capsys: t.Any, monkeypatch: t.Any) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(SAMPLE.read_bytes())))
    code, out = run(capsys, "localize", "-")
    assert code == 0 and json.loads(out)["resourceType"] == "ClinicalImpression"


def test_localize_prints_an_operation_outcome_for_bad_input(capsys: t.Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "type": "bogus"}')
    code, out = run(capsys, "localize", str(bad))
    assert code == 2
    outcome = json.loads(out)
    assert_valid_r4(outcome)
    assert "Bundle.type" in outcome["issue"][0]["expression"]


def test_db_upgrade_creates_the_schema(capsys: t.Any, tmp_path: Path, monkeypatch: t.Any) -> None:
    monkeypatch.setenv("NEUROROOT_SQLITE_PATH", str(tmp_path / "cli.sqlite3"))
    code, out = run(capsys, "db", "upgrade")
    assert code == 0 and "latest revision" in out
    assert (tmp_path / "cli.sqlite3").exists()


def test_a_bad_environment_value_stops_with_the_variable_named(monkeypatch: t.Any) -> None:
    from service.config import ConfigError, from_environment

    monkeypatch.setenv("NEUROROOT_MAX_ENTRIES", "lots")
    with pytest.raises(ConfigError, match="NEUROROOT_MAX_ENTRIES"):
        from_environment()


def test_localize_names_a_file_it_cannot_read(capsys: t.Any, tmp_path: Path) -> None:
    code = main(["localize", str(tmp_path / "missing.json")])
    assert code == 2 and "cannot read" in capsys.readouterr().err
