"""The genogram of a household, as plain data for `tsunagu.documents.genogram`.

Drawn from the household's members (続柄 to the head, 同居 or not), recorded family relationships
(`PersonRelationship`, up to two steps out from the members: a sister and her husband and children)
and `Person.deceased`. Where no relationship is recorded, the lines are inferred from 続柄: the head's
spouse is their partner, a 子 is the child of the head (and the head's spouse), 父母 are the head's
parents, 兄弟姉妹 share the head's parents, a 孫 is the child of the head's only child (or of the child
married to the 子の配偶者). Recorded relationships always win, and `inferred` tells the reader when a
line came from 続柄.

Access: the caller has fetched the household through `tsunagu.access` and passes `visible`, the
persons the reader may see (e.g. `people.policy.visible_persons(staff)`, or the persons of a case for
a meeting packet); relatives outside it are left out without a trace (not even a count). This module
audits nothing: the caller records `person_ids` (everyone drawn) before showing the drawing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tsunagu.documents.ecomap import EcoMember
from tsunagu.documents.genogram import Genogram, GenoPerson, GenoUnion, Sex, UnionKind, UnionStatus
from tsunagu.documents.kinship import with_captions

from .models import Household, HouseholdMember, Person, PersonRelationship, Relationship, RelationshipKind

MAX_PERSONS = 60  # a genogram larger than this is not legible on half a page anyway


@dataclass(frozen=True)
class HouseholdGenogram:
    genogram: Genogram
    person_ids: tuple[int, ...]  # everyone drawn, for the caller's audit record
    inferred: bool  # some lines were inferred from 続柄, not recorded as relationships


def key_of(person_id: int) -> str:
    return f"p{person_id}"


def _sex(value: str) -> Sex:
    return {"male": Sex.MALE, "female": Sex.FEMALE}.get(value, Sex.UNKNOWN)


class _Builder:
    def __init__(self) -> None:
        self.parents: dict[int, list[int]] = {}
        self.couples: dict[tuple[int, int], tuple[UnionKind, bool]] = {}  # (a, b) sorted → kind, ended
        self.siblings: list[tuple[int, int]] = []
        self.inferred = False

    def add_parent(self, parent: int, child: int) -> None:
        ps = self.parents.setdefault(child, [])
        if parent not in ps and parent != child:
            ps.append(parent)

    def add_couple(self, a: int, b: int, kind: UnionKind, ended: bool) -> None:
        key = (min(a, b), max(a, b))
        if key not in self.couples or kind == UnionKind.MARRIED:
            self.couples[key] = (kind, ended)

    def partners(self, pid: int) -> list[int]:
        return [b if a == pid else a for a, b in self.couples if pid in (a, b)]

    def children(self, pid: int) -> list[int]:
        return [c for c, ps in self.parents.items() if pid in ps]


def _recorded(b: _Builder, rels: list[PersonRelationship], drawn: set[int]) -> None:
    for r in rels:
        a, c = r.person_a_id, r.person_b_id
        if a not in drawn or c not in drawn:
            continue
        if r.kind == RelationshipKind.PARENT_OF:
            b.add_parent(a, c)
        elif r.kind == RelationshipKind.SPOUSE_OF:
            b.add_couple(a, c, UnionKind.MARRIED, r.ended)
        elif r.kind == RelationshipKind.PARTNER_OF:
            b.add_couple(a, c, UnionKind.COHABITING, r.ended)
        elif r.kind == RelationshipKind.SIBLING_OF:
            b.siblings.append((a, c))
    for r in rels:  # grandparents hang from a parent who has no parents recorded
        if r.kind == RelationshipKind.GRANDPARENT_OF and r.person_a_id in drawn and r.person_b_id in drawn:
            ps = b.parents.get(r.person_b_id, [])
            if len(ps) == 1 and (not b.parents.get(ps[0]) or r.person_a_id in b.parents[ps[0]]):
                b.add_parent(r.person_a_id, ps[0])


def _inferred(b: _Builder, members: list[HouseholdMember]) -> None:
    """Lines from 続柄 to the head, for members whose relationships are not recorded."""
    head = next((m.person_id for m in members if m.relationship == Relationship.HEAD), None)
    if head is None:
        return
    by_rel: dict[str, list[int]] = {}
    for m in members:
        by_rel.setdefault(m.relationship, []).append(m.person_id)
    spouse = next(iter(by_rel.get(Relationship.SPOUSE, [])), None)
    if spouse is not None and spouse not in b.partners(head):
        b.add_couple(head, spouse, UnionKind.MARRIED, False)
        b.inferred = True
    for child in by_rel.get(Relationship.CHILD, []):
        if not b.parents.get(child):
            b.add_parent(head, child)
            if spouse is not None:
                b.add_parent(spouse, child)
            b.inferred = True
    parents = by_rel.get(Relationship.PARENT, [])
    if parents and not b.parents.get(head):
        for p in parents[:2]:
            b.add_parent(p, head)
        if len(parents) >= 2 and parents[1] not in b.partners(parents[0]):
            b.add_couple(parents[0], parents[1], UnionKind.MARRIED, False)
        b.inferred = True
    for sib in by_rel.get(Relationship.SIBLING, []):
        if not b.parents.get(sib):
            b.siblings.append((head, sib))
            b.inferred = True
    kids = [c for c in b.children(head) if c in {m.person_id for m in members}]
    for in_law in by_rel.get(Relationship.CHILD_IN_LAW, []):
        free = [c for c in kids if not b.partners(c)]
        if not b.partners(in_law) and len(free) == 1:
            b.add_couple(free[0], in_law, UnionKind.MARRIED, False)
            b.inferred = True
    for grandchild in by_rel.get(Relationship.GRANDCHILD, []):
        if b.parents.get(grandchild):
            continue
        married = [c for c in kids if b.partners(c)]
        parent = kids[0] if len(kids) == 1 else (married[0] if len(married) == 1 else None)
        if parent is not None:
            b.add_parent(parent, grandchild)
            for p in b.partners(parent)[:1]:
                b.add_parent(p, grandchild)
            b.inferred = True
    head_parents = b.parents.get(head, [])
    for gp in by_rel.get(Relationship.GRANDPARENT, []):
        if len(head_parents) == 1 and not b.parents.get(head_parents[0]):
            b.add_parent(gp, head_parents[0])
            b.inferred = True


def _unions(b: _Builder, persons: dict[int, Person]) -> list[GenoUnion]:
    groups: dict[tuple[int, ...], list[int]] = {}
    for child, ps in b.parents.items():
        groups.setdefault(tuple(sorted(ps[:2])), []).append(child)
    # Siblings: one without parents joins the other's parents; two without form a group of their own.
    root: dict[int, int] = {}

    def find(x: int) -> int:
        while root.get(x, x) != x:
            x = root[x]
        return x

    for a, c in b.siblings:
        pa, pc = b.parents.get(a), b.parents.get(c)
        if pa and not pc:
            groups[tuple(sorted(pa[:2]))].append(c)
            b.parents[c] = pa
        elif pc and not pa:
            groups[tuple(sorted(pc[:2]))].append(a)
            b.parents[a] = pc
        elif not pa and not pc and find(a) != find(c):
            root[find(a)] = find(c)
    orphans: dict[int, list[int]] = {}
    for x in sorted({x for pair in b.siblings for x in pair if not b.parents.get(x)}):
        orphans.setdefault(find(x), []).append(x)

    unions = [_union(b, persons, partners, children) for partners, children in groups.items()]
    unions += [
        GenoUnion(partners=(), children=tuple(key_of(c) for c in kids))
        for kids in orphans.values()
        if len(kids) > 1
    ]
    unions += [_union(b, persons, pair, []) for pair in b.couples if pair not in groups]
    return unions


def _union(
    b: _Builder, persons: dict[int, Person], partners: tuple[int, ...], children: list[int]
) -> GenoUnion:
    kind, ended = b.couples.get((partners[0], partners[-1]), (UnionKind.MARRIED, False))
    status = UnionStatus.TOGETHER
    if ended and len(partners) == 2 and not any(persons[p].deceased for p in partners):
        status = UnionStatus.SEPARATED if kind == UnionKind.COHABITING else UnionStatus.DIVORCED
    return GenoUnion(
        partners=tuple(key_of(p) for p in partners),
        children=tuple(key_of(c) for c in dict.fromkeys(children)),
        kind=kind,
        status=status,
        order=0 if ended else 1,  # a marriage that ended is drawn before (left of) the current one
    )


def household_genogram(
    household: Household,
    *,
    visible: QuerySet[Person] | None,
    subjects: Collection[int] = (),
    today: dt.date | None = None,
    members: Sequence[HouseholdMember] | None = None,
    relationships: Sequence[PersonRelationship] | None = None,
) -> HouseholdGenogram:
    """The genogram of `household`; `subjects` (person ids) are drawn as 本人 with a double outline.

    The household page passes the `members` (with their persons) and the `relationships` touching them
    (`relationships_for_household`) it has already read, which saves the first two queries."""
    return household_genograms(
        [household],
        visible=visible,
        subjects={household.pk: subjects},
        today=today,
        preloaded=(list(members), list(relationships))
        if members is not None and relationships is not None
        else None,
    )[household.pk]


def household_genograms(
    households: Sequence[Household],
    *,
    visible: QuerySet[Person] | None,
    subjects: Mapping[int, Collection[int]] | None = None,
    today: dt.date | None = None,
    preloaded: tuple[list[HouseholdMember], list[PersonRelationship]] | None = None,
) -> dict[int, HouseholdGenogram]:
    """The genograms of several households (a meeting's packet) in six queries, keyed by household id.

    `subjects` maps a household id to the person ids drawn as 本人 there. `preloaded`, for one household:
    its members (persons selected) and the relationships touching any of them, already read.
    """
    today = today or dt.date.today()
    subjects = subjects or {}
    if not households:
        return {}
    municipality_id = households[0].municipality_id
    if any(h.municipality_id != municipality_id for h in households):
        raise ValueError("households of one municipality only")
    if preloaded is not None and len(households) != 1:
        raise ValueError("preloaded members and relationships are for one household")
    members: dict[int, list[HouseholdMember]] = {h.pk: [] for h in households}
    for m in (
        preloaded[0]
        if preloaded is not None
        else HouseholdMember.objects.filter(household__in=[h.pk for h in households])
        .select_related("person")
        .order_by("pk")
    ):
        if m.person.merged_into_id is None:
            members[m.household_id].append(m)
    for ms in members.values():
        ms.sort(key=lambda m: m.relationship != Relationship.HEAD)
    drawn: dict[int, dict[int, Person]] = {
        h: {m.person_id: m.person for m in ms} for h, ms in members.items()
    }
    frontier: dict[int, set[int]] = {h: set(ps) for h, ps in drawn.items()}
    rels: dict[int, PersonRelationship] = {}
    for step in range(3):
        # Relationships touching each household's newest persons: members, then relatives, then
        # (last round, no new persons) the relationships among the relatives' relatives.
        touching = set().union(*frontier.values())
        if not touching:
            break
        if step == 0 and preloaded is not None:
            # Every relationship touching a member: a superset of those touching the drawn members
            # (merged records are not drawn), and only those touching a drawn person are followed.
            found = preloaded[1]
        else:
            found = list(
                PersonRelationship.objects.filter(municipality_id=municipality_id).filter(
                    Q(person_a_id__in=touching) | Q(person_b_id__in=touching)
                )
            )
        rels.update((r.pk, r) for r in found)
        if step == 2 or visible is None:
            break
        wanted: dict[int, set[int]] = {}
        for h, front in frontier.items():
            ends = {
                i
                for r in found
                if r.person_a_id in front or r.person_b_id in front
                for i in (r.person_a_id, r.person_b_id)
            }
            wanted[h] = ends - set(drawn[h])
        asked = set().union(*wanted.values())
        shown = visible.filter(pk__in=asked, merged_into__isnull=True).in_bulk() if asked else {}
        for h, ids in wanted.items():
            room = MAX_PERSONS - len(drawn[h])
            new = sorted(i for i in ids if i in shown)[: max(room, 0)]
            drawn[h].update((i, shown[i]) for i in new)
            frontier[h] = set(new)
    ordered = sorted(rels.values(), key=lambda r: r.pk)
    return {
        h.pk: _genogram(members[h.pk], drawn[h.pk], ordered, subjects.get(h.pk, ()), today)
        for h in households
    }


def _genogram(
    members: list[HouseholdMember],
    persons: dict[int, Person],
    all_rels: list[PersonRelationship],
    subjects: Collection[int],
    today: dt.date,
) -> HouseholdGenogram:
    # Every recorded relationship between two persons drawn (both ends visible to the reader).
    rels = [r for r in all_rels if r.person_a_id in persons and r.person_b_id in persons]
    builder = _Builder()
    _recorded(builder, rels, set(persons))
    _inferred(builder, members)
    unions = _unions(builder, persons)

    living = {m.person_id for m in members if m.lives_together}
    geno_persons = []
    for pid, p in persons.items():
        age = p.age(today)
        geno_persons.append(
            GenoPerson(
                key=key_of(pid),
                name=f"{p.family_name} {p.given_name}".strip(),
                sex=_sex(p.sex),
                age=age,
                age_estimated=p.birth_date is None and age is not None,
                born=p.birth_date,
                deceased=p.deceased,
                subject=pid in subjects,
                co_resident=pid in living,
            )
        )
    fallback = {key_of(m.person_id): m.get_relationship_display() for m in members}
    genogram = with_captions(Genogram(persons=tuple(geno_persons), unions=tuple(unions)), fallback)
    return HouseholdGenogram(
        genogram=genogram,
        person_ids=tuple(sorted(persons)),
        inferred=builder.inferred,
    )


def ecomap_members(genogram: Genogram) -> tuple[EcoMember, ...]:
    """The co-resident members as an ecomap's centre lists them (本人 first)."""
    people = [p for p in genogram.persons if p.co_resident]
    people.sort(key=lambda p: not p.subject)
    return tuple(EcoMember(p.name, None if p.deceased else p.age, p.subject, p.caption) for p in people)
