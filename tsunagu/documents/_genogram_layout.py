"""Layout of a genogram: one row per generation, each family laid out as a block, blocks packed tidily.

A person's *cluster* is the person with all their partners (and their partners' partners), in one row:
the earlier partner on the left, later ones on the right, husband left of wife for a single couple. A
union with one recorded parent gets an invisible slot beside that parent, so its children hang from a
short line that ends in the air. Each union's children (oldest first) are laid out below its line as a
group of blocks, packed left to right so that no two boxes of a row (nor two sibling bars) come closer
than H_GAP; a group pushed right of its union pulls the right partner along, so children stay under
their own parents. The main block grows from the top ancestor of 本人; in-laws' parents, siblings
without parents and unrelated co-residents are placed afterwards, as near their relatives as free space
allows. The household boundary is the outline of rectangles around runs of co-resident members,
joined through the gaps between rows (see geometry.union_outline).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace

from .genogram import (
    BOUNDARY_PAD,
    BOX_H,
    CAPTION_SIZE,
    GUTTER,
    H_GAP,
    LABEL_MAX,
    MARGIN,
    NAME_SIZE,
    OUTER,
    PITCH,
    SYMBOL,
    TOP_PAD,
    Genogram,
    GenogramDrawing,
    GenoPerson,
    Line,
    PlacedPerson,
    R,
    UnionKind,
    UnionStatus,
)
from .geometry import Point, Rect, union_outline
from .textmetrics import fit, text_width

VOID = "\x00void:"
TRACKS = (0.0, -8.0, 8.0)  # sibling bars: offsets from the middle of a gutter


def _is_void(slot: str) -> bool:
    return slot.startswith(VOID)


class _Block:
    """Slots (persons and invisible single-parent slots) with x and level, and the extent of each
    half-level (2·level = the row, 2·level+1 = the gutter below it, where sibling bars run)."""

    def __init__(self) -> None:
        self.x: dict[str, float] = {}
        self.level: dict[str, int] = {}
        self.contour: dict[int, tuple[float, float]] = {}

    def extend(self, hl: int, lo: float, hi: float) -> None:
        cur = self.contour.get(hl)
        self.contour[hl] = (lo, hi) if cur is None else (min(cur[0], lo), max(cur[1], hi))

    def shift(self, dx: float) -> None:
        for k in self.x:
            self.x[k] += dx
        self.contour = {hl: (lo + dx, hi + dx) for hl, (lo, hi) in self.contour.items()}

    def shift_levels(self, dl: int) -> None:
        for k in self.level:
            self.level[k] += dl
        self.contour = {hl + 2 * dl: v for hl, v in self.contour.items()}

    def absorb(self, other: _Block) -> None:
        self.x.update(other.x)
        self.level.update(other.level)
        for hl, (lo, hi) in other.contour.items():
            self.extend(hl, lo, hi)

    def clearance(self, other: _Block) -> float:
        """The least shift that puts `other` right of this block at every half-level both use."""
        need = float("-inf")
        for hl, (_lo, hi) in self.contour.items():
            if hl in other.contour:
                need = max(need, hi + H_GAP - other.contour[hl][0])
        return need


class _Layout:
    def __init__(self, g: Genogram) -> None:
        self.g = g
        self.people = {p.key: p for p in g.persons}
        self.index = {p.key: i for i, p in enumerate(g.persons)}
        self.unions = list(g.unions)
        self.warnings: list[str] = []
        self.unions_of: dict[str, list[int]] = {p.key: [] for p in g.persons}
        self.parent_union: dict[str, int] = {}
        for ui, u in enumerate(self.unions):
            for k in u.partners:
                self.unions_of[k].append(ui)
            for c in u.children:
                if c in self.parent_union:
                    self.warnings.append(f"{c}: more than one pair of parents; the first is drawn")
                else:
                    self.parent_union[c] = ui
        for uis in self.unions_of.values():
            uis.sort(key=lambda ui: (self.unions[ui].order, ui))
        self.subject = next((p.key for p in g.persons if p.subject), g.persons[0].key if g.persons else "")
        self.name: dict[str, str] = {}
        self.caption: dict[str, str] = {}
        self.width: dict[str, float] = {}
        family = self._family(self.people[self.subject].name) if self.subject else ""
        for p in g.persons:
            self._label(p, family)
        self.placed: set[str] = set()
        self.x: dict[str, float] = {}
        self.level: dict[str, int] = {}
        self.occ: dict[int, list[tuple[float, float]]] = {}

    # ------------------------------------------------------------------------------------- labels

    @staticmethod
    def _family(name: str) -> str:
        parts = name.split()
        return parts[0] if len(parts) > 1 else ""

    def _label(self, p: GenoPerson, subject_family: str) -> None:
        parts = p.name.split()
        full = " ".join(parts)
        name = full
        if text_width(full, NAME_SIZE) > LABEL_MAX and len(parts) > 1:
            given = " ".join(parts[1:])
            # The family name is the household's own: the given name says who it is.
            name = given if parts[0] == subject_family else full
        name = fit(name, NAME_SIZE, LABEL_MAX)
        caption = fit(" ".join(s for s in (p.caption, p.death_note) if s), CAPTION_SIZE, LABEL_MAX)
        self.name[p.key] = name
        self.caption[p.key] = caption
        self.width[p.key] = max(
            SYMBOL + 2 * OUTER + 4, text_width(name, NAME_SIZE) + 2, text_width(caption, CAPTION_SIZE) + 2
        )

    def _w(self, slot: str) -> float:
        return 0.0 if _is_void(slot) else self.width[slot]

    # ---------------------------------------------------------------------------------- structure

    def _children(self, ui: int) -> list[str]:
        def key(k: str) -> tuple[bool, int, dt.date, int]:
            p = self.people[k]
            return (p.age is None, -(p.age or 0), p.born or dt.date.max, self.index[k])

        return sorted(self.unions[ui].children, key=key)

    def _partners_of(self, k: str, allowed: set[str]) -> list[tuple[int, str]]:
        out = []
        for ui in self.unions_of[k]:
            u = self.unions[ui]
            if len(u.partners) == 1:
                if u.children:  # a lone parent with no child drawn needs no line at all
                    out.append((ui, f"{VOID}{ui}"))
            else:
                other = u.partners[1] if u.partners[0] == k else u.partners[0]
                if other in allowed:
                    out.append((ui, other))
        return out

    def _cluster(self, start: str) -> set[str]:
        members = {start}
        todo = [start]
        while todo:
            k = todo.pop()
            for ui in self.unions_of[k]:
                for other in self.unions[ui].partners:
                    if other not in members and other not in self.placed:
                        members.add(other)
                        todo.append(other)
        return members

    def _row(self, start: str) -> list[str]:
        members = self._cluster(start)
        pivot = max(
            members, key=lambda k: (len(self.unions_of[k]), k == start, -self.index[k])
        )  # the person with most partners sits in the middle
        visited = {pivot}
        parts = [(ui, o) for ui, o in self._partners_of(pivot, members) if o not in visited]
        visited.update(o for _, o in parts)
        if len(parts) == 1:
            o = parts[0][1]
            left = not _is_void(o) and self._goes_left(pivot, o)
            sides: tuple[list[str], list[str]] = ([o], []) if left else ([], [o])
        else:
            sides = ([parts[0][1]] if parts else [], [o for _, o in parts[1:]])
        row = [pivot]
        for o in sides[0]:
            row = self._extend(o, -1, visited, members) + row
        for o in sides[1]:
            row = row + self._extend(o, +1, visited, members)
        return row

    def _goes_left(self, pivot: str, other: str) -> bool:
        """A single couple: husband on the left, wife on the right."""
        return self.people[pivot].sex.value == "female" and self.people[other].sex.value == "male"

    def _extend(self, slot: str, side: int, visited: set[str], members: set[str]) -> list[str]:
        if _is_void(slot):
            return [slot]
        chain = [slot]
        more = [o for _, o in self._partners_of(slot, members) if o not in visited]
        visited.update(more)
        for o in more:
            sub = self._extend(o, side, visited, members)
            chain = chain + sub if side > 0 else sub + chain
        return chain

    def _union_between(self, a: str, b: str) -> bool:
        for s, t in ((a, b), (b, a)):
            if _is_void(t):
                ui = int(t[len(VOID) :])
                if s in self.unions[ui].partners:
                    return True
        if _is_void(a) or _is_void(b):
            return False
        return any(set(self.unions[ui].partners) == {a, b} for ui in self.unions_of[a])

    def _spacing(self, a: str, b: str) -> float:
        wa, wb = self._w(a), self._w(b)
        if _is_void(a) or _is_void(b):
            owner_w = wb if _is_void(a) else wa
            if self._union_between(a, b):
                return owner_w / 2 + 8
            return max(wa, wb) / 2 + H_GAP
        base = wa / 2 + wb / 2 + H_GAP
        if self._union_between(a, b):
            return max(base, max(wa, wb) + 20, SYMBOL + 2 * OUTER + 26)
        return base

    def _anchor_x(self, ui: int, xs: dict[str, float]) -> float:
        u = self.unions[ui]
        if len(u.partners) == 1:
            return xs[f"{VOID}{ui}"]
        return (xs[u.partners[0]] + xs[u.partners[1]]) / 2

    # ------------------------------------------------------------------------------------- blocks

    def _person_block(self, start: str, level: int) -> _Block:
        row = self._row(start)
        block = _Block()
        x = 0.0
        for i, slot in enumerate(row):
            if i:
                x += self._spacing(row[i - 1], slot)
            block.x[slot] = x
            block.level[slot] = level
            if not _is_void(slot):
                self.placed.add(slot)
        in_row = set(row)
        unions = [
            ui
            for ui in sorted({ui for k in row if not _is_void(k) for ui in self.unions_of[k]})
            if all(p in in_row for p in self.unions[ui].partners)
            and (len(self.unions[ui].partners) == 2 or self.unions[ui].children)
        ]
        unions.sort(key=lambda ui: self._anchor_x(ui, block.x))
        groups = []
        for ui in unions:
            kids = []
            for c in self._children(ui):
                if c not in self.placed:
                    kids.append((c, self._person_block(c, level + 1)))
            if kids:
                groups.append((ui, self._pack(kids)))
        placed_groups: _Block | None = None
        for ui, (group, cxs) in groups:
            anchor = self._anchor_x(ui, block.x)
            dx = anchor - (min(cxs) + max(cxs)) / 2
            if placed_groups is not None:
                dx = max(dx, placed_groups.clearance(group))
            delta = dx - (anchor - (min(cxs) + max(cxs)) / 2)
            u = self.unions[ui]
            if delta > 0.01 and len(u.partners) == 2:
                # Pull the right partner (and everyone right of them) along, so the line's middle
                # stays above its children.
                j = max(row.index(u.partners[0]), row.index(u.partners[1]))
                for slot in row[j:]:
                    block.x[slot] += 2 * delta
                anchor += delta
            group.shift(dx)
            xs = [c + dx for c in cxs]
            group.extend(2 * level + 1, min([*xs, anchor]) - 2, max([*xs, anchor]) + 2)
            if placed_groups is None:
                placed_groups = group
            else:
                placed_groups.absorb(group)
        for slot in row:
            w = self._w(slot)
            block.extend(2 * level, block.x[slot] - w / 2, block.x[slot] + w / 2)
        if placed_groups is not None:
            block.absorb(placed_groups)
        return block

    def _pack(self, kids: list[tuple[str, _Block]]) -> tuple[_Block, list[float]]:
        """Child blocks side by side, oldest first; returns the group and the children's x."""
        group = _Block()
        xs = []
        for c, b in kids:
            if group.x:
                b.shift(group.clearance(b))
            xs.append(b.x[c])
            group.absorb(b)
        return group, xs

    def _sibling_block(self, ui: int, level: int) -> tuple[_Block, list[float]] | None:
        kids = [(c, self._person_block(c, level)) for c in self._children(ui) if c not in self.placed]
        return self._pack(kids) if kids else None

    # ---------------------------------------------------------------------------------- placement

    def _fits(self, block: _Block, dx: float) -> bool:
        for hl, (lo, hi) in block.contour.items():
            for a, b in self.occ.get(hl, ()):
                if lo + dx < b + H_GAP and a < hi + dx + H_GAP:
                    return False
        return True

    def _place(self, block: _Block, target: float) -> None:
        """Put the block at the free shift nearest to `target` (never on top of anything placed)."""
        candidates = [target]
        for hl, (lo, hi) in block.contour.items():
            for a, b in self.occ.get(hl, ()):
                candidates += [b + H_GAP - lo + 0.01, a - H_GAP - hi - 0.01]
        best = min((c for c in candidates if self._fits(block, c)), key=lambda c: abs(c - target))
        block.shift(best)
        for hl, (lo, hi) in block.contour.items():
            self.occ.setdefault(hl, []).append((lo, hi))
        self.x.update(block.x)
        self.level.update(block.level)

    def _ascend(self, key: str) -> tuple[str, int, int]:
        """The top of `key`'s line of unplaced ancestors: ("person", key) or ("union", ui), and steps up."""
        steps = 0
        seen: set[int] = set()
        cur = key
        while True:
            ui = self.parent_union.get(cur)
            if ui is None or ui in seen:
                return cur, -1, steps
            seen.add(ui)
            partners = [p for p in self.unions[ui].partners if p not in self.placed]
            if not self.unions[ui].partners:
                return "", ui, steps + 1
            if not partners or any(p in self.placed for p in self.unions[ui].partners):
                return cur, -1, steps
            cur = max(partners, key=lambda p: (self._depth_up(p), -self.index[p]))
            steps += 1

    def _depth_up(self, key: str, seen: frozenset[int] = frozenset()) -> int:
        ui = self.parent_union.get(key)
        if ui is None or ui in seen:
            return 0
        ps = self.unions[ui].partners
        return 1 + max((self._depth_up(p, seen | {ui}) for p in ps), default=0)

    def _block_from(self, key: str, level: int) -> tuple[_Block, int]:
        """A block grown from the top unplaced ancestor of `key` (at `level`); returns it and its top level."""
        top, ui, steps = self._ascend(key)
        if ui >= 0:
            packed = self._sibling_block(ui, level - steps + 1)
            assert packed is not None
            block, xs = packed
            hl = 2 * (level - steps)
            block.extend(hl + 1, min(xs) - 2, max(xs) + 2)
            return block, level - steps
        return self._person_block(top, level - steps), level - steps

    def run(self) -> None:
        if not self.g.persons:
            return
        main, _ = self._block_from(self.subject, 0)
        self._place(main, 0.0)
        self._attach_pending()
        for p in self.g.persons:
            if p.key in self.placed:
                continue
            block, _top = self._block_from(p.key, 0)
            block.shift_levels(self._level_offset(block))
            right = max((hi for ivs in self.occ.values() for _, hi in ivs), default=0.0)
            self._place(block, right + 3 * H_GAP - min(lo for lo, _ in block.contour.values()))
            self._attach_pending()

    def _attach_pending(self) -> None:
        """Relatives of placed persons not reached from the top ancestor: in-laws' parents, siblings
        without recorded parents, children of a couple whose partners were placed apart."""
        progress = True
        while progress:
            progress = False
            for ui, u in enumerate(self.unions):
                members = (*u.partners, *u.children)
                if all(k in self.placed for k in members) or not any(k in self.placed for k in members):
                    continue
                placed_kids = [self.x[c] for c in u.children if c in self.placed]
                if u.partners and all(p in self.placed for p in u.partners):
                    lv = {self.level[p] for p in u.partners}
                    level = min(lv) + 1
                    packed = self._sibling_block(ui, level)
                    if packed is None:
                        continue
                    block, xs = packed
                    anchor = sum(self.x[p] for p in u.partners) / len(u.partners)
                    block.extend(2 * level - 1, min(xs) - 2, max(xs) + 2)
                    self._place(block, anchor - (min(xs) + max(xs)) / 2)
                elif not u.partners:
                    level = min(self.level[c] for c in u.children if c in self.placed)
                    packed = self._sibling_block(ui, level)
                    if packed is None:
                        continue
                    block, xs = packed
                    self._place(block, max(placed_kids) + H_GAP + 30 - min(xs))
                else:
                    partner = next(p for p in u.partners if p not in self.placed)
                    if not placed_kids:
                        # One partner placed, the other not: the other joins as a remote partner.
                        level = self.level[next(p for p in u.partners if p in self.placed)]
                        block = self._person_block(partner, level)
                        self._place(block, self.x[next(p for p in u.partners if p in self.placed)] + 60)
                    else:
                        kid_level = min(self.level[c] for c in u.children if c in self.placed)
                        block, _top = self._block_from_partner(partner, kid_level - 1)
                        centre = (min(placed_kids) + max(placed_kids)) / 2
                        if all(p in block.x for p in u.partners):
                            target = centre - self._anchor_x(ui, block.x)
                        else:
                            target = centre - block.x[partner]
                        self._place(block, target)
                progress = True

    def _block_from_partner(self, partner: str, level: int) -> tuple[_Block, int]:
        return self._block_from(partner, level)

    def _level_offset(self, block: _Block) -> int:
        """Rows of an unrelated group go where the ages of the main rows are closest to theirs."""
        rows: dict[int, list[int]] = {}
        for k, lv in self.level.items():
            if not _is_void(k) and self.people[k].age is not None:
                rows.setdefault(lv, []).append(self.people[k].age or 0)
        means = {lv: sum(a) / len(a) for lv, a in rows.items()}
        ages = [(lv, self.people[k].age) for k, lv in block.level.items() if not _is_void(k)]
        known = [(lv, a) for lv, a in ages if a is not None]
        subject_level = self.level.get(self.subject, 0)
        if not known or not means:
            return subject_level - min(block.level.values())
        lo, hi = min(self.level.values()), max(self.level.values())
        best = None
        for off in range(lo - max(block.level.values()) - 1, hi - min(block.level.values()) + 2):
            cost = sum(abs(a - means[lv + off]) if lv + off in means else 40.0 for lv, a in known)
            key = (cost, abs(off - subject_level))
            if best is None or key < best[0]:
                best = (key, off)
        assert best is not None
        return best[1]


# --------------------------------------------------------------------------------------- drawing


def layout(g: Genogram) -> GenogramDrawing:
    lay = _Layout(g)
    lay.run()
    if not g.persons:
        return GenogramDrawing(width=2 * MARGIN, height=2 * MARGIN, persons={}, lines=[], boundary=[])
    min_level = min(lay.level.values())
    levels = {k: lv - min_level for k, lv in lay.level.items()}
    # A sibling bar above the top row (parents not recorded) needs a gutter there too.
    top_gutter = any(not u.partners and any(levels.get(c) == 0 for c in u.children) for u in g.unions) or any(
        len(u.partners) == 2
        and all(p in levels for p in u.partners)
        and levels[u.partners[0]] != levels[u.partners[1]]
        for u in g.unions
    )
    y0 = MARGIN + (GUTTER if top_gutter else 0.0)

    def row_top(level: int) -> float:
        return y0 + level * PITCH

    persons = {
        p.key: PlacedPerson(
            person=p,
            x=lay.x[p.key],
            y=row_top(levels[p.key]) + TOP_PAD + R,
            level=levels[p.key],
            width=lay.width[p.key],
            name=lay.name[p.key],
            caption=lay.caption[p.key],
        )
        for p in g.persons
    }
    voids = {k: lay.x[k] for k in lay.x if _is_void(k)}
    lines = _lines(g, lay, persons, voids, row_top)
    boundary_rects = _boundary_rects(persons, row_top)
    # Move everything so that the leftmost and topmost ink sits at the margin.
    xs = [p.box.x0 for p in persons.values()] + [pt[0] for ln in lines for pt in ln.points]
    xs += [r.x0 for r in boundary_rects]
    dx = MARGIN - min(xs)
    persons = {k: replace(p, x=p.x + dx) for k, p in persons.items()}
    for ln in lines:
        ln.points = [(x + dx, y) for x, y in ln.points]
    boundary_rects = [Rect(r.x0 + dx, r.y0, r.x1 + dx, r.y1) for r in boundary_rects]
    boundary = union_outline(boundary_rects)
    right = max(
        [p.box.x1 for p in persons.values()]
        + [pt[0] for ln in lines for pt in ln.points]
        + [r.x1 for r in boundary_rects]
    )
    bottom = max(
        [p.box.y1 for p in persons.values()]
        + [pt[1] for ln in lines for pt in ln.points]
        + [r.y1 for r in boundary_rects]
    )
    return GenogramDrawing(
        width=right + MARGIN,
        height=bottom + MARGIN,
        persons=persons,
        lines=lines,
        boundary=boundary,
        warnings=lay.warnings,
    )


def _adjacent(persons: dict[str, PlacedPerson], a: PlacedPerson, b: PlacedPerson) -> bool:
    lo, hi = sorted((a.x, b.x))
    return not any(p.level == a.level and lo < p.x < hi for p in persons.values())


def _lines(
    g: Genogram,
    lay: _Layout,
    persons: dict[str, PlacedPerson],
    voids: dict[str, float],
    row_top: Callable[[int], float],
) -> list[Line]:
    lines: list[Line] = []
    descents: list[tuple[int, int, float, float, list[PlacedPerson]]] = []  # ui, gutter level, anchor x, y
    for ui, u in enumerate(g.unions):
        style = "dashed" if u.kind == UnionKind.COHABITING else "solid"
        slashes = {UnionStatus.SEPARATED: 1, UnionStatus.DIVORCED: 2}.get(u.status, 0)
        anchor: Point | None = None
        level = -1
        if len(u.partners) == 2:
            a, b = sorted((persons[u.partners[0]], persons[u.partners[1]]), key=lambda p: p.x)
            if a.level != b.level:
                lay.warnings.append(f"union {ui}: partners drawn in different generations; line left out")
            elif _adjacent(persons, a, b):
                pts = [(a.edge_x(0, +1), a.y), (b.edge_x(0, -1), b.y)]
                lines.append(Line("union", pts, ui, style, slashes))
                anchor, level = ((a.x + b.x) / 2, a.y), a.level
            else:
                dy = R * 0.55
                ya = a.y + dy
                y_far = row_top(a.level) + BOX_H + 2.5
                xa, xb = a.x + a.width / 2 + 4, b.x - b.width / 2 - 4
                pts = [
                    (a.edge_x(dy, +1), ya),
                    (xa, ya),
                    (xa, y_far),
                    (xb, y_far),
                    (xb, ya),
                    (b.edge_x(dy, -1), ya),
                ]
                lines.append(Line("union", pts, ui, style, slashes))
                anchor, level = ((xa + xb) / 2, y_far), a.level
        elif len(u.partners) == 1 and u.children:
            a = persons[u.partners[0]]
            vx = voids[f"{VOID}{ui}"]
            side = 1 if vx > a.x else -1
            lo, hi = sorted((a.x, vx))
            if not any(p.level == a.level and lo < p.x < hi for p in persons.values()):
                lines.append(Line("union", [(a.edge_x(0, side), a.y), (vx, a.y)], ui, "solid", 0))
                anchor, level = (vx, a.y), a.level
            else:  # partners sit on both sides: go under the labels of those in between
                dy = R * 0.55
                y_far = row_top(a.level) + BOX_H + 2.5
                xa = a.x + side * (a.width / 2 + 4)
                pts = [(a.edge_x(dy, side), a.y + dy), (xa, a.y + dy), (xa, y_far), (vx, y_far)]
                lines.append(Line("union", pts, ui, "solid", 0))
                anchor, level = (vx, y_far), a.level
        kids = [persons[c] for c in u.children]
        if not kids:
            continue
        if anchor is not None:
            ok = [k for k in kids if k.level == level + 1]
            if len(ok) < len(kids):
                lay.warnings.append(f"union {ui}: a child drawn outside the next generation is not connected")
            if ok:
                descents.append((ui, level, anchor[0], anchor[1], ok))
        else:
            lv = min(k.level for k in kids)
            descents.append((ui, lv - 1, float("nan"), 0.0, [k for k in kids if k.level == lv]))
    # Sibling bars: one track per bar in each gutter, so that bars of different unions never overlap.
    used: dict[int, list[tuple[float, float, int]]] = {}
    for ui, level, ax, ay, kids in sorted(descents, key=lambda d: (d[1], min(k.x for k in d[4]))):
        points = _bar_points(g, ui, kids)
        xs = [x for x, _ in points] + ([] if ax != ax else [ax])  # nan check: no anchor
        lo, hi = min(xs), max(xs)
        taken = used.setdefault(level, [])
        track = next(
            (t for t in range(len(TRACKS)) if all(hi + 5 < a or b + 5 < lo for a, b, tt in taken if tt == t)),
            0,
        )
        taken.append((lo, hi, track))
        bar_y = row_top(level) + BOX_H + GUTTER / 2 + TRACKS[track]
        if ax == ax:
            lines.append(Line("descent", [(ax, ay), (ax, bar_y)], ui))
        else:
            mid = (lo + hi) / 2
            lines.append(Line("stub", [(mid, bar_y), (mid, bar_y - 7)], ui))
        if hi - lo > 0.5:
            lines.append(Line("descent", [(lo, bar_y), (hi, bar_y)], ui))
        for (px, _), k in zip(points, kids, strict=True):
            lines.append(Line("descent", [(px, bar_y), k.top()], ui))
    return lines


def _bar_points(g: Genogram, ui: int, kids: list[PlacedPerson]) -> list[Point]:
    """Where each child's line leaves the sibling bar: twins (adjacent, same `twin`) share a point."""
    kids_sorted = kids
    points: list[Point] = [(k.x, 0.0) for k in kids_sorted]
    by_x = sorted(range(len(kids)), key=lambda i: kids[i].x)
    i = 0
    while i < len(by_x):
        j = i
        tw = kids[by_x[i]].person.twin
        while tw and j + 1 < len(by_x) and kids[by_x[j + 1]].person.twin == tw:
            j += 1
        if j > i:
            mx = sum(kids[by_x[t]].x for t in range(i, j + 1)) / (j - i + 1)
            for t in range(i, j + 1):
                points[by_x[t]] = (mx, 0.0)
        i = j + 1
    return points


# -------------------------------------------------------------------------------------- boundary


def _boundary_rects(persons: dict[str, PlacedPerson], row_top: Callable[[int], float]) -> list[Rect]:
    """Rectangles whose union is the household: runs of co-resident members and their connectors."""
    pad = BOUNDARY_PAD
    rows: dict[int, list[PlacedPerson]] = {}
    for p in persons.values():
        rows.setdefault(p.level, []).append(p)
    segments: list[tuple[int, Rect]] = []
    for level, ps in sorted(rows.items()):
        ps.sort(key=lambda p: p.x)
        run: list[PlacedPerson] = []
        for q in [*ps, None]:
            if q is not None and q.person.co_resident:
                run.append(q)
                continue
            if run:
                top = row_top(level)
                segments.append(
                    (level, Rect(run[0].box.x0 - pad, top - pad, run[-1].box.x1 + pad, top + BOX_H + pad))
                )
                run = []
    if not segments:
        return []
    rects = [r for _, r in segments]
    # Kruskal over candidate joins: neighbours in a row, and any pair in consecutive member rows.
    member_levels = sorted({lv for lv, _ in segments})
    edges: list[tuple[float, int, int]] = []
    for i, (li, ri) in enumerate(segments):
        for j, (lj, rj) in enumerate(segments):
            if j <= i:
                continue
            if li == lj:
                between = [s for s in segments if s[0] == li and ri.x1 <= s[1].x0 and s[1].x1 <= rj.x0]
                if not between:
                    edges.append((rj.x0 - ri.x1 + 5, i, j))
            elif member_levels.index(lj) == member_levels.index(li) + 1:
                gap = max(0.0, max(ri.x0, rj.x0) - min(ri.x1, rj.x1))
                edges.append((gap + 40 * (lj - li), i, j))
    parent = list(range(len(segments)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for _cost, i, j in sorted(edges):
        if find(i) == find(j):
            continue
        parent[find(i)] = find(j)
        (li, a), (lj, b) = segments[i], segments[j]
        if li == lj:
            left, right = sorted((a, b), key=lambda r: r.x0)
            rects.append(Rect(left.x1 - 8, left.y1, right.x0 + 8, left.y1 + 7))
        else:
            rects += _connect_rows(li, a, lj, b, persons, row_top)
    return rects


def _connect_rows(
    la: int, a: Rect, lb: int, b: Rect, persons: dict[str, PlacedPerson], row_top: Callable[[int], float]
) -> list[Rect]:
    """Rectangles joining segment `a` (row la) down to segment `b` (row lb > la) through the gutters,
    and through a free channel of any rows between them."""
    half = 7.0
    ox0, ox1 = max(a.x0, b.x0), min(a.x1, b.x1)
    if lb == la + 1 and ox1 - ox0 >= 2 * half:
        return [Rect(ox0, a.y1, ox1, b.y0)]
    between: list[Rect] = [p.box.grow(3) for p in persons.values() if la < p.level < lb]
    want = ((a.x0 + a.x1) / 2 + (b.x0 + b.x1) / 2) / 2
    cx = _free_x(between, want, half) if between else want
    ga = row_top(la) + BOX_H + GUTTER / 2  # middle of the gutter below row la
    gb = row_top(lb) - GUTTER / 2  # middle of the gutter above row lb
    ax = min(max(cx, a.x0 + half), a.x1 - half)
    bx = min(max(cx, b.x0 + half), b.x1 - half)
    return [
        Rect(ax - half, a.y1, ax + half, ga + 4),
        Rect(min(ax, cx) - half, ga - 4, max(ax, cx) + half, ga + 4),
        Rect(cx - half, ga - 4, cx + half, gb + 4),
        Rect(min(bx, cx) - half, gb - 4, max(bx, cx) + half, gb + 4),
        Rect(bx - half, gb - 4, bx + half, b.y0),
    ]


def _free_x(boxes: Iterable[Rect], want: float, half: float) -> float:
    """The x nearest `want` where a channel 2·half wide crosses no box."""
    spans = sorted((r.x0 - half, r.x1 + half) for r in boxes)
    merged: list[list[float]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    for lo, hi in merged:
        if lo < want < hi:
            return lo if want - lo <= hi - want else hi
    return want
