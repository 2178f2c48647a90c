"""The rooms keep their contracts: ``service/core`` and ``service/fhir/read|write`` never import
Flask (or Werkzeug), directly or through any module of this repository they import.

The check reads source, not ``sys.modules``: importing any ``service.*`` module runs
``service/__init__.py``, the app factory, which imports Flask. So each module's imports are parsed
with :mod:`ast` (``TYPE_CHECKING`` and function-level imports included), resolved to files of the
repository and followed. A parent package's ``__init__`` is not followed for a submodule import
(Python runs it, but it is not a dependency the module chose); ``from service import x`` and
``from ... import x`` that reach ``service/__init__.py`` itself are.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("service/core", "service/fhir/read", "service/fhir/write")
FORBIDDEN = frozenset({"flask", "werkzeug", "flask_cors"})
LOCAL = ("service", "terminology")


def _module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, source: str | None = None) -> list[str]:
    """The modules *path* imports, absolute and dotted (``from .x import y`` may name ``.x.y``)."""
    package = _dotted(path) if path.name == "__init__.py" else _dotted(path).rpartition(".")[0]
    found = []
    tree = ast.parse(path.read_text() if source is None else source, str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append(base)
            found += [f"{base}.{alias.name}" for alias in node.names]
    return found


def _forbidden_imports(start: Path, source: str | None = None) -> list[str]:
    """Every path from *start* to a forbidden import, as ``a -> b -> flask``.

    :param source: the text of *start*, when it is not read from the file.
    """
    seen: set[Path] = set()
    problems = []
    stack = [(start, [_dotted(start)])]
    while stack:
        path, chain = stack.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path, source if path == start else None):
            top = name.split(".")[0]
            if top in FORBIDDEN:
                problems.append(" -> ".join([*chain, top]))
            elif top in LOCAL and (target := _module_file(name)) is not None:
                stack.append((target, [*chain, _dotted(target)]))
    return sorted(set(problems))


def _room_modules() -> list[Path]:
    return sorted(p for room in ROOMS for p in (ROOT / room).rglob("*.py"))


def test_every_room_has_a_readme_saying_what_it_may_do() -> None:
    for room in ROOMS:
        text = (ROOT / room / "README.md").read_text()
        assert "Flask" in text, room


@pytest.mark.parametrize("path", _room_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_room_module_does_not_import_flask(path: Path) -> None:
    assert _forbidden_imports(path) == []


def test_the_check_sees_an_import_through_the_app_package() -> None:
    """``from ... import __version__`` in write/ reached Flask through service/__init__.py."""
    probe = ROOT / "service" / "fhir" / "write" / "probe.py"
    problems = _forbidden_imports(probe, "from ... import __version__\n")
    assert "service.fhir.write.probe -> service -> flask" in problems
    assert _forbidden_imports(probe, "from ...version import __version__\n") == []
