"""続柄 seen from 本人, derived from the genogram's own structure (for captions under the symbols).

Japanese genograms name each person by their relation to 本人 (母, 長男, 夫の子, 兄の妻 …), while a
household register records 続柄 to the head. `relation_to_subject` reads the relation off the unions of
a `Genogram`; `with_captions` fills every empty caption with it.
"""

from __future__ import annotations

from dataclasses import replace

from .genogram import Genogram, GenoPerson, GenoUnion, Sex, UnionKind, UnionStatus

_ORDINAL = ["長", "次", "三", "四", "五", "六", "七", "八", "九"]


class _Family:
    def __init__(self, g: Genogram) -> None:
        self.people = {p.key: p for p in g.persons}
        self.unions = list(g.unions)
        self.index = {p.key: i for i, p in enumerate(g.persons)}

    def parents(self, k: str) -> list[str]:
        return [p for u in self.unions if k in u.children for p in u.partners]

    def partner_unions(self, k: str) -> list[GenoUnion]:
        return [u for u in self.unions if k in u.partners and len(u.partners) == 2]

    def partners(self, k: str) -> list[str]:
        return [p for u in self.partner_unions(k) for p in u.partners if p != k]

    def children(self, k: str) -> list[str]:
        return [c for u in self.unions if k in u.partners for c in u.children]

    def siblings(self, k: str) -> list[str]:
        out: list[str] = []
        for u in self.unions:
            if k in u.children:
                out += [c for c in u.children if c != k and c not in out]
        ps = self.parents(k)
        for u in self.unions:  # half-siblings through one shared parent
            if any(p in u.partners for p in ps):
                out += [c for c in u.children if c != k and c not in out]
        return out

    def sex(self, k: str) -> Sex:
        return self.people[k].sex

    def older(self, a: str, b: str) -> bool | None:
        pa, pb = self.people[a], self.people[b]
        if pa.born and pb.born and pa.born != pb.born:
            return pa.born < pb.born
        if pa.age is not None and pb.age is not None and pa.age != pb.age:
            return pa.age > pb.age
        return None


def _by_sex(sex: Sex, male: str, female: str, other: str) -> str:
    return {Sex.MALE: male, Sex.FEMALE: female}.get(sex, other)


def _child_name(f: _Family, parent: str, child: str) -> str:
    """長男・次女 … counted among the parent's children of the same sex, oldest first."""
    sex = f.sex(child)
    if sex == Sex.UNKNOWN:
        return "子"
    same = [c for c in dict.fromkeys(f.children(parent)) if f.sex(c) == sex]

    def age_key(c: str) -> tuple[int, float]:
        p = f.people[c]
        if p.born:
            return (0, p.born.toordinal())
        return (1 if p.age is None else 0, -(p.age or 0) * 365.25)

    same.sort(key=lambda c: (age_key(c), f.index[c]))
    n = same.index(child)
    base = "男" if sex == Sex.MALE else "女"
    return f"{_ORDINAL[n]}{base}" if n < len(_ORDINAL) else ("息子" if sex == Sex.MALE else "娘")


def _partner_name(f: _Family, subject: str, partner: str) -> str:
    union = next(u for u in f.partner_unions(subject) if partner in u.partners)
    ended = union.status != UnionStatus.TOGETHER
    if union.kind == UnionKind.COHABITING:
        return "元パートナー" if ended else "パートナー"
    word = _by_sex(f.sex(partner), "夫", "妻", "配偶者")
    return f"元{word}" if ended else word


def _sibling_name(f: _Family, subject: str, sib: str) -> str:
    older = f.older(sib, subject)
    sex = f.sex(sib)
    if older is None or sex == Sex.UNKNOWN:
        return _by_sex(sex, "兄弟", "姉妹", "きょうだい")
    if sex == Sex.MALE:
        return "兄" if older else "弟"
    return "姉" if older else "妹"


def relation_to_subject(g: Genogram, subject: str, key: str) -> str:
    """「母」「長男」「夫の子」「兄の妻」 …, or "" when the relation is not one of these."""
    f = _Family(g)
    if key == subject:
        return "本人"
    if key in f.partners(subject):
        return _partner_name(f, subject, key)
    if key in f.parents(subject):
        return _by_sex(f.sex(key), "父", "母", "親")
    if key in f.children(subject):
        return _child_name(f, subject, key)
    for partner in f.partners(subject):
        if key in f.children(partner):
            return f"{_partner_name(f, subject, partner).removeprefix('元')}の子"
        if key in f.parents(partner):
            return f"{_partner_name(f, subject, partner).removeprefix('元')}の{_by_sex(f.sex(key), '父', '母', '親')}"
        if key in f.partners(partner):
            return (
                f"{_partner_name(f, subject, partner).removeprefix('元')}の{_partner_name(f, partner, key)}"
            )
    if key in f.siblings(subject):
        return _sibling_name(f, subject, key)
    for parent in f.parents(subject):
        if key in f.parents(parent):
            return _by_sex(f.sex(key), "祖父", "祖母", "祖父母")
        if key in f.siblings(parent):
            return _by_sex(f.sex(key), "おじ", "おば", "おじ・おば")
        if key in f.partners(parent):
            return _by_sex(f.sex(key), "継父", "継母", "親のパートナー")
    for child in f.children(subject):
        if key in f.children(child):
            return "孫"
        if key in f.partners(child):
            return f"{_child_name(f, subject, child)}の{_by_sex(f.sex(key), '夫', '妻', '配偶者')}"
    for sib in f.siblings(subject):
        if key in f.partners(sib):
            return f"{_sibling_name(f, subject, sib)}の{_by_sex(f.sex(key), '夫', '妻', '配偶者')}"
        if key in f.children(sib):
            return _by_sex(f.sex(key), "甥", "姪", "甥・姪")
    return ""


def with_captions(g: Genogram, fallback: dict[str, str] | None = None) -> Genogram:
    """`g` with each empty caption set to the relation to the (first) 本人, else to `fallback[key]`."""
    subject = next((p.key for p in g.persons if p.subject), None)
    fallback = fallback or {}
    persons: list[GenoPerson] = []
    for p in g.persons:
        if p.caption:
            persons.append(p)
            continue
        rel = relation_to_subject(g, subject, p.key) if subject else ""
        persons.append(replace(p, caption=rel or fallback.get(p.key, "")))
    return replace(g, persons=tuple(persons))
