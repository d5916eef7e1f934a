"""Genogram (ジェノグラム) as SVG, drawn by our own layout code from plain data.

Notation (McGoldrick, with the Japanese practice for 本人):

- square = male, circle = female, diamond = sex unknown or other; age inside the symbol
  (「約45」 when the age is an estimate); 本人 with a double outline;
- deceased: an X through the symbol (the death note, e.g. 「2019年没」, under the name);
- partners joined by a line between the symbols: solid = married, dashed = cohabiting (内縁・事実婚);
  one slash = separated, two slashes = divorced; a person with several partners has the earlier ones
  on the left, and each union's children hang from its own line, oldest on the left;
- a short line to nowhere = a child whose other parent is not recorded; a bar with a stub above it =
  siblings whose parents are not recorded; twins share one point on the sibling bar;
- a dashed outline around everyone who lives together (同居), bending around members who live elsewhere;
- names under the symbols (shortened to fit), with a caption (続柄 to 本人, death note).

This module knows no app: callers build a `Genogram` of `GenoPerson` and `GenoUnion` (see
`tsunagu.people.genogram_data` for households). `render_genogram(g)` returns the SVG text;
`layout_genogram(g)` returns the geometry, which the tests check (no overlaps, every line attached,
the boundary enclosing exactly the co-resident members).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from . import svg
from .geometry import Point, Rect, path_d


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"  # also "other": drawn as a diamond


class UnionKind(StrEnum):
    MARRIED = "married"
    COHABITING = "cohabiting"  # 内縁・事実婚・パートナー: dashed line


class UnionStatus(StrEnum):
    TOGETHER = "together"
    SEPARATED = "separated"  # one slash
    DIVORCED = "divorced"  # two slashes


class GenogramError(ValueError):
    """The genogram data is inconsistent (unknown person, duplicate key, a person partnered with themself)."""


@dataclass(frozen=True)
class GenoPerson:
    key: str
    name: str
    sex: Sex = Sex.UNKNOWN
    age: int | None = None
    age_estimated: bool = False
    born: dt.date | None = None  # orders siblings when ages tie
    deceased: bool = False
    death_note: str = ""  # e.g. 「2019年没」; shown under the name
    subject: bool = False  # 本人: double outline
    co_resident: bool = False  # inside the household boundary
    caption: str = ""  # e.g. 「母」「長男」
    twin: str = ""  # twins share the same non-empty value


@dataclass(frozen=True)
class GenoUnion:
    """Parents and their children. `partners` has two keys (a couple), one (the other parent is not
    recorded) or none (siblings whose parents are not recorded). `order` sorts a person's unions:
    earlier ones first (they are drawn on the left)."""

    partners: tuple[str, ...]
    children: tuple[str, ...] = ()
    kind: UnionKind = UnionKind.MARRIED
    status: UnionStatus = UnionStatus.TOGETHER
    order: int = 0


@dataclass(frozen=True)
class Genogram:
    persons: tuple[GenoPerson, ...]
    unions: tuple[GenoUnion, ...] = ()

    def person(self, key: str) -> GenoPerson:
        for p in self.persons:
            if p.key == key:
                return p
        raise KeyError(key)


# ------------------------------------------------------------------------------------------- geometry

SYMBOL = 26.0  # side of the square, diameter of the circle, diagonal of the diamond
R = SYMBOL / 2
OUTER = 3.0  # gap between the two outlines of 本人
AGE_SIZE = 10.0
NAME_SIZE = 8.5
CAPTION_SIZE = 7.5
LABEL_MAX = 64.0  # widest name or caption under a symbol
TOP_PAD = OUTER + 1  # from the top of a row to the outer outline of 本人
NAME_DY = R + OUTER + 10.5  # baseline of the name below the symbol centre
CAPTION_DY = NAME_DY + 10.0
BOX_H = TOP_PAD + R + CAPTION_DY + 3.5  # a row's box: symbols and two label lines
GUTTER = 32.0  # between rows: sibling bars, the boundary's connectors
PITCH = BOX_H + GUTTER
H_GAP = 11.0  # least space between two boxes of a row
MARGIN = 8.0
BOUNDARY_PAD = 4.5
STROKE = 1.2


@dataclass(frozen=True)
class PlacedPerson:
    person: GenoPerson
    x: float
    y: float  # centre of the symbol
    level: int
    width: float  # of the box (symbol or labels, whichever is wider)
    name: str  # as drawn (shortened)
    caption: str  # as drawn

    @property
    def outline_r(self) -> float:
        """Half size of the outermost outline (lines attach to it)."""
        return R + (OUTER if self.person.subject else 0.0)

    @property
    def symbol_box(self) -> Rect:
        r = self.outline_r
        return Rect(self.x - r, self.y - r, self.x + r, self.y + r)

    @property
    def box(self) -> Rect:
        """Symbol and labels: nothing else may be drawn here."""
        top = self.y - R - TOP_PAD
        return Rect(self.x - self.width / 2, top, self.x + self.width / 2, top + BOX_H)

    @property
    def shape(self) -> str:
        return {Sex.MALE: "square", Sex.FEMALE: "circle"}.get(self.person.sex, "diamond")

    def edge_x(self, dy: float, side: int) -> float:
        """x where a horizontal line at height y+dy leaves the outer outline on `side` (-1 left, +1 right)."""
        r = self.outline_r
        dy = min(abs(dy), r)
        if self.shape == "square":
            half = r
        elif self.shape == "circle":
            half = (r * r - dy * dy) ** 0.5
        else:
            half = r - dy
        return self.x + side * half

    def top(self) -> Point:
        return (self.x, self.y - self.outline_r)


@dataclass
class Line:
    """One drawn line: `kind` is "union", "descent" or "stub"; `points` a polyline."""

    kind: str
    points: list[Point]
    union: int  # index into Genogram.unions
    style: str = "solid"  # solid | dashed
    slashes: int = 0  # 1 separated, 2 divorced (union lines only)


@dataclass
class GenogramDrawing:
    width: float
    height: float
    persons: dict[str, PlacedPerson]
    lines: list[Line]
    boundary: list[list[Point]]
    legend: list[str] = field(default_factory=list)  # SVG fragments, already placed
    warnings: list[str] = field(default_factory=list)


def validate(g: Genogram) -> None:
    keys = [p.key for p in g.persons]
    if len(set(keys)) != len(keys):
        raise GenogramError("duplicate person key")
    known = set(keys)
    for u in g.unions:
        if len(u.partners) > 2:
            raise GenogramError("a union has at most two partners")
        if len(set(u.partners)) != len(u.partners):
            raise GenogramError("a person cannot be their own partner")
        for k in (*u.partners, *u.children):
            if k not in known:
                raise GenogramError(f"unknown person {k!r} in a union")
        if set(u.partners) & set(u.children):
            raise GenogramError("a person cannot be their own child")
        if len(set(u.children)) != len(u.children):
            raise GenogramError("a child is listed twice in one union")


def layout_genogram(g: Genogram, *, legend: bool = True) -> GenogramDrawing:
    """Place every symbol and line; see the module docstring for the notation."""
    from ._genogram_layout import layout

    validate(g)
    drawing = layout(g)
    if legend:
        _add_legend(g, drawing)
    return drawing


def render_genogram(g: Genogram, *, legend: bool = True) -> str:
    """The genogram of `g` as a standalone SVG document (user unit = 1 pt at natural size)."""
    return drawing_svg(layout_genogram(g, legend=legend))


# ------------------------------------------------------------------------------------------ rendering


def _symbol(p: PlacedPerson, r: float, **kw: object) -> str:
    x, y = p.x, p.y
    if p.shape == "square":
        return f"<rect {svg.attrs(x=x - r, y=y - r, width=2 * r, height=2 * r, **kw)}/>"
    if p.shape == "circle":
        return f"<circle {svg.attrs(cx=float(x), cy=float(y), r=float(r), **kw)}/>"
    pts = f"{svg.num(x)},{svg.num(y - r)} {svg.num(x + r)},{svg.num(y)} {svg.num(x)},{svg.num(y + r)} {svg.num(x - r)},{svg.num(y)}"
    return f"<polygon {svg.attrs(points=pts, **kw)}/>"


def _age_text(p: GenoPerson) -> str:
    if p.age is None or p.deceased:
        return ""
    return f"約{p.age}" if p.age_estimated else str(p.age)


def _person_svg(pp: PlacedPerson) -> str:
    from .textmetrics import text_width

    p = pp.person
    data = svg.attrs(
        class_="person",
        data_key=p.key,
        data_sex=p.sex.value,
        data_shape=pp.shape,
        data_subject="1" if p.subject else "0",
        data_deceased="1" if p.deceased else "0",
        data_co_resident="1" if p.co_resident else "0",
    )
    out = [f"<g {data}>"]
    style = {"fill": "#ffffff", "stroke": svg.INK, "stroke_width": 1.4}
    out.append(_symbol(pp, R, **style, class_="symbol"))
    if p.subject:
        out.append(_symbol(pp, R + OUTER, fill="none", stroke=svg.INK, stroke_width=1.4, class_="outer"))
    if p.deceased:
        k = R * (0.72 if pp.shape == "circle" else (1.0 if pp.shape == "square" else 0.5))
        for sx in (-1, 1):
            out.append(
                svg.line(
                    pp.x - k,
                    pp.y - k * sx,
                    pp.x + k,
                    pp.y + k * sx,
                    stroke=svg.INK,
                    stroke_width=1.4,
                    class_="deceased-mark",
                )
            )
    age = _age_text(p)
    if age:
        size = AGE_SIZE
        inner = SYMBOL * (0.78 if pp.shape == "square" else 0.62)
        while size > 6.5 and text_width(age, size) > inner:
            size -= 0.5
        out.append(svg.text(pp.x, pp.y + size * 0.36, age, size, class_="age", fill=svg.INK))
    out.append(svg.text(pp.x, pp.y + NAME_DY, pp.name, NAME_SIZE, class_="name", fill=svg.INK))
    if pp.caption:
        out.append(
            svg.text(pp.x, pp.y + CAPTION_DY, pp.caption, CAPTION_SIZE, class_="caption", fill=svg.MUTED)
        )
    out.append("</g>")
    return "".join(out)


def _slashes(line: Line) -> list[str]:
    """Short slashes across the first horizontal segment of a union line, left of its middle."""
    (x0, y0), (x1, _y1) = line.points[0], line.points[1]
    if line.slashes == 0 or abs(x1 - x0) < 1:
        return []
    mid = x0 + (x1 - x0) * 0.32
    out = []
    for k in range(line.slashes):
        cx = mid + (k - (line.slashes - 1) / 2) * 4.5
        out.append(
            svg.line(cx - 2.5, y0 + 5, cx + 2.5, y0 - 5, stroke=svg.INK, stroke_width=1.3, class_="slash")
        )
    return out


def _line_svg(line: Line) -> str:
    kw: dict[str, object] = {"stroke": svg.INK, "stroke_width": STROKE}
    if line.style == "dashed":
        kw["stroke_dasharray"] = "4 2.5"
    head = svg.attrs(class_=f"{line.kind}-line", data_union=str(line.union), data_slashes=str(line.slashes))
    body = svg.polyline(line.points, **kw)
    return f"<g {head}>{body}{''.join(_slashes(line))}</g>"


def drawing_svg(d: GenogramDrawing) -> str:
    body: list[str] = []
    if d.boundary:
        body.append(
            f"<path {svg.attrs(class_='household-boundary', d=path_d(d.boundary), fill='#eef3f8', fill_rule='evenodd', stroke='#3d5a80', stroke_width=1.1, stroke_dasharray='5 3', stroke_linejoin='round')}/>"
        )
    body += [_line_svg(line) for line in d.lines]
    body += [_person_svg(p) for p in d.persons.values()]
    body += d.legend
    return svg.document(d.width, d.height, body, label="ジェノグラム")


# ------------------------------------------------------------------------------------------- legend


def _add_legend(g: Genogram, d: GenogramDrawing) -> None:
    """Only the signs this drawing uses, in one or more rows under it."""
    from .textmetrics import text_width

    size = 7.5
    s = 9.0  # legend symbol size
    items: list[tuple[str, str]] = []  # (kind, label)
    sexes = {p.sex for p in g.persons}
    items.append(("subject", "本人"))
    if Sex.MALE in sexes:
        items.append(("male", "男性"))
    if Sex.FEMALE in sexes:
        items.append(("female", "女性"))
    if Sex.UNKNOWN in sexes:
        items.append(("unknown", "性別不明・その他"))
    if any(p.deceased for p in g.persons):
        items.append(("deceased", "死亡"))
    kinds = {(u.kind, u.status) for u in g.unions if len(u.partners) == 2}
    if any(k == UnionKind.MARRIED and st == UnionStatus.TOGETHER for k, st in kinds):
        items.append(("married", "婚姻"))
    if any(k == UnionKind.COHABITING for k, _ in kinds):
        items.append(("cohabiting", "内縁・事実婚"))
    if any(st == UnionStatus.SEPARATED for _, st in kinds):
        items.append(("separated", "別居・離別"))
    if any(st == UnionStatus.DIVORCED for _, st in kinds):
        items.append(("divorced", "離婚"))
    if d.boundary:
        items.append(("household", "同居（点線の囲み）"))
    widths = [s + 4 + text_width(label, size) for _, label in items]
    avail = max(d.width - 2 * MARGIN, max(widths))
    x, y = MARGIN, d.height + 4
    rows_y = [y]
    out: list[str] = ["<g class='legend'>"]
    for (kind, label), w in zip(items, widths, strict=True):
        if x > MARGIN and x + w > MARGIN + avail:
            x = MARGIN
            y += 13
            rows_y.append(y)
        cy = y + s / 2
        out.append(_legend_sign(kind, x, cy, s))
        out.append(svg.text(x + s + 3, cy + size * 0.36, label, size, text_anchor="start", fill=svg.MUTED))
        x += w + 10
    out.append("</g>")
    d.legend = out
    d.height = y + s + MARGIN
    d.width = max(d.width, avail + 2 * MARGIN)


def _legend_sign(kind: str, x: float, cy: float, s: float) -> str:
    ink = {"stroke": svg.INK, "stroke_width": 1.0, "fill": "#ffffff"}
    h = s / 2
    cx = x + h
    if kind in ("male", "deceased"):
        sign = f"<rect {svg.attrs(x=x, y=cy - h, width=s, height=s, **ink)}/>"
        if kind == "deceased":
            sign += svg.line(x, cy - h, x + s, cy + h, stroke=svg.INK) + svg.line(
                x, cy + h, x + s, cy - h, stroke=svg.INK
            )
        return sign
    if kind == "female":
        return f"<circle {svg.attrs(cx=cx, cy=cy, r=h, **ink)}/>"
    if kind == "unknown":
        pts = f"{svg.num(cx)},{svg.num(cy - h)} {svg.num(x + s)},{svg.num(cy)} {svg.num(cx)},{svg.num(cy + h)} {svg.num(x)},{svg.num(cy)}"
        return f"<polygon {svg.attrs(points=pts, **ink)}/>"
    if kind == "subject":
        return f"<rect {svg.attrs(x=x + 1.5, y=cy - h + 1.5, width=s - 3, height=s - 3, **ink)}/>" + (
            f"<rect {svg.attrs(x=x - 0.5, y=cy - h - 0.5, width=s + 1, height=s + 1, fill='none', stroke=svg.INK, stroke_width=1.0)}/>"
        )
    if kind == "household":
        return f"<rect {svg.attrs(x=x, y=cy - h, width=s, height=s, fill='#eef3f8', stroke='#3d5a80', stroke_width=1.0, stroke_dasharray='2.5 1.5')}/>"
    dash = "3 2" if kind == "cohabiting" else None
    sign = svg.line(x - 1, cy, x + s + 1, cy, stroke=svg.INK, stroke_width=STROKE, stroke_dasharray=dash)
    for k in range({"separated": 1, "divorced": 2}.get(kind, 0)):
        sx = cx + (k - (0.5 if kind == "divorced" else 0)) * 3.5
        sign += svg.line(sx - 2, cy + 4, sx + 2, cy - 4, stroke=svg.INK, stroke_width=1.1)
    return sign
