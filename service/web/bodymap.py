"""The body map: a schematic front and back figure cut into dermatome regions.

The drawing is this project's own (Apache-2.0, like the rest of the repository), generated
here from a few straight-edged shapes rather than copied from any figure. The layout of the
dermatomes follows the usual textbook consensus as drawn in the ISNCSCI worksheet's key-point
figure and in Lee, McPhee & Stringer, "An evidence-based approach to human dermatomes", Clin
Anat 2008;21:363-373 (trunk bands T2-T12 and L1 cranio-caudal; C5/C6 on the lateral and T1/T2
on the medial arm; C6, C7 and C8 on thumb, middle and little finger; L2-L3 on the front of the
thigh, L4 medial and L5 lateral on the leg, S1 the lateral foot, heel and calf; S2 the back of
the thigh; S3 and S4-5 concentric around the anus). It is **schematic**: borders are straight
lines, neighbouring dermatomes overlap in life and vary between people, and the face
(trigeminal nerve) belongs to no spinal segment.

:func:`figures` gives, for each figure (front, back), the regions (segment, side, polygons)
and the silhouette parts that are no dermatome; the templates draw them, one ``<g>`` per
dermatome and side carrying ``data-segment``, ``data-side`` and ``data-state`` (DESIGN
section 10). Coordinates: each figure is 240 x 470 units, the patient faces the viewer in
``front`` (their right on the viewer's left) and turns away in ``back``.
"""

from __future__ import annotations

import functools
import math
import typing as t
from dataclasses import dataclass

__all__ = ["Figure", "Region", "figures", "SEGMENT_ORDER"]

SEGMENT_ORDER: tuple[str, ...] = (
    *(f"C{n}" for n in range(2, 9)),
    *(f"T{n}" for n in range(1, 13)),
    *(f"L{n}" for n in range(1, 6)),
    "S1",
    "S2",
    "S3",
    "S4-5",
)
_MID = 120.0
Edge = t.Callable[[float], tuple[float, float]]  # y -> (x lateral, x medial), viewer's left


@dataclass(frozen=True, slots=True)
class Region:
    """One dermatome on one side in one figure: its polygons (SVG ``points`` strings)."""

    segment: str
    side: str
    polygons: tuple[str, ...]
    label_at: tuple[float, float]  # the centre of its largest polygon (where markers go)
    labels: tuple[tuple[float, float, float], ...]  # (x, y, font size) on each roomy polygon
    area: float  # of its largest polygon


@dataclass(frozen=True, slots=True)
class Figure:
    name: str  # "front" or "back"
    title: str
    regions: tuple[Region, ...]
    outline: tuple[str, ...]  # polygons that are no dermatome (the head's face / crown)


def _interpolate(points: t.Sequence[tuple[float, float, float]]) -> Edge:
    """An edge function through (y, x lateral, x medial) key points, linear in between."""

    def edge(y: float) -> tuple[float, float]:
        for (y0, a0, b0), (y1, a1, b1) in zip(points, points[1:], strict=False):
            if y0 <= y <= y1:
                f = 0.0 if y1 == y0 else (y - y0) / (y1 - y0)
                return a0 + f * (a1 - a0), b0 + f * (b1 - b0)
        _, a, b = points[-1] if y > points[-1][0] else points[0]
        return a, b

    return edge


def _head(y: float) -> tuple[float, float]:
    cy, rx, ry = 36.0, 21.0, 26.0
    d = max(0.0, 1 - ((y - cy) / ry) ** 2)
    return _MID - rx * math.sqrt(d), _MID


_NECK = _interpolate([(58, 109, _MID), (82, 107, _MID)])
_TRUNK = _interpolate(
    [(80, 74, _MID), (96, 80, _MID), (170, 88, _MID), (215, 82, _MID), (250, 84, _MID)]
)
_ARM = _interpolate(
    [
        (84, 56, 80),
        (100, 50, 78),
        (170, 40, 66),
        (240, 32, 54),
        (250, 28, 56),
        (275, 29, 55),
        (288, 33, 51),
    ]
)
_LEG = _interpolate(
    [
        (250, 84, 119),
        (300, 88, 118),
        (345, 93, 116),
        (365, 94, 115),
        (428, 99, 112),
        (440, 95, 114),
        (462, 96, 113),
    ]
)

_SHAPES: dict[str, Edge] = {"head": _head, "neck": _NECK, "trunk": _TRUNK, "arm": _ARM, "leg": _LEG}

_BANDS = [
    ("C4", 80, 94),
    *((f"T{n}", 94 + 13 * (n - 2), 107 + 13 * (n - 2)) for n in range(2, 13)),
    ("L1", 237, 250),
]
#: (segment, shape, y from, y to, lateral fraction from, to): fraction 0 is the lateral edge.
_Part = tuple[str, str, float, float, float, float]
_ARM_FRONT: list[_Part] = [
    ("C5", "arm", 84, 170, 0, 0.5),
    ("C5", "arm", 84, 100, 0.5, 1),
    ("T2", "arm", 100, 140, 0.5, 1),
    ("T1", "arm", 140, 205, 0.5, 1),
    ("C6", "arm", 170, 240, 0, 0.5),
    ("C8", "arm", 205, 240, 0.5, 1),
    ("C6", "arm", 240, 288, 0, 0.34),
    ("C7", "arm", 240, 288, 0.34, 0.67),
    ("C8", "arm", 240, 288, 0.67, 1),
]
_ARM_BACK: list[_Part] = [
    ("C5", "arm", 84, 170, 0, 0.5),
    ("C5", "arm", 84, 100, 0.5, 1),
    ("T2", "arm", 100, 140, 0.5, 1),
    ("T1", "arm", 140, 170, 0.5, 1),
    ("T1", "arm", 170, 200, 0.7, 1),
    ("C6", "arm", 170, 240, 0, 0.4),
    ("C7", "arm", 170, 240, 0.4, 0.7),
    ("C8", "arm", 200, 240, 0.7, 1),
    ("C6", "arm", 240, 288, 0, 0.34),
    ("C7", "arm", 240, 288, 0.34, 0.67),
    ("C8", "arm", 240, 288, 0.67, 1),
]
_FRONT: list[_Part] = [
    ("C2", "neck", 58, 69, 0, 1),
    ("C3", "neck", 69, 82, 0, 1),
    *((seg, "trunk", y0, y1, 0, 1) for seg, y0, y1 in _BANDS),
    *_ARM_FRONT,
    ("L1", "leg", 250, 266, 0, 1),
    ("L2", "leg", 266, 310, 0, 1),
    ("L3", "leg", 310, 362, 0, 1),
    ("L5", "leg", 362, 430, 0, 0.5),
    ("L4", "leg", 362, 430, 0.5, 1),
    ("S1", "leg", 430, 462, 0, 0.22),
    ("L5", "leg", 430, 462, 0.22, 0.7),
    ("L4", "leg", 430, 462, 0.7, 1),
]
_BACK: list[_Part] = [
    ("C2", "head", 40, 62, 0, 1),
    ("C3", "neck", 58, 82, 0, 1),
    *((seg, "trunk", y0, y1, 0, 1) for seg, y0, y1 in _BANDS),
    *_ARM_BACK,
    ("L2", "leg", 250, 272, 0, 0.55),
    ("L3", "leg", 272, 300, 0, 0.55),
    ("S3", "leg", 250, 268, 0.55, 1),
    ("S3", "leg", 268, 300, 0.55, 0.72),
    ("S4-5", "leg", 268, 300, 0.72, 1),
    ("S1", "leg", 300, 365, 0, 0.35),
    ("S2", "leg", 300, 365, 0.35, 1),
    ("L5", "leg", 365, 430, 0, 0.3),
    ("S1", "leg", 365, 430, 0.3, 0.7),
    ("L4", "leg", 365, 430, 0.7, 1),
    ("S1", "leg", 430, 462, 0, 1),
]


def _polygon(
    edge: Edge, y0: float, y1: float, g0: float, g1: float, mirror: bool
) -> list[tuple[float, float]]:
    steps = max(1, math.ceil((y1 - y0) / 6))
    ys = [y0 + (y1 - y0) * i / steps for i in range(steps + 1)]

    def at(y: float, g: float) -> tuple[float, float]:
        lateral, medial = edge(y)
        x = lateral + g * (medial - lateral)
        return (2 * _MID - x if mirror else x), y

    return [at(y, g0) for y in ys] + [at(y, g1) for y in reversed(ys)]


def _points(polygon: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in polygon)


def _area(polygon: list[tuple[float, float]]) -> float:
    return (
        abs(
            sum(
                x0 * y1 - x1 * y0
                for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1], strict=True)
            )
        )
        / 2
    )


def _centre(polygon: list[tuple[float, float]], text: str) -> tuple[float, float, float]:
    """(x, y, font size) of a label centred in *polygon*, however small it must be (unrounded)."""
    xs = [x for x, _ in polygon]
    ys = [y for _, y in polygon]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    size = min(8.0, height * 0.62, width / (0.62 * len(text) + 0.4))
    return sum(xs) / len(xs), sum(ys) / len(ys), size


def _rounded(label: tuple[float, float, float]) -> tuple[float, float, float]:
    return round(label[0], 1), round(label[1], 1), round(label[2], 1)


def _label(polygon: list[tuple[float, float]], text: str) -> tuple[float, float, float] | None:
    """:func:`_centre` rounded, or None when the label would be too small to read."""
    label = _centre(polygon, text)
    return None if label[2] < 4.2 else _rounded(label)


def _figure(name: str, title: str, parts: list[_Part], outline: list[str]) -> Figure:
    # front: the patient's right is on the viewer's left; back: their left is
    left_on_viewer_left = name == "back"
    grouped: dict[tuple[str, str], list[list[tuple[float, float]]]] = {}
    for side in ("right", "left"):
        mirror = (side == "left") != left_on_viewer_left
        for segment, shape, y0, y1, g0, g1 in parts:
            grouped.setdefault((segment, side), []).append(
                _polygon(_SHAPES[shape], y0, y1, g0, g1, mirror)
            )
    regions = []
    for (segment, side), polygons in sorted(
        grouped.items(), key=lambda item: (SEGMENT_ORDER.index(item[0][0]), item[0][1])
    ):
        labels = []
        for polygon in sorted(polygons, key=_area, reverse=True):
            label = _label(polygon, segment)
            if label is not None:
                labels.append(label)
        biggest = max(polygons, key=_area)
        centre = _rounded(_centre(biggest, segment))
        regions.append(
            Region(
                segment,
                side,
                tuple(_points(p) for p in polygons),
                (centre[0], centre[1]),
                tuple(labels),
                _area(biggest),
            )
        )
    return Figure(name, title, tuple(regions), tuple(outline))


@functools.cache
def figures() -> tuple[Figure, Figure]:
    """The front and the back figure (built once)."""
    face = [_points(_polygon(_head, 10, 62, 0, 1, mirror)) for mirror in (False, True)]
    crown = [_points(_polygon(_head, 10, 40, 0, 1, mirror)) for mirror in (False, True)]
    return (
        _figure("front", "Front (patient facing you: their right on your left)", _FRONT, face),
        _figure("back", "Back (patient turned away: their left on your left)", _BACK, crown),
    )
