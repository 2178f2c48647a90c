"""An ISNCSCI classification as a worksheet page (DESIGN sections 9 and 10).

:func:`worksheet_html` renders the output of ``POST /fhir/Observation/$classify-isncsci``: the
``collection`` Bundle whose first entry is the panel Observation (code ``classification`` in the
``isncsci`` CodeSystem) followed by one Observation per element and per total, together with
the exam's grid (the praxis ``Exam`` shape that :meth:`service.core.isncsci.Exam.to_praxis`
gives: ``right.lightTouch.C2`` ... ``voluntaryAnalContraction``). The page shows the grid of
light touch, pin prick and motor per level and side, the totals, the classification box (NLI and
AIS labelled as such, the sensory and motor levels, the four ZPPs, complete or incomplete), and
the body map with each dermatome shaded from its key point's two sensory grades and a dot on it.

``GET /fhir/Observation/{panel id}`` with ``Accept: text/html`` or ``_format=html``
(:mod:`service.api.isncsci`) calls :func:`worksheet_page` with the stored Observations and the
grid read back from the panel's ``isncsci-worksheet`` extension
(:mod:`service.fhir.read.isncsci_worksheet`).

Dermatome state from the grid: ``normal`` when both grades are 2, ``abnormal`` when both are 0
or 1, ``mixed`` when one is 2 and the other is not, ``untested`` when both are NT (one NT: the
state of the other). A star (non-SCI impairment) is shown in the grid as given; the map uses the
grade.
"""

from __future__ import annotations

import typing as t

from flask import Response, render_template

from ..core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS
from .pages import STATE_TEXT, body_map, page_response

__all__ = ["ISNCSCI", "grade_state", "worksheet_html", "worksheet_page"]

ISNCSCI = "http://neuroroot.org/fhir/CodeSystem/isncsci"
_SEGMENT = {level: level.replace("_", "-") for level in SENSORY_LEVELS}
_TOTALS = [
    ("Right motor (UER + LER)", "motor-right"),
    ("Left motor (UEL + LEL)", "motor-left"),
    ("Upper extremity right (UER)", "upper-extremity-right"),
    ("Upper extremity left (UEL)", "upper-extremity-left"),
    ("Upper extremity (UEMS)", "upper-extremity"),
    ("Lower extremity right (LER)", "lower-extremity-right"),
    ("Lower extremity left (LEL)", "lower-extremity-left"),
    ("Lower extremity (LEMS)", "lower-extremity"),
    ("Light touch right", "light-touch-right"),
    ("Light touch left", "light-touch-left"),
    ("Light touch (LTS)", "light-touch"),
    ("Pin prick right", "pin-prick-right"),
    ("Pin prick left", "pin-prick-left"),
    ("Pin prick (PPS)", "pin-prick"),
]


def _grade(token: str) -> int | None:
    head = token.rstrip("*")
    return int(head) if head.isdigit() else None


def grade_state(light_touch: str, pin_prick: str) -> str:
    """The dermatome state of a key point from its two sensory grades (module docstring)."""
    grades = [g for g in (_grade(light_touch), _grade(pin_prick)) if g is not None]
    if not grades:
        return "untested"
    normal = [g == 2 for g in grades]
    return "normal" if all(normal) else "abnormal" if not any(normal) else "mixed"


def _code(resource: t.Mapping[str, t.Any]) -> str | None:
    return next(
        (
            c.get("code")
            for c in (resource.get("code") or {}).get("coding") or ()
            if c.get("system") == ISNCSCI
        ),
        None,
    )


def _value(resource: t.Mapping[str, t.Any]) -> str:
    if "valueCodeableConcept" in resource:
        return str(resource["valueCodeableConcept"].get("text", ""))
    if "valueInteger" in resource:
        return str(resource["valueInteger"])
    return "ND" if "dataAbsentReason" in resource else ""


def worksheet_html(bundle: t.Mapping[str, t.Any], grid: t.Mapping[str, t.Any]) -> str:
    """The worksheet page (HTML text) of a ``$classify-isncsci`` Bundle and the exam's grid."""
    resources = [entry.get("resource") or {} for entry in bundle.get("entry") or ()]
    panel = resources[0] if resources else {}
    values = {code: _value(r) for r in resources[1:] if (code := _code(r))}
    rows, states, key_points = [], {}, []
    for level in SENSORY_LEVELS:
        segment = _SEGMENT[level]
        row: dict[str, t.Any] = {"level": segment, "motor_level": level in MOTOR_LEVELS}
        for side in ("right", "left"):
            data = grid.get(side) or {}
            lt = str((data.get("lightTouch") or {}).get(level, "NT"))
            pp = str((data.get("pinPrick") or {}).get(level, "NT"))
            motor = str((data.get("motor") or {}).get(level, "NT")) if level in MOTOR_LEVELS else ""
            row[side] = {"lt": lt, "pp": pp, "motor": motor}
            states[(segment, side)] = grade_state(lt, pp)
        rows.append(row)
    bmap = body_map(states)
    # a dot at each key point, coloured like its dermatome
    placed: dict[tuple[str, str], tuple[str, float, float]] = {}
    area: dict[tuple[str, str], float] = {}
    for figure in bmap.figures:
        for region in figure.regions:
            key = (region.segment, region.side)
            if region.area > area.get(key, 0.0):
                area[key], placed[key] = region.area, (figure.name, *region.label_at)
    for (segment, side), (name, x, y) in placed.items():
        key_points.append((name, x, y - 5.0, f"{side} {segment}", states[(segment, side)]))
    bmap.key_points = key_points
    return render_template(
        "worksheet.html",
        panel=panel,
        values=values,
        rows=rows,
        totals=[(label, values.get(code, "")) for label, code in _TOTALS],
        vac=str(grid.get("voluntaryAnalContraction", "NT")),
        dap=str(grid.get("deepAnalPressure", "NT")),
        non_key={
            side: (grid.get(side) or {}).get("lowestNonKeyMuscleWithMotorFunction")
            for side in ("right", "left")
        },
        notes=[n.get("text", "") for n in panel.get("note") or ()],
        map=bmap,
        state_text=STATE_TEXT,
    )


def worksheet_page(bundle: t.Mapping[str, t.Any], grid: t.Mapping[str, t.Any]) -> Response:
    """:func:`worksheet_html` as an HTML answer."""
    return page_response(worksheet_html(bundle, grid))
