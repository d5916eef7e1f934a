"""Read a genogram or ecomap SVG back into shapes, and check what a reader relies on: nothing overlaps,
nothing is cut off, every line is attached, the household boundary encloses exactly the co-residents.

Works on the SVG text the code hands out (not on the layout's own objects), so a rendering bug fails too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from tsunagu.documents.geometry import (
    Point,
    Rect,
    inside_polygon,
    parse_path_d,
    segment_hits_rect,
)
from tsunagu.documents.textmetrics import text_width

NS = {"s": "http://www.w3.org/2000/svg"}
TOL = 0.6


def _f(el: ET.Element, name: str) -> float:
    return float(el.attrib[name])


def _points(value: str) -> list[Point]:
    out = []
    for pair in value.split():
        x, y = pair.split(",")
        out.append((float(x), float(y)))
    return out


def text_box(el: ET.Element) -> Rect:
    """The box a <text> element occupies (IPAexGothic: ascent ~0.88 em, descent ~0.12 em)."""
    size = _f(el, "font-size")
    w = text_width(el.text or "", size)
    x, y = _f(el, "x"), _f(el, "y")
    anchor = el.attrib.get("text-anchor", "start")
    x0 = x - w / 2 if anchor == "middle" else (x - w if anchor == "end" else x)
    return Rect(x0, y - 0.88 * size, x0 + w, y + 0.12 * size)


@dataclass
class Symbol:
    key: str
    shape: str
    cx: float
    cy: float
    r: float  # outer half size (lines attach here)
    attrs: dict[str, str]
    texts: dict[str, str] = field(default_factory=dict)  # class → text
    text_boxes: list[Rect] = field(default_factory=list)
    has_outer: bool = False
    deceased_marks: int = 0

    @property
    def bbox(self) -> Rect:
        return Rect(self.cx - self.r, self.cy - self.r, self.cx + self.r, self.cy + self.r)

    def on_outline(self, p: Point, tol: float = TOL) -> bool:
        dx, dy = abs(p[0] - self.cx), abs(p[1] - self.cy)
        if self.shape == "square":
            return max(dx, dy) <= self.r + tol and (abs(dx - self.r) <= tol or abs(dy - self.r) <= tol)
        if self.shape == "circle":
            return abs((dx * dx + dy * dy) ** 0.5 - self.r) <= tol
        return abs(dx + dy - self.r) <= tol * 1.5

    def boxes(self) -> list[Rect]:
        return [self.bbox, *self.text_boxes]


@dataclass
class DrawnLine:
    cls: str
    union: int
    points: list[Point]
    slashes: int


@dataclass
class Drawing:
    width: float
    height: float
    symbols: dict[str, Symbol]
    lines: list[DrawnLine]
    boundary: list[list[Point]]
    legend_boxes: list[Rect]


def parse_genogram(svg_text: str) -> Drawing:
    root = ET.fromstring(svg_text)  # noqa: S314 - our own output, in tests
    _, _, w, h = (float(v) for v in root.attrib["viewBox"].split())
    symbols: dict[str, Symbol] = {}
    for g in root.iterfind(".//s:g[@class='person']", NS):
        shape = g.attrib["data-shape"]
        sym = g.find("*[@class='symbol']")
        assert sym is not None
        if shape == "square":
            cx, cy, r = (
                _f(sym, "x") + _f(sym, "width") / 2,
                _f(sym, "y") + _f(sym, "height") / 2,
                _f(sym, "width") / 2,
            )
        elif shape == "circle":
            cx, cy, r = _f(sym, "cx"), _f(sym, "cy"), _f(sym, "r")
        else:
            pts = _points(sym.attrib["points"])
            cx, cy = pts[0][0], pts[1][1]
            r = pts[1][0] - cx
        outer = g.find("*[@class='outer']")
        if outer is not None:
            r = (
                _f(outer, "width") / 2
                if shape == "square"
                else (_f(outer, "r") if shape == "circle" else _points(outer.attrib["points"])[1][0] - cx)
            )
        s = Symbol(g.attrib["data-key"], shape, cx, cy, r, dict(g.attrib), has_outer=outer is not None)
        s.deceased_marks = len(g.findall("*[@class='deceased-mark']"))
        for t in g.iterfind("s:text", NS):
            s.texts[t.attrib["class"]] = t.text or ""
            if t.attrib["class"] != "age":
                s.text_boxes.append(text_box(t))
        symbols[s.key] = s
    lines = []
    for g in root.iterfind(".//s:g", NS):
        cls = g.attrib.get("class", "")
        if cls.endswith("-line"):
            pl = g.find("s:polyline", NS)
            assert pl is not None
            lines.append(
                DrawnLine(
                    cls,
                    int(g.attrib["data-union"]),
                    _points(pl.attrib["points"]),
                    int(g.attrib["data-slashes"]),
                )
            )
    path = root.find(".//s:path[@class='household-boundary']", NS)
    boundary = parse_path_d(path.attrib["d"]) if path is not None else []
    legend = root.find(".//s:g[@class='legend']", NS)
    legend_boxes = [text_box(t) for t in legend.iterfind("s:text", NS)] if legend is not None else []
    return Drawing(w, h, symbols, lines, boundary, legend_boxes)


def _on_segment(p: Point, a: Point, b: Point, tol: float = TOL) -> bool:
    (x0, y0), (x1, y1) = a, b
    if min(x0, x1) - tol <= p[0] <= max(x0, x1) + tol and min(y0, y1) - tol <= p[1] <= max(y0, y1) + tol:
        dx, dy = x1 - x0, y1 - y0
        length = (dx * dx + dy * dy) ** 0.5
        if length < 1e-9:
            return abs(p[0] - x0) <= tol and abs(p[1] - y0) <= tol
        return abs(dy * (p[0] - x0) - dx * (p[1] - y0)) / length <= tol
    return False


def segments(line: DrawnLine) -> list[tuple[Point, Point]]:
    return list(zip(line.points, line.points[1:], strict=False))


def problems(d: Drawing) -> list[str]:
    """Every violation of the drawing rules, as readable sentences (empty when the drawing is sound)."""
    out: list[str] = []
    syms = list(d.symbols.values())
    canvas = Rect(0, 0, d.width, d.height)
    # Nothing cut off.
    for s in syms:
        for box in s.boxes():
            if not (canvas.contains((box.x0, box.y0)) and canvas.contains((box.x1, box.y1))):
                out.append(f"{s.key} is cut off")
    for line in d.lines:
        for p in line.points:
            if not canvas.contains(p):
                out.append(f"a {line.cls} of union {line.union} leaves the drawing")
    # No two persons overlap (symbols and labels), and the legend overlaps nobody.
    for i, a in enumerate(syms):
        for b in syms[i + 1 :]:
            if any(x.overlaps(y, margin=1.0) for x in a.boxes() for y in b.boxes()):
                out.append(f"{a.key} overlaps {b.key}")
        if any(x.overlaps(y) for x in a.boxes() for y in d.legend_boxes):
            out.append(f"{a.key} overlaps the legend")
    # Lines cross no symbol they are not attached to, and no label.
    for line in d.lines:
        ends = (line.points[0], line.points[-1])
        for p0, p1 in segments(line):
            for s in syms:
                attached = any(s.on_outline(e) for e in ends)
                if not attached and segment_hits_rect(p0, p1, s.bbox.grow(-1.5)):
                    out.append(f"a {line.cls} of union {line.union} crosses {s.key}")
                for tb in s.text_boxes:
                    if segment_hits_rect(p0, p1, tb.grow(-0.5)):
                        out.append(f"a {line.cls} of union {line.union} crosses the label of {s.key}")
    # Every line end is on a symbol or on another line.
    for line in d.lines:
        for e in (line.points[0], line.points[-1]):
            if any(s.on_outline(e) for s in syms):
                continue
            if any(
                _on_segment(e, a, b) for other in d.lines if other is not line for a, b in segments(other)
            ):
                continue
            if line.cls == "stub-line" and e == line.points[-1]:
                continue  # the stub above siblings whose parents are not recorded ends in the air
            out.append(f"a {line.cls} of union {line.union} ends in the air at {e}")
    # The household boundary: co-residents inside, everyone else outside, no symbol or label cut.
    if d.boundary:
        for s in syms:
            inside = inside_polygon((s.cx, s.cy), d.boundary)
            if inside != (s.attrs.get("data-co-resident") == "1"):
                out.append(f"{s.key} is {'inside' if inside else 'outside'} the household boundary")
            for box in s.boxes():
                if any(inside_polygon(c, d.boundary) != inside for c in box.grow(-0.2).corners()):
                    out.append(f"the household boundary cuts through {s.key}")
    elif any(s.attrs.get("data-co-resident") == "1" for s in syms):
        out.append("co-residents but no household boundary")
    return sorted(set(out))


def descent_reaches(d: Drawing, union: int, key: str) -> bool:
    """Whether a descent line of `union` ends on the top of `key`'s symbol (where a child hangs)."""
    s = d.symbols[key]
    top = (s.cx, s.cy - s.r)
    return any(
        line.cls == "descent-line"
        and line.union == union
        and abs(line.points[-1][0] - top[0]) <= TOL
        and abs(line.points[-1][1] - top[1]) <= TOL
        for line in d.lines
    )


def union_line(d: Drawing, union: int) -> DrawnLine:
    found = [line for line in d.lines if line.cls == "union-line" and line.union == union]
    assert len(found) == 1, f"union {union} has {len(found)} union lines"
    return found[0]


def hangs_from_union(d: Drawing, union: int) -> bool:
    """Whether the descent of `union` starts on that union's own line."""
    ul = union_line(d, union)
    starts = [line.points[0] for line in d.lines if line.cls == "descent-line" and line.union == union]
    return any(_on_segment(p, a, b) for p in starts for a, b in segments(ul))


def ends_on(d: Drawing, line: DrawnLine) -> list[str]:
    """Keys of the symbols the two ends of `line` lie on ("" for an end that is not on a symbol)."""
    out = []
    for e in (line.points[0], line.points[-1]):
        out.append(next((s.key for s in d.symbols.values() if s.on_outline(e)), ""))
    return out


def enclosed(d: Drawing) -> set[str]:
    return {k for k, s in d.symbols.items() if d.boundary and inside_polygon((s.cx, s.cy), d.boundary)}


# ------------------------------------------------------------------------------------------- ecomaps


@dataclass
class EcoShape:
    key: str
    cx: float
    cy: float
    rx: float
    ry: float
    attrs: dict[str, str]
    texts: list[str]
    text_boxes: list[Rect]

    def contains(self, p: Point, grow: float = 0.0) -> bool:
        dx, dy = p[0] - self.cx, p[1] - self.cy
        return (dx / (self.rx + grow)) ** 2 + (dy / (self.ry + grow)) ** 2 <= 1.0

    def outline(self, n: int = 64) -> list[Point]:
        import math

        return [
            (
                self.cx + self.rx * math.cos(2 * math.pi * k / n),
                self.cy + self.ry * math.sin(2 * math.pi * k / n),
            )
            for k in range(n)
        ]

    def on_outline(self, p: Point, tol: float = 0.8) -> bool:
        dx, dy = p[0] - self.cx, p[1] - self.cy
        value = ((dx / self.rx) ** 2 + (dy / self.ry) ** 2) ** 0.5
        return abs(value - 1.0) * min(self.rx, self.ry) <= tol


@dataclass
class EcoTie:
    key: str
    attrs: dict[str, str]
    line: tuple[Point, Point]
    style: dict[str, str]
    arrows: list[str]  # classes of the arrowheads
    arrow_tips: list[Point]
    hatches: int


@dataclass
class EcoDrawing:
    width: float
    height: float
    centre: EcoShape
    entities: dict[str, EcoShape]
    ties: dict[str, EcoTie]
    legend_boxes: list[Rect]


def _ellipse(el: ET.Element) -> tuple[float, float, float, float]:
    return _f(el, "cx"), _f(el, "cy"), _f(el, "rx"), _f(el, "ry")


def parse_ecomap(svg_text: str) -> EcoDrawing:
    root = ET.fromstring(svg_text)  # noqa: S314 - our own output, in tests
    _, _, w, h = (float(v) for v in root.attrib["viewBox"].split())
    house = root.find(".//s:g[@class='household']", NS)
    assert house is not None
    el = house.find("s:ellipse", NS)
    assert el is not None
    texts = list(house.iterfind("s:text", NS))
    centre = EcoShape(
        "household",
        *_ellipse(el),
        dict(house.attrib),
        [t.text or "" for t in texts],
        [text_box(t) for t in texts],
    )
    entities = {}
    for g in root.iterfind(".//s:g[@class='entity']", NS):
        el = g.find("s:ellipse", NS)
        assert el is not None
        texts = list(g.iterfind("s:text", NS))
        entities[g.attrib["data-key"]] = EcoShape(
            g.attrib["data-key"],
            *_ellipse(el),
            dict(g.attrib),
            [t.text or "" for t in texts],
            [text_box(t) for t in texts],
        )
    ties = {}
    for g in root.iterfind(".//s:g[@class='tie']", NS):
        ln = g.find("s:line[@class='tie-line']", NS)
        assert ln is not None
        arrows = [a for a in g.iterfind("s:polygon", NS)]
        ties[g.attrib["data-key"]] = EcoTie(
            g.attrib["data-key"],
            dict(g.attrib),
            ((_f(ln, "x1"), _f(ln, "y1")), (_f(ln, "x2"), _f(ln, "y2"))),
            dict(ln.attrib),
            [a.attrib["class"] for a in arrows],
            [_points(a.attrib["points"])[0] for a in arrows],
            len(g.findall("s:line[@class='hatch']", NS)),
        )
    legend = root.find(".//s:g[@class='legend']", NS)
    legend_boxes = [text_box(t) for t in legend.iterfind("s:text", NS)] if legend is not None else []
    return EcoDrawing(w, h, centre, entities, ties, legend_boxes)


def eco_problems(d: EcoDrawing) -> list[str]:
    out: list[str] = []
    shapes = [d.centre, *d.entities.values()]
    canvas = Rect(0, 0, d.width, d.height)
    for s in shapes:
        if not (canvas.contains((s.cx - s.rx, s.cy - s.ry)) and canvas.contains((s.cx + s.rx, s.cy + s.ry))):
            out.append(f"{s.key} is cut off")
        for tb in s.text_boxes:
            if not all(s.contains(c) for c in tb.corners()):
                out.append(f"a label of {s.key} sticks out of its shape")
            if any(tb.overlaps(lb) for lb in d.legend_boxes):
                out.append(f"a label of {s.key} overlaps the legend")
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            if any(b.contains(p) for p in a.outline()) or any(a.contains(p) for p in b.outline()):
                out.append(f"{a.key} overlaps {b.key}")
    for key, tie in d.ties.items():
        ent = d.entities[key]
        ends = list(tie.line) + tie.arrow_tips
        if not any(d.centre.on_outline(p) for p in ends):
            out.append(f"the line to {key} does not reach the household")
        if not any(ent.on_outline(p) for p in ends):
            out.append(f"the line to {key} does not reach {key}")
        (x0, y0), (x1, y1) = tie.line
        for other in d.entities.values():
            if other.key == key:
                continue
            if any(other.contains((x0 + (x1 - x0) * t / 50, y0 + (y1 - y0) * t / 50)) for t in range(51)):
                out.append(f"the line to {key} crosses {other.key}")
    return sorted(set(out))
