"""Read back the exam's worksheet from a stored ISNCSCI panel Observation.

The panel carries the grid as the ``isncsci-worksheet`` extension written by
:func:`service.fhir.write.isncsci.worksheet_extension` (docs/isncsci.md, "The worksheet
extension"); :func:`worksheet_grid` turns it back into praxis's ``Exam`` shape, the ``grid``
that :func:`service.web.worksheet.worksheet_page` takes. A panel without the extension, or with
one this reader does not understand (a level or cell missing, an unknown sub-extension), gives
None: the caller says so rather than showing a half-empty worksheet.
"""

from __future__ import annotations

import typing as t

from ...core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS
from ..write.isncsci import WORKSHEET, WORKSHEET_CELLS

__all__ = ["worksheet_grid"]

_ANAL = {
    "voluntary-anal-contraction": "voluntaryAnalContraction",
    "deep-anal-pressure": "deepAnalPressure",
}
_NON_KEY = {"right-lowest-non-key-muscle": "right", "left-lowest-non-key-muscle": "left"}
_CELLS = {url: (side, key) for url, side, key in WORKSHEET_CELLS}


def _code(extension: t.Any) -> str | None:
    value = extension.get("valueCode") if isinstance(extension, dict) else None
    return value if isinstance(value, str) and value else None


def worksheet_grid(panel: t.Mapping[str, t.Any]) -> dict[str, t.Any] | None:
    """The praxis ``Exam`` shape stored in *panel*'s worksheet extension, or None."""
    found = [
        e for e in panel.get("extension") or () if isinstance(e, dict) and e.get("url") == WORKSHEET
    ]
    if len(found) != 1:
        return None
    grid: dict[str, t.Any] = {
        side: {"lightTouch": {}, "pinPrick": {}, "motor": {}} for side in ("right", "left")
    }
    for part in found[0].get("extension") or ():
        url = part.get("url") if isinstance(part, dict) else None
        if url == "level":
            cells = {
                c.get("url"): _code(c) for c in part.get("extension") or () if isinstance(c, dict)
            }
            segment = cells.pop("segment", None)
            level = (segment or "").replace("-", "_")
            if level not in SENSORY_LEVELS:
                return None
            for cell, value in cells.items():
                if cell not in _CELLS or value is None:
                    return None
                side, key = _CELLS[cell]
                grid[side][key][level] = value
        elif url in _ANAL and (value := _code(part)) is not None:
            grid[_ANAL[url]] = value
        elif url in _NON_KEY and (value := _code(part)) is not None:
            grid[_NON_KEY[url]]["lowestNonKeyMuscleWithMotorFunction"] = value.replace("-", "_")
        else:
            return None
    complete = all(
        set(grid[side]["lightTouch"]) == set(SENSORY_LEVELS)
        and set(grid[side]["pinPrick"]) == set(SENSORY_LEVELS)
        and set(grid[side]["motor"]) == set(MOTOR_LEVELS)
        for side in ("right", "left")
    ) and all(k in grid for k in _ANAL.values())
    return grid if complete else None
