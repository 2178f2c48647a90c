"""The ``neuroroot`` command line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
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


# --- as a process: closed pipes and start-up refusals ------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NEUROROOT_") and k != "DATABASE_URL"
    }
    return {**env, **extra}


def test_localize_into_a_closed_pipe_exits_quietly() -> None:
    """`neuroroot localize big.json | head`: the reader is gone before the answer is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `head` that has already exited
    try:
        done = subprocess.run(
            [str(BIN / "neuroroot"), "localize", str(SAMPLE)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=_clean_env(),
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.stderr == b"", done.stderr.decode()  # no traceback, no "Exception ignored"
    assert done.returncode == 141  # 128 + SIGPIPE, as a tool killed by the pipe reports


def test_localize_piped_into_head_prints_no_traceback(tmp_path: Path) -> None:
    """The shell pipeline itself, with an answer far larger than the pipe's buffer."""
    big = json.loads(SAMPLE.read_text("utf-8"))
    observations = [e for e in big["entry"] if e["resource"]["resourceType"] == "Observation"]
    while len(big["entry"]) < 1000:  # the same findings again: a long answer
        for entry in observations:
            copy = json.loads(json.dumps(entry))
            copy["fullUrl"] = f"urn:uuid:00000000-0000-4000-8000-{len(big['entry']):012d}"
            copy["resource"]["id"] = f"o{len(big['entry'])}"
            big["entry"].append(copy)
    (tmp_path / "big.json").write_text(json.dumps(big), "utf-8")
    done = subprocess.run(
        f"'{BIN / 'neuroroot'}' localize big.json | head -c 100",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        env=_clean_env(),
        timeout=120,
        check=False,
    )
    assert len(done.stdout) == 100
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    "command",
    [["neuroroot", "serve", "--port", "0"], ["gunicorn", "-c", "gunicorn.conf.py"]],
    ids=["neuroroot-serve", "gunicorn"],
)
def test_auth_on_without_a_jwks_stops_the_server_with_one_line(command: list[str]) -> None:
    env = _clean_env(
        NEUROROOT_AUTH_ENABLED="true",
        NEUROROOT_AUTH_ISSUER="https://issuer",
        NEUROROOT_AUTH_AUDIENCE="neuroroot",
        NEUROROOT_PORT="0",
        NEUROROOT_WORKERS="2",
    )
    done = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    output = (done.stdout + done.stderr).decode()
    assert done.returncode != 0
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == [
        "neuroroot: cannot start: NEUROROOT_AUTH_JWKS: required when NEUROROOT_AUTH_ENABLED is true"
    ], output


def test_a_malformed_setting_stops_serve_with_one_line_naming_it() -> None:
    done = subprocess.run(
        [str(BIN / "neuroroot"), "serve", "--port", "0"],
        cwd=ROOT,
        env=_clean_env(NEUROROOT_THREADS="lots"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines() == [
        "neuroroot: cannot start: NEUROROOT_THREADS: Not a valid integer."
    ]


ISNCSCI_SAMPLE = Path(__file__).parent / "data" / "samples" / "isncsci" / "starred-items.json"


def test_isncsci_prints_the_same_classification_as_the_api(capsys: t.Any, client: t.Any) -> None:
    code, out = run(capsys, "isncsci", str(ISNCSCI_SAMPLE))
    assert code == 0
    printed = json.loads(out)
    answered = client.post(
        "/fhir/Observation/$classify-isncsci",
        data=ISNCSCI_SAMPLE.read_bytes(),
        headers=FHIR_HEADERS,
    ).get_json()
    assert printed["type"] == "collection" and len(printed["entry"]) == 26
    assert printed["entry"][0]["fullUrl"].startswith("urn:uuid:")
    assert (
        printed["entry"][0]["resource"]["hasMember"][0]["reference"]
        == printed["entry"][1]["fullUrl"]
    )

    def texts(bundle: dict[str, t.Any]) -> list[t.Any]:
        return [
            (
                e["resource"]["code"],
                e["resource"].get("valueCodeableConcept"),
                e["resource"].get("valueInteger"),
            )
            for e in bundle["entry"]
        ]

    assert texts(printed) == texts(answered)
    assert_valid_r4(printed)


def test_isncsci_reads_standard_input_and_refuses_bad_input(
    capsys: t.Any, monkeypatch: t.Any
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ISNCSCI_SAMPLE.read_bytes())))
    code, out = run(capsys, "isncsci", "-")
    assert code == 0 and json.loads(out)["resourceType"] == "Bundle"
    bad = json.loads(ISNCSCI_SAMPLE.read_text())
    bad["entry"][0]["resource"]["valueInteger"] = 9
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(bad).encode())))
    code, out = run(capsys, "isncsci", "-")
    assert code == 2
    outcome = json.loads(out)
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[0].resource.valueInteger"]


def test_isncsci_into_a_closed_pipe_exits_quietly() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [str(BIN / "neuroroot"), "isncsci", str(ISNCSCI_SAMPLE)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=_clean_env(),
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.stderr == b"", done.stderr.decode()
    assert done.returncode == 141
