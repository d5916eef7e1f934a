"""Plane geometry the diagrams share: rectangles, the outline of a union of rectangles, point-in-polygon.

The household boundary of a genogram is the outline of a union of axis-aligned rectangles (one around
each run of co-resident members in a row, and connectors through the gaps between rows), so it can
bend around a member who lives elsewhere without a curve-fitting library. The same functions let the
tests check a drawing: what a path encloses, whether two boxes overlap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
EPS = 1e-6


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"empty rectangle {self}")

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> Point:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def overlaps(self, other: Rect, margin: float = 0.0) -> bool:
        """True when the interiors come closer than `margin` (touching edges do not overlap)."""
        return (
            self.x0 < other.x1 + margin - EPS
            and other.x0 < self.x1 + margin - EPS
            and self.y0 < other.y1 + margin - EPS
            and other.y0 < self.y1 + margin - EPS
        )

    def contains(self, p: Point) -> bool:
        return self.x0 - EPS <= p[0] <= self.x1 + EPS and self.y0 - EPS <= p[1] <= self.y1 + EPS

    def grow(self, d: float) -> Rect:
        return Rect(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d)

    def corners(self) -> list[Point]:
        return [(self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1)]


def bounding(rects: Iterable[Rect]) -> Rect:
    rs = list(rects)
    return Rect(min(r.x0 for r in rs), min(r.y0 for r in rs), max(r.x1 for r in rs), max(r.y1 for r in rs))


def union_outline(rects: Sequence[Rect]) -> list[list[Point]]:
    """The outline of the union of `rects` as closed loops of corner points (outer loops clockwise in
    SVG's y-down coordinates, holes the other way), collinear points removed.

    Grid method: the distinct x and y edges cut the plane into cells; a cell is inside when a rectangle
    covers its centre; every cell side between an inside and an outside cell is an outline edge, and
    the edges are chained into loops (at a pinch point, where two loops touch, the walk turns so that
    the inside stays on its right and each loop stays simple).
    """
    if not rects:
        return []
    xs = sorted({v for r in rects for v in (r.x0, r.x1)})
    ys = sorted({v for r in rects for v in (r.y0, r.y1)})
    nx, ny = len(xs) - 1, len(ys) - 1
    inside = [[False] * ny for _ in range(nx)]
    for i in range(nx):
        cx = (xs[i] + xs[i + 1]) / 2
        for j in range(ny):
            cy = (ys[j] + ys[j + 1]) / 2
            inside[i][j] = any(r.x0 < cx < r.x1 and r.y0 < cy < r.y1 for r in rects)

    def filled(i: int, j: int) -> bool:
        return 0 <= i < nx and 0 <= j < ny and inside[i][j]

    # Directed edges on grid indices, inside on the right when walking (y grows downwards).
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i in range(nx):
        for j in range(ny):
            if not inside[i][j]:
                continue
            if not filled(i, j - 1):  # top side, walk left → right
                edges.setdefault((i, j), []).append((i + 1, j))
            if not filled(i + 1, j):  # right side, walk top → bottom
                edges.setdefault((i + 1, j), []).append((i + 1, j + 1))
            if not filled(i, j + 1):  # bottom side, walk right → left
                edges.setdefault((i + 1, j + 1), []).append((i, j + 1))
            if not filled(i - 1, j):  # left side, walk bottom → top
                edges.setdefault((i, j + 1), []).append((i, j))

    def direction(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        return (b[0] - a[0], b[1] - a[1])

    loops: list[list[Point]] = []
    while edges:
        start = next(iter(edges))
        loop = [start]
        prev_dir: tuple[int, int] | None = None
        current = start
        while True:
            outs = edges.get(current)
            if not outs:
                break
            if len(outs) == 1 or prev_dir is None:
                nxt = outs.pop(0)
            else:
                # Pinch point: take the right turn (keeps the two touching loops apart).
                right = (-prev_dir[1], prev_dir[0])
                pick = next((k for k, o in enumerate(outs) if direction(current, o) == right), 0)
                nxt = outs.pop(pick)
            if not outs:
                del edges[current]
            prev_dir = direction(current, nxt)
            current = nxt
            if current == start:
                break
            loop.append(current)
        points = [(xs[i], ys[j]) for i, j in loop]
        loops.append(_drop_collinear(points))
    return loops


def _drop_collinear(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    n = len(points)
    for k in range(n):
        a, b, c = points[k - 1], points[k], points[(k + 1) % n]
        if (abs(a[0] - b[0]) < EPS and abs(b[0] - c[0]) < EPS) or (
            abs(a[1] - b[1]) < EPS and abs(b[1] - c[1]) < EPS
        ):
            continue
        out.append(b)
    return out


def path_d(loops: Sequence[Sequence[Point]]) -> str:
    """SVG path data for closed polygon loops (draw with fill-rule="evenodd")."""
    return " ".join("M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in loop) + " Z" for loop in loops if loop)


def parse_path_d(d: str) -> list[list[Point]]:
    """The loops of a path written by `path_d` (M/L/Z with absolute coordinates only)."""
    loops: list[list[Point]] = []
    tokens = d.replace(",", " ").split()
    current: list[Point] = []
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if t in ("M", "L"):
            if t == "M" and current:
                loops.append(current)
                current = []
            current.append((float(tokens[k + 1]), float(tokens[k + 2])))
            k += 3
        elif t == "Z":
            loops.append(current)
            current = []
            k += 1
        else:
            raise ValueError(f"unsupported path token {t!r}")
    if current:
        loops.append(current)
    return loops


def inside_polygon(p: Point, loops: Sequence[Sequence[Point]]) -> bool:
    """Even-odd rule over all loops (a point in a hole is outside)."""
    x, y = p
    crossings = 0
    for loop in loops:
        n = len(loop)
        for k in range(n):
            (x0, y0), (x1, y1) = loop[k], loop[(k + 1) % n]
            if (y0 > y) != (y1 > y):
                xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
                if xc > x:
                    crossings += 1
    return crossings % 2 == 1


def segment_hits_rect(a: Point, b: Point, r: Rect) -> bool:
    """Whether the segment a–b passes through the interior of `r` (Liang–Barsky clipping)."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - r.x0), (dx, r.x1 - x0), (-dy, y0 - r.y0), (dy, r.y1 - y0)):
        if abs(p) < EPS:
            if q <= EPS:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1 - EPS:
            return False
    return True


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])
