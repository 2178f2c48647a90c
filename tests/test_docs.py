"""The repository carries its own contracts: docs/ exists, says what the code does, and the
README points into it, never outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def table_variables(text: str) -> list[str]:
    """The variables named in the first cell of each table row."""
    return re.findall(r"^\| `((?:NEUROROOT_[A-Z0-9_]+)|DATABASE_URL)` \|", text, re.MULTILINE)


def test_the_configuration_doc_lists_every_setting_once_and_nothing_else() -> None:
    listed = table_variables((DOCS / "configuration.md").read_text("utf-8"))
    assert len(listed) == len(set(listed)), "a setting is listed twice"
    assert set(listed) == {s.env for s in SETTINGS}, (
        "docs/configuration.md and service.config.SETTINGS disagree: add or remove the row"
    )


def test_the_configuration_doc_gives_each_default() -> None:
    text = (DOCS / "configuration.md").read_text("utf-8")
    for setting in SETTINGS:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{setting.env}` |"))
        default = row.split("|")[2].strip()
        if setting.default in (None, ""):
            assert default in ("unset", "empty"), setting.env
        else:
            shown = (
                str(setting.default).lower()
                if isinstance(setting.default, bool)
                else str(
                    int(setting.default)
                    if isinstance(setting.default, float) and float(setting.default).is_integer()
                    else setting.default
                )
            )
            assert default == f"`{shown}`", setting.env


@pytest.mark.parametrize(
    "name",
    [
        "README.md",
        "input-profile.md",
        "output-profile.md",
        "errors.md",
        "configuration.md",
        "audit.md",
        "isncsci.md",
    ],
)
def test_the_documents_exist(name: str) -> None:
    assert (DOCS / name).read_text("utf-8").strip()


def links(path: Path) -> list[str]:
    return re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text("utf-8"))


@pytest.mark.parametrize(
    "path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name
)
def test_relative_links_resolve_inside_the_repository(path: Path) -> None:
    for target in links(path):
        if re.match(r"^[a-z]+:", target):
            continue
        resolved = (path.parent / target).resolve()
        assert resolved.exists(), f"{path.name} links to missing {target}"
        assert ROOT in resolved.parents or resolved == ROOT, f"{path.name} links outside: {target}"


@pytest.mark.parametrize(
    "path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name
)
def test_no_document_sends_readers_outside_the_repository(path: Path) -> None:
    text = path.read_text("utf-8")
    assert "../shared" not in text and "DESIGN.md" not in text and "DESIGN section" not in text


def test_the_readme_links_every_contract() -> None:
    readme = set(links(ROOT / "README.md"))
    for name in ("input-profile.md", "output-profile.md", "errors.md", "configuration.md"):
        assert f"docs/{name}" in readme, name


def test_the_input_profile_names_every_status_the_parser_uses_and_skips() -> None:
    from service.fhir.read.observation import STATUS_REASONS, USED_STATUSES

    text = (DOCS / "input-profile.md").read_text("utf-8")
    for status in (*USED_STATUSES, *STATUS_REASONS):
        assert f"`{status}`" in text, status


def test_the_output_profile_names_every_extension_and_pattern() -> None:
    from service.fhir.write.impression import EXT_CONFIDENCE, EXT_SCORE, EXT_SIDE
    from terminology import load_table

    text = (DOCS / "output-profile.md").read_text("utf-8")
    for url in (EXT_SIDE, EXT_SCORE, EXT_CONFIDENCE):
        assert url in text, url
    table = load_table()
    assert table.patterns, "the pattern table is empty"
    for code in table.patterns:
        assert f"`{code}`" in text, code
    for row in table.laterality.values():
        if row.emit:
            assert f"{row.code} {row.display}" in " ".join(text.split()), row.code
    for row in table.diagnoses.values():
        assert row.code in text, row.code


def test_the_readme_score_section_explains_every_pattern_in_a_sentence() -> None:
    """Each pattern code of terminology/data/patterns.csv is named, with its meaning, in the
    README's score section (issue 11: a sentence a clinician would accept)."""
    from terminology import load_table

    readme = (ROOT / "README.md").read_text("utf-8")
    start = readme.index("## What the score means")
    section = readme[start : readme.index("\n## ", start + 1)]
    for code in load_table().patterns:
        assert f"`{code}`" in section, code
        at = section.index(f"`{code}`")
        assert len(section[at : section.find("\n  - ", at + 1)]) > 40, code


def test_the_error_doc_covers_every_status_the_service_maps() -> None:
    from service.fhir.outcome import ERROR_TABLE

    text = (DOCS / "errors.md").read_text("utf-8")
    for status, issue_type in ERROR_TABLE.values():
        assert f"| {status} |" in text, status
        assert f"`{issue_type}`" in text, issue_type
