"""Ecomap (エコマップ, Hartman) as SVG, drawn by our own layout code from plain data.

The household sits in the centre (its members listed, 本人 marked ◎); agencies, community resources,
relatives and others sit around it, grouped by category, each joined to the household by one line:

- thick = strong, plain = ordinary, dashed = weak, crossed with ticks = stressful (対立・ストレス);
- arrowheads show the direction of support: to the household, from it, or both ways.

From 1 to about 15 surrounding entities the orbit grows until no two entities (nor an entity and the
centre) come closer than GAP and no line crosses another entity; beyond 8 entities they alternate
between an inner and an outer ring. Labels are shortened to two lines (name) and one line (note).
`render_ecomap(e)` returns the SVG text; `layout_ecomap(e)` the geometry (checked by the tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from . import svg
from .geometry import Point, Rect
from .textmetrics import fit, text_width, wrap


class Tie(StrEnum):
    STRONG = "strong"
    NORMAL = "normal"
    WEAK = "weak"
    STRESSFUL = "stressful"


class Flow(StrEnum):
    NONE = "none"
    TO_HOUSEHOLD = "to_household"  # support flows to the household
    FROM_HOUSEHOLD = "from_household"  # the household gives (care for a neighbour, volunteering)
    BOTH = "both"


@dataclass(frozen=True)
class EcoMember:
    name: str
    age: int | None = None
    subject: bool = False
    caption: str = ""  # 続柄 to 本人


@dataclass(frozen=True)
class EcoEntity:
    key: str
    name: str
    category: str = ""  # 行政, 医療, 福祉・介護, 障害, 子ども・教育, 就労, 地域, 家族・親族, 友人 …
    note: str = ""  # second line: who, how often (「週2回訪問」)
    tie: Tie = Tie.NORMAL
    flow: Flow = Flow.NONE


@dataclass(frozen=True)
class Ecomap:
    members: tuple[EcoMember, ...]
    entities: tuple[EcoEntity, ...] = ()
    household_label: str = "世帯"


class EcomapError(ValueError):
    """Inconsistent ecomap data (duplicate entity key)."""


NAME_SIZE = 8.5
NOTE_SIZE = 7.5
MEMBER_SIZE = 8.5
TITLE_SIZE = 9.0
LABEL_W = 86.0
LINE_H = 10.5
GAP = 10.0  # least space between two shapes
MARGIN = 8.0
MAX_MEMBERS_SHOWN = 8
ARROW = 7.0
ORBIT_MAX = 7  # beyond this many entities, a frame is more compact than an orbit
CATEGORY_FILL = {
    "行政": "#e4eefb",
    "医療": "#e3f4e6",
    "福祉・介護": "#fdf3d8",
    "障害": "#f3e8f8",
    "子ども・教育": "#fde8e4",
    "就労": "#e8f1f2",
    "地域": "#fbeedd",
    "家族・親族": "#fbe4ee",
    "友人": "#f0f0e0",
}


@dataclass
class Oval:
    cx: float
    cy: float
    rx: float
    ry: float

    @property
    def bbox(self) -> Rect:
        return Rect(self.cx - self.rx, self.cy - self.ry, self.cx + self.rx, self.cy + self.ry)

    def boundary_toward(self, p: Point) -> Point:
        dx, dy = p[0] - self.cx, p[1] - self.cy
        t = 1 / math.sqrt((dx / self.rx) ** 2 + (dy / self.ry) ** 2)
        return (self.cx + dx * t, self.cy + dy * t)

    def contains(self, p: Point, grow: float = 0.0) -> bool:
        dx, dy = p[0] - self.cx, p[1] - self.cy
        return (dx / (self.rx + grow)) ** 2 + (dy / (self.ry + grow)) ** 2 < 1.0

    def outline(self, n: int = 48, grow: float = 0.0) -> list[Point]:
        return [
            (
                self.cx + (self.rx + grow) * math.cos(2 * math.pi * k / n),
                self.cy + (self.ry + grow) * math.sin(2 * math.pi * k / n),
            )
            for k in range(n)
        ]

    def overlaps(self, other: Oval, gap: float = 0.0) -> bool:
        if not self.bbox.grow(gap / 2).overlaps(other.bbox.grow(gap / 2)):
            return False
        return any(other.contains(p, gap / 2) for p in self.outline(grow=gap / 2)) or any(
            self.contains(p, gap / 2) for p in other.outline(grow=gap / 2)
        )

    def hit_by(self, a: Point, b: Point, grow: float = 0.0) -> bool:
        """Whether the segment a–b passes inside this oval (sampled)."""
        steps = max(8, int(math.dist(a, b) / 2))
        return any(
            self.contains((a[0] + (b[0] - a[0]) * k / steps, a[1] + (b[1] - a[1]) * k / steps), grow)
            for k in range(1, steps)
        )


@dataclass
class PlacedEntity:
    entity: EcoEntity
    oval: Oval
    lines: list[tuple[str, float]]  # (text, font size), top to bottom


@dataclass
class EcomapDrawing:
    width: float
    height: float
    centre: Oval
    centre_lines: list[tuple[str, float]]
    entities: list[PlacedEntity]
    ties: dict[str, tuple[Point, Point]]  # key → (end at household, end at entity)
    legend: list[str] = field(default_factory=list)


def _text_block(lines: list[tuple[str, float]]) -> tuple[float, float]:
    w = max((text_width(t, s) for t, s in lines), default=0.0)
    h = sum(s * 1.25 for _, s in lines)
    return w, h


def _oval_around(lines: list[tuple[str, float]], pad_x: float, pad_y: float) -> tuple[float, float]:
    """Half axes of a flat ellipse that holds the text block: with rx = 0.6·w and ry = 0.905·h the
    block's corners lie on it ((0.5/0.6)² + (0.5/0.905)² = 1), wider than tall to save width."""
    w, h = _text_block(lines)
    return 0.6 * w + pad_x, 0.905 * h + pad_y


def _member_line(m: EcoMember) -> str:
    mark = "◎" if m.subject else "・"
    age = f"（{m.age}）" if m.age is not None else ""
    cap = f" {m.caption}" if m.caption and not m.subject else (" 本人" if m.subject else "")
    return fit(f"{mark}{m.name}{age}{cap}", MEMBER_SIZE, 150)


def _entity_lines(e: EcoEntity) -> list[tuple[str, float]]:
    lines = [(t, NAME_SIZE) for t in wrap(e.name, NAME_SIZE, LABEL_W, 2)]
    if e.note:
        lines.append((fit(e.note, NOTE_SIZE, LABEL_W), NOTE_SIZE))
    return lines


def _ordered(entities: tuple[EcoEntity, ...]) -> list[EcoEntity]:
    """Grouped by category, in the order categories first appear; callers' order inside a group."""
    order: dict[str, int] = {}
    for e in entities:
        order.setdefault(e.category, len(order))
    return sorted(entities, key=lambda e: order[e.category])


def layout_ecomap(e: Ecomap, *, legend: bool = True) -> EcomapDrawing:
    keys = [x.key for x in e.entities]
    if len(set(keys)) != len(keys):
        raise EcomapError("duplicate entity key")
    shown = list(e.members[:MAX_MEMBERS_SHOWN])
    centre_lines = [(f"{e.household_label}（{len(e.members)}人）", TITLE_SIZE)]
    centre_lines += [(_member_line(m), MEMBER_SIZE) for m in shown]
    if len(e.members) > len(shown):
        centre_lines.append((f"ほか{len(e.members) - len(shown)}人", MEMBER_SIZE))
    crx, cry = _oval_around(centre_lines, 10, 8)
    crx, cry = max(crx, 46.0), max(cry, 30.0)
    centre = Oval(0, 0, crx, cry)
    ents = _ordered(e.entities)
    placed = [
        PlacedEntity(x, Oval(0, 0, *_oval_around(_entity_lines(x), 6, 5)), _entity_lines(x)) for x in ents
    ]
    n = len(placed)
    if n:
        _orbit(centre, placed)
    # Translate into the canvas.
    boxes = [centre.bbox] + [p.oval.bbox for p in placed]
    x0, y0 = min(b.x0 for b in boxes), min(b.y0 for b in boxes)
    x1, y1 = max(b.x1 for b in boxes), max(b.y1 for b in boxes)
    dx, dy = MARGIN - x0, MARGIN - y0
    for o in [centre] + [p.oval for p in placed]:
        o.cx += dx
        o.cy += dy
    ties = {}
    for p in placed:
        a = centre.boundary_toward((p.oval.cx, p.oval.cy))
        b = p.oval.boundary_toward((centre.cx, centre.cy))
        ties[p.entity.key] = (a, b)
    d = EcomapDrawing(
        width=x1 - x0 + 2 * MARGIN,
        height=y1 - y0 + 2 * MARGIN,
        centre=centre,
        centre_lines=centre_lines,
        entities=placed,
        ties=ties,
    )
    if legend:
        _add_legend(e, d)
    return d


def _orbit(centre: Oval, placed: list[PlacedEntity]) -> None:
    """Up to ORBIT_MAX entities evenly around the centre from the top, clockwise, on an orbit that
    grows until nothing overlaps and no line crosses another entity; more go round a frame."""
    if len(placed) > ORBIT_MAX:
        _frame(centre, placed)
        return
    n = len(placed)
    base_x = centre.rx + max(p.oval.rx for p in placed) + 3 * GAP
    base_y = centre.ry + max(p.oval.ry for p in placed) + 2 * GAP
    scale = 1.0
    for _ in range(200):
        for i, p in enumerate(placed):
            angle = -math.pi / 2 + 2 * math.pi * i / n
            p.oval.cx = math.cos(angle) * base_x * scale
            p.oval.cy = math.sin(angle) * base_y * scale
        if _sound(centre, placed):
            return
        scale *= 1.04
    raise EcomapError("could not place the entities without overlap")  # pragma: no cover


def _frame(centre: Oval, placed: list[PlacedEntity]) -> None:
    """Many entities: a row above, a column at the right, a row below and a column at the left,
    clockwise from the top left, so that a landscape half page holds up to about 15 legibly."""
    n = len(placed)
    side = max(1, math.ceil(n / 5))
    top_n = math.ceil((n - 2 * side) / 2)
    top = placed[:top_n]
    right = placed[top_n : top_n + side]
    bottom = list(reversed(placed[top_n + side : n - side]))
    left = list(reversed(placed[n - side :]))
    gap_x, gap_y = GAP, GAP
    for _ in range(200):
        lw = max(p.oval.rx for p in left) * 2
        rw = max(p.oval.rx for p in right) * 2
        mid_w = 2 * centre.rx + 2 * (3 * gap_x)
        row_w = [sum(2 * p.oval.rx for p in row) + gap_x * (len(row) - 1) for row in (top, bottom)]
        width = max(lw + rw + mid_w + 2 * gap_x, *row_w)
        col_h = [sum(2 * p.oval.ry for p in col) + gap_y * (len(col) - 1) for col in (left, right)]
        mid_h = max(2 * centre.ry + 2 * (2 * gap_y), *col_h)
        th = max(p.oval.ry for p in top) * 2
        bh = max((p.oval.ry for p in bottom), default=0.0) * 2
        y_top = -(mid_h / 2 + gap_y + th / 2)
        y_bottom = mid_h / 2 + gap_y + bh / 2
        _spread_row(top, -width / 2, width / 2, y_top)
        _spread_row(bottom, -width / 2, width / 2, y_bottom)
        _spread_col(left, -width / 2 + lw / 2, -mid_h / 2, mid_h / 2)
        _spread_col(right, width / 2 - rw / 2, -mid_h / 2, mid_h / 2)
        if _sound(centre, placed):
            return
        gap_x *= 1.12
        gap_y *= 1.12
    raise EcomapError("could not place the entities without overlap")  # pragma: no cover


def _spread_row(row: list[PlacedEntity], x0: float, x1: float, y: float) -> None:
    """Centres spread over [x0, x1] with equal space around each entity."""
    if not row:
        return
    total = sum(2 * p.oval.rx for p in row)
    space = (x1 - x0 - total) / len(row)
    x = x0 + space / 2
    for p in row:
        p.oval.cx = x + p.oval.rx
        p.oval.cy = y
        x += 2 * p.oval.rx + space


def _spread_col(col: list[PlacedEntity], x: float, y0: float, y1: float) -> None:
    total = sum(2 * p.oval.ry for p in col)
    space = (y1 - y0 - total) / (len(col) + 1)
    y = y0 + space
    for p in col:
        p.oval.cx = x
        p.oval.cy = y + p.oval.ry
        y += 2 * p.oval.ry + space


def _sound(centre: Oval, placed: list[PlacedEntity]) -> bool:
    for i, p in enumerate(placed):
        if p.oval.overlaps(centre, 2.5 * GAP):
            return False
        for q in placed[i + 1 :]:
            if p.oval.overlaps(q.oval, GAP):
                return False
    for p in placed:
        a = centre.boundary_toward((p.oval.cx, p.oval.cy))
        b = p.oval.boundary_toward((centre.cx, centre.cy))
        if any(q is not p and q.oval.hit_by(a, b, GAP / 2) for q in placed):
            return False
    return True


# ------------------------------------------------------------------------------------------ rendering


def _text_lines(cx: float, cy: float, lines: list[tuple[str, float]], **kw: object) -> list[str]:
    _w, h = _text_block(lines)
    y = cy - h / 2
    out = []
    for t, s in lines:
        y += s * 1.25
        out.append(svg.text(cx, y - s * 0.3, t, s, **kw))
    return out


def _arrow(tip: Point, tail: Point, cls: str) -> str:
    dx, dy = tip[0] - tail[0], tip[1] - tail[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bx, by = tip[0] - ux * ARROW, tip[1] - uy * ARROW
    w = ARROW * 0.45
    pts = [tip, (bx - uy * w, by + ux * w), (bx + uy * w, by - ux * w)]
    return f"<polygon {svg.attrs(class_=cls, points=' '.join(f'{svg.num(x)},{svg.num(y)}' for x, y in pts), fill=svg.INK)}/>"


def _tie_svg(p: PlacedEntity, a: Point, b: Point) -> str:
    e = p.entity
    head = svg.attrs(class_="tie", data_key=e.key, data_tie=e.tie.value, data_flow=e.flow.value)
    out = [f"<g {head}>"]
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    # Shorten the line under each arrowhead so that the tip, not the line end, touches the shape.
    to_house = e.flow in (Flow.TO_HOUSEHOLD, Flow.BOTH)
    to_entity = e.flow in (Flow.FROM_HOUSEHOLD, Flow.BOTH)
    sa = (a[0] + ux * ARROW * 0.8, a[1] + uy * ARROW * 0.8) if to_house else a
    sb = (b[0] - ux * ARROW * 0.8, b[1] - uy * ARROW * 0.8) if to_entity else b
    kw: dict[str, object] = {"stroke": svg.INK, "class_": "tie-line"}
    if e.tie == Tie.STRONG:
        kw["stroke_width"] = 3.2
    elif e.tie == Tie.WEAK:
        kw.update(stroke_width=1.2, stroke_dasharray="5 3.5")
    else:
        kw["stroke_width"] = 1.2
    out.append(svg.line(sa[0], sa[1], sb[0], sb[1], **kw))
    if e.tie == Tie.STRESSFUL:
        # Hatched: short ticks across the line every 6 pt, clear of the arrowheads.
        k = ARROW + 4
        while k < length - ARROW - 4:
            cx, cy = a[0] + ux * k, a[1] + uy * k
            out.append(
                svg.line(
                    cx - uy * 4.5,
                    cy + ux * 4.5,
                    cx + uy * 4.5,
                    cy - ux * 4.5,
                    stroke=svg.INK,
                    stroke_width=1.1,
                    class_="hatch",
                )
            )
            k += 6
    if to_house:
        out.append(_arrow(a, b, "arrow-to-household"))
    if to_entity:
        out.append(_arrow(b, a, "arrow-to-entity"))
    out.append("</g>")
    return "".join(out)


def _oval_svg(o: Oval, **kw: object) -> str:
    return f"<ellipse {svg.attrs(cx=o.cx, cy=o.cy, rx=o.rx, ry=o.ry, **kw)}/>"


def drawing_svg(d: EcomapDrawing) -> str:
    body = [_tie_svg(p, *d.ties[p.entity.key]) for p in d.entities]
    body.append("<g class='household'>")
    body.append(_oval_svg(d.centre, fill="#ffffff", stroke=svg.INK, stroke_width=2.0))
    body += _text_lines(d.centre.cx, d.centre.cy, d.centre_lines, fill=svg.INK)
    body.append("</g>")
    for p in d.entities:
        e = p.entity
        head = svg.attrs(class_="entity", data_key=e.key, data_category=e.category, data_tie=e.tie.value)
        fill = CATEGORY_FILL.get(e.category, "#f2f2f2")
        body.append(f"<g {head}>")
        body.append(_oval_svg(p.oval, fill=fill, stroke=svg.INK, stroke_width=1.1))
        body += _text_lines(p.oval.cx, p.oval.cy, p.lines, fill=svg.INK)
        body.append("</g>")
    body += d.legend
    return svg.document(d.width, d.height, body, label="エコマップ")


def render_ecomap(e: Ecomap, *, legend: bool = True) -> str:
    """The ecomap of `e` as a standalone SVG document (user unit = 1 pt at natural size)."""
    return drawing_svg(layout_ecomap(e, legend=legend))


def _add_legend(e: Ecomap, d: EcomapDrawing) -> None:
    size = 7.5
    items: list[tuple[str, str]] = []
    ties = {x.tie for x in e.entities}
    flows = {x.flow for x in e.entities}
    for tie, label in (
        (Tie.STRONG, "強い関係"),
        (Tie.NORMAL, "普通の関係"),
        (Tie.WEAK, "弱い関係"),
        (Tie.STRESSFUL, "ストレス・対立のある関係"),
    ):
        if tie in ties:
            items.append((tie.value, label))
    if flows - {Flow.NONE}:
        items.append(("flow", "支援・働きかけの向き"))
    if not items:
        return
    sign_w = 22.0
    widths = [sign_w + 4 + text_width(label, size) for _, label in items]
    avail = max(d.width - 2 * MARGIN, max(widths))
    x, y = MARGIN, d.height + 2
    out = ["<g class='legend'>"]
    for (kind, label), w in zip(items, widths, strict=True):
        if x > MARGIN and x + w > MARGIN + avail:
            x, y = MARGIN, y + 13
        cy = y + 5
        kw: dict[str, object] = {"stroke": svg.INK, "stroke_width": 1.2}
        if kind == Tie.STRONG.value:
            kw["stroke_width"] = 3.2
        if kind == Tie.WEAK.value:
            kw["stroke_dasharray"] = "5 3.5"
        end = x + sign_w - (ARROW if kind == "flow" else 0)
        out.append(svg.line(x, cy, end, cy, **kw))
        if kind == Tie.STRESSFUL.value:
            for k in range(3):
                tx = x + 5 + 6 * k
                out.append(svg.line(tx, cy - 4.5, tx, cy + 4.5, stroke=svg.INK, stroke_width=1.1))
        if kind == "flow":
            out.append(_arrow((x + sign_w, cy), (x, cy), "legend-arrow"))
        out.append(
            svg.text(x + sign_w + 4, cy + size * 0.36, label, size, text_anchor="start", fill=svg.MUTED)
        )
        x += w + 12
    out.append("</g>")
    d.legend = out
    d.height = y + 10 + MARGIN
    d.width = max(d.width, avail + 2 * MARGIN)
