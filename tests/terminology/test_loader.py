"""load_table refuses a broken table, naming the file and the 1-based line (header = line 1).

Each case copies the real data directory to tmp_path, alters one line, and expects a
TerminologyError that points at that line.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import pytest

from terminology import NEURO_EXAM, SNOMED, TerminologyError, load_table


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the packaged terminology/data directory."""
    target = tmp_path / "data"
    target.mkdir()
    for item in files("terminology").joinpath("data").iterdir():
        if item.is_file():
            (target / item.name).write_bytes(item.read_bytes())
    return target


def line_containing(path: Path, marker: str) -> int:
    """The 1-based number of the only line of ``path`` that contains ``marker``."""
    hits = [n for n, text in enumerate(path.read_text("utf-8").splitlines(), 1) if marker in text]
    assert len(hits) == 1, f"{marker!r} is on lines {hits} of {path.name}"
    return hits[0]


def alter(path: Path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in line ``line`` of ``path``; ``old`` must be there."""
    lines = path.read_text("utf-8").splitlines(keepends=True)
    assert old in lines[line - 1], f"{old!r} not on line {line} of {path.name}"
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), "utf-8")


class Broken(NamedTuple):
    file: str
    marker: str  # text that finds the line to alter ("" means the header)
    old: str
    new: str
    message: str  # a fragment the error message must hold


CASES = {
    "unknown segment": Broken("sites.csv", ",2402003,", "L5:1.0", "L9:1.0", "unknown segment 'L9'"),
    "unknown code system": Broken(
        "sites.csv", ",6417001,", SNOMED, "http://example.org/sct", "unknown code system"
    ),
    "site in a known non-SNOMED system": Broken(
        "sites.csv", ",6417001,", SNOMED, NEURO_EXAM, "sites must be SNOMED CT"
    ),
    "empty field": Broken(
        "sites.csv", ",6417001,", ",saphenous,", ",,", "column 'nerves' is empty"
    ),
    "empty note": Broken(
        "sites.csv",
        ",6417001,",
        ",ISNCSCI L4 key point; Suri 2011: medial-ankle pin prick localizes mid-lumbar (L4) "
        "impingement\n",
        ",\n",
        "column 'note' is empty",
    ),
    "extra field": Broken(
        "sites.csv", ",6417001,", ",saphenous,", ",saphenous,,", "expected 12 fields"
    ),
    "stray whitespace": Broken(
        "sites.csv", ",6417001,", ",saphenous,", ", saphenous,", "stray whitespace"
    ),
    "weight above one": Broken(
        "sites.csv", ",6417001,", "L4:1.0", "L4:1.5", "weight out of (0, 1]"
    ),
    "weight zero": Broken("sites.csv", ",55078004,", "L4:0.2", "L4:0", "weight out of (0, 1]"),
    "weight not a number": Broken("sites.csv", ",55078004,", "L4:0.2", "L4:high", "malformed item"),
    "item without weight": Broken("sites.csv", ",55078004,", "L4:0.2", "L4", "malformed item"),
    "double space in list": Broken(
        "sites.csv", ",78883009,", "L5:0.5 L4:0.4", "L5:0.5  L4:0.4", "single spaces"
    ),
    "segment in core and variable": Broken(
        "sites.csv", ",55078004,", "L4:0.2", "L5:0.2", "in both core and variable"
    ),
    "core and variable both none": Broken(
        "sites.csv", ",55078004,", "L5:1.0,L4:0.2", "-,-", "both '-'"
    ),
    "key point not in core": Broken("sites.csv", ",6417001,", ",L4,", ",L5,", "key point L5"),
    "bad snomed check digit": Broken(
        "sites.csv", ",6417001,", "6417001", "6417002", "not a valid SNOMED CT concept id"
    ),
    "unknown nerve": Broken(
        "movements.csv", "hip-flexion,", "femoral", "femur", "unknown nerve 'femur'"
    ),
    "unknown region": Broken("sites.csv", ",6417001,", "lower-limb", "leg", "unknown region 'leg'"),
    "unknown side": Broken("sites.csv", ",85119005,", ",left,", ",sinister,", "unknown side"),
    "unknown polarity": Broken(
        "findings.csv", ",299913001,", "decreased", "lowered", "unknown polarity 'lowered'"
    ),
    "unknown source": Broken(
        "reflexes.csv",
        "reflex-patellar,",
        "statpearls-dtr",
        "no-such-source",
        "unknown source key 'no-such-source'",
    ),
    "unknown reflex target": Broken(
        "findings.csv",
        ",299872004,",
        "reflex-patellar",
        "reflex-knee",
        "reflex target 'reflex-knee' is not defined",
    ),
    "service code that is no movement": Broken(
        "findings.csv",
        "neuro-exam,hip-flexion,",
        "hip-flexion,Hip",
        "hip-flexing,Hip",
        "service code",
    ),
    "service code with another target": Broken(
        "findings.csv",
        "neuro-exam,vibration,",
        "sensory,vibration",
        "sensory,light-touch",
        "service code",
    ),
    "umn sign with segments": Broken(
        "reflexes.csv", "hoffmann,", "umn,-,-", "umn,C7:1.0,-", "upper-motor-neuron"
    ),
    "reflex kind unknown": Broken(
        "reflexes.csv", "hoffmann,", ",umn,", ",pathological,", "unknown kind"
    ),
    "pattern snomed without display": Broken(
        "patterns.csv",
        "carpal-tunnel,",
        ",Carpal tunnel syndrome,ips",
        ",-,ips",
        "both given or both '-'",
    ),
    "source url not a url": Broken(
        "sources.csv",
        "orthobullets,",
        "https://orthobullets.com",
        "orthobullets.com",
        "url must start with",
    ),
    "laterality side unknown": Broken(
        "laterality.csv", "7771000,", ",left,", ",sinister,", "unknown side 'sinister'"
    ),
    "laterality code not a concept id": Broken(
        "laterality.csv", "24028007,", "24028007", "24028008", "not a valid SNOMED CT concept id"
    ),
    "two written codes for one side": Broken(
        "laterality.csv", "419161000,", ",left,no,", ",left,yes,", "a second written code for left"
    ),
    "diagnosis of an unknown pattern": Broken(
        "diagnoses.csv", ",C,", "radiculopathy,C", "radiculitis,C", "not in patterns.csv"
    ),
    "diagnosis region unknown": Broken(
        "diagnoses.csv", ",T,", "radiculopathy,T", "radiculopathy,X", "unknown region 'X'"
    ),
    "diagnosis source unknown": Broken(
        "diagnoses.csv", ",L,", ",ips,", ",no-such-source,", "unknown source key"
    ),
    "bad header": Broken("movements.csv", "", "nerve", "nerves", "header must be"),
    "bad sites header": Broken("sites.csv", "", "key_point", "keypoint", "header must be"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_broken_row_is_refused_naming_file_and_line(data_dir: Path, case: Broken) -> None:
    path = data_dir / case.file
    line = line_containing(path, case.marker) if case.marker else 1
    alter(path, line, case.old, case.new)
    with pytest.raises(TerminologyError) as excinfo:
        load_table(data_dir)
    error = excinfo.value
    assert (error.file, error.line) == (case.file, line)
    assert str(error).startswith(f"{case.file}, line {line}: ")
    assert case.message in str(error)


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("sites.csv", ",6417001,"),
        ("findings.csv", ",299913001,"),
        ("reflexes.csv", "reflex-achilles,"),
        ("movements.csv", "great-toe-extension,"),
        ("sources.csv", "lee-2008,"),
        ("patterns.csv", "polyneuropathy,"),
        ("laterality.csv", "7771000,"),
        ("diagnoses.csv", ",S,"),
    ],
    ids=["site", "finding", "reflex", "movement", "source", "pattern", "laterality", "diagnosis"],
)
def test_duplicate_key_is_refused_at_its_second_line(
    data_dir: Path, name: str, marker: str
) -> None:
    path = data_dir / name
    text = path.read_text("utf-8")
    row = text.splitlines()[line_containing(path, marker) - 1]
    path.write_text(text + row + "\n", "utf-8")
    last = len(text.splitlines()) + 1
    with pytest.raises(TerminologyError, match=rf"^{name}, line {last}: duplicate key") as excinfo:
        load_table(data_dir)
    assert excinfo.value.line == last


def test_movement_without_a_service_exam_code_is_refused(data_dir: Path) -> None:
    findings = data_dir / "findings.csv"
    lines = findings.read_text("utf-8").splitlines(keepends=True)
    del lines[line_containing(findings, "neuro-exam,hip-flexion,") - 1]
    findings.write_text("".join(lines), "utf-8")
    line = line_containing(data_dir / "movements.csv", "hip-flexion,")
    with pytest.raises(
        TerminologyError, match=rf"^movements\.csv, line {line}: 'hip-flexion' has no"
    ):
        load_table(data_dir)


def test_blank_line_is_refused(data_dir: Path) -> None:
    path = data_dir / "reflexes.csv"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines[:3], "\n", *lines[3:]]), "utf-8")
    with pytest.raises(TerminologyError, match=r"^reflexes\.csv, line 4: expected 9 fields, got 0"):
        load_table(data_dir)


def test_missing_file_is_refused_without_a_line(data_dir: Path) -> None:
    (data_dir / "patterns.csv").unlink()
    with pytest.raises(TerminologyError, match="^patterns.csv: file is missing") as excinfo:
        load_table(data_dir)
    assert excinfo.value.line is None


def test_version_file_must_hold_one_line(data_dir: Path) -> None:
    (data_dir / "VERSION").write_text("2026.11.0\nextra\n", "utf-8")
    with pytest.raises(TerminologyError, match="^VERSION, line 1: "):
        load_table(data_dir)


def test_terminology_error_is_a_value_error_with_file_and_line() -> None:
    error = TerminologyError("sites.csv", 7, "boom")
    assert isinstance(error, ValueError)
    assert (error.file, error.line, str(error)) == ("sites.csv", 7, "sites.csv, line 7: boom")


def test_unaltered_copy_loads_the_same_table(data_dir: Path, table: object) -> None:
    assert load_table(data_dir) == table


@pytest.mark.parametrize(
    ("name", "marker", "message"),
    [
        ("laterality.csv", "51440002,", "no written (emit=yes) code for bilateral"),
        ("diagnoses.csv", ",S,", "'radiculopathy' has no row for region S"),
    ],
)
def test_a_missing_laterality_or_region_row_is_refused(
    data_dir: Path, name: str, marker: str, message: str
) -> None:
    path = data_dir / name
    lines = path.read_text("utf-8").splitlines(keepends=True)
    del lines[line_containing(path, marker) - 1]
    path.write_text("".join(lines), "utf-8")
    with pytest.raises(TerminologyError, match=re.escape(message)):
        load_table(data_dir)
