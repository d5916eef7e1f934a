"""Every write of persons and households: create, membership, 名寄せ (merge/split), family relationships.

Other apps (intake today; outreach and others next) create persons and households only through
`create_person`, `create_household` and `add_member`; each runs in a transaction with its audit record.

名寄せ: a merge never deletes: every row that refers to the absorbed person (household memberships,
consultations, anything another app adds later) is rewired to the kept person, the ids of the moved rows
are recorded in a `PersonMerge`, and the absorbed `Person` row stays, marked `merged_into`. A split
moves exactly those rows back. Both run in one transaction with the audit record.

Which rows move: every foreign key to Person in the project is found by introspection (so an app that
adds `Consultation.person` is covered without registering anything). `register_person_reference` lets an
app override that: `skip=True` for a reference that must keep pointing at the original record (e.g. a
snapshot), or `unique_with=` when a unique constraint cannot be read from the model. A row that would
break a unique constraint if moved (both records were members of the same household) stays on the
absorbed record and is listed in `PersonMerge.kept_on_absorbed`; screens show the kept person's rows
together with those of the records merged into it. So does a row of a model with two references to Person
(`PersonRelationship.person_a` / `person_b`) that links the two records to each other: moved, it would
relate the kept person to themself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.core import removal
from tsunagu.core.removal import RetentionStep
from tsunagu.municipalities.models import Area, Municipality

from . import retention
from .candidates import refresh_candidates_for
from .models import (
    SYMMETRIC_KINDS,
    Household,
    HouseholdMember,
    Person,
    PersonMatchCandidate,
    PersonMerge,
    PersonRelationship,
    Relationship,
    RelationshipKind,
    Sex,
)

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------- persons and households


class PeopleError(ValueError):
    """A person or household write that cannot be done as asked; the message is for staff (Japanese)."""


@dataclass
class PersonInput:
    """What staff know about a new person (intake form, outreach contact …)."""

    family_name: str
    given_name: str = ""
    family_kana: str = ""
    given_kana: str = ""
    birth_date: dt.date | None = None
    estimated_age: int | None = None
    sex: str = Sex.UNKNOWN
    address: str = ""
    area: Area | None = None
    phone: str = ""
    nationality: str = ""
    language_needs: str = ""
    disability: bool = False


def _check_city(actor: Staff, *objs: object) -> int:
    """The actor's municipality id, after checking every given record belongs to it."""
    if not actor.municipality_id:
        raise PeopleError("自治体が設定されていない職員は記録できません。")
    for obj in objs:
        if obj is not None and getattr(obj, "municipality_id", None) != actor.municipality_id:
            raise PeopleError("別の自治体の記録は扱えません。")
    return int(actor.municipality_id)


@transaction.atomic
def create_person(*, actor: Staff, data: PersonInput) -> Person:
    """Register a new person in the actor's municipality, audited."""
    muni_id = _check_city(actor, data.area)
    if not data.family_name.strip():
        raise PeopleError("姓を入力してください。")
    if data.sex not in Sex.values:
        raise PeopleError("性別の値が正しくありません。")
    if data.birth_date is not None and data.birth_date > timezone.localdate():
        raise PeopleError("生年月日に未来の日付は入力できません。")
    values = {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}
    values["family_name"] = data.family_name.strip()
    person = Person(municipality_id=muni_id, **values)
    person.save()
    audit.record(actor=actor, action="create", objects=[("person", person.pk)])
    refresh_candidates_after_commit([person.pk])
    return person


@transaction.atomic
def create_household(*, actor: Staff, address: str = "", area: Area | None = None) -> Household:
    """Register a new household (its members are added with `add_member`), audited."""
    muni_id = _check_city(actor, area)
    household = Household.objects.create(municipality_id=muni_id, address=address, area=area)
    audit.record(actor=actor, action="create", objects=[("household", household.pk)])
    return household


@transaction.atomic
def add_member(
    *, actor: Staff, household: Household, person: Person, relationship: str = Relationship.HEAD
) -> tuple[HouseholdMember, bool]:
    """Make `person` a member of `household` (続柄 to the head). Idempotent: an existing membership is
    returned unchanged with created=False (its 続柄 is not overwritten)."""
    _check_city(actor, household, person)
    if relationship not in Relationship.values:
        raise PeopleError("続柄を選んでください。")
    if person.merged_into_id is not None:
        raise PeopleError("名寄せ済みの記録です。名寄せ先の記録を選んでください。")
    existing = HouseholdMember.objects.filter(household=household, person=person).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            member = HouseholdMember.objects.create(
                municipality_id=household.municipality_id,
                household=household,
                person=person,
                relationship=relationship,
            )
    except IntegrityError:
        # A concurrent request added the same membership first.
        return HouseholdMember.objects.get(household=household, person=person), False
    audit.record(
        actor=actor,
        action="create",
        objects=[("household", household.pk), ("person", person.pk), ("householdmember", member.pk)],
        detail={"operation": "member_add", "relationship": relationship},
    )
    refresh_candidates_after_commit([person.pk])
    return member, True


def refresh_candidates_after_commit(person_ids: list[int]) -> None:
    """Refresh the stored 名寄せ pairs of these persons once the write has committed.

    Candidate pairs are derived data: refreshing them inside the write would hold the city's candidate
    lock until commit and serialise every intake of the city. A failed refresh is logged, not raised —
    the record is saved, and `manage.py match_persons` (run nightly) recomputes the city anyway."""
    ids = list(person_ids)

    def run() -> None:
        try:
            with transaction.atomic():
                refresh_candidates_for(ids)
        except Exception:
            logger.exception("名寄せ候補の更新に失敗しました（person ids: %s）", ids)

    transaction.on_commit(run)


def household_of(person: Person) -> Household | None:
    """The person's first household (by membership order), or None."""
    membership = (
        HouseholdMember.objects.filter(person=person, municipality_id=person.municipality_id)
        .select_related("household")
        .order_by("pk")
        .first()
    )
    return membership.household if membership else None


# ---------------------------------------------------------------------------------------- 名寄せ


class MergeError(ValueError):
    """A merge or split that cannot be done; the message is for staff (Japanese)."""


@dataclass(frozen=True)
class PersonReference:
    """One foreign key to Person that a merge rewires."""

    model: type[models.Model]
    field: str
    unique_with: tuple[tuple[str, ...], ...] = ()  # each: the other fields of one unique constraint
    skip: bool = False
    siblings: tuple[str, ...] = ()  # the model's other foreign keys to Person

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


_OVERRIDES: dict[str, PersonReference] = {}
# Relations that describe the merge itself and must never be rewired by it.
_INTERNAL = {"people.Person.merged_into", "people.PersonMerge.kept", "people.PersonMerge.absorbed"}


def register_person_reference(
    model: type[models.Model],
    field: str,
    *,
    skip: bool = False,
    unique_with: tuple[tuple[str, ...], ...] | None = None,
) -> None:
    """Override how a merge treats `model.field` (a ForeignKey to Person). Call from AppConfig.ready()."""
    discovered = {ref.label: ref for ref in _discover()}
    base = discovered.get(f"{model._meta.label}.{field}")
    if base is None:
        raise ValueError(f"{model._meta.label}.{field} is not a foreign key to Person")
    _OVERRIDES[base.label] = PersonReference(
        model, field, base.unique_with if unique_with is None else unique_with, skip, base.siblings
    )


def _unique_sets(model: type[models.Model], field: models.Field) -> tuple[tuple[str, ...], ...]:
    sets: list[tuple[str, ...]] = []
    if field.unique:
        sets.append(())
    groups = [tuple(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
    groups += [tuple(g) for g in model._meta.unique_together]
    for fields in groups:
        if field.name in fields:
            # A conditional constraint is treated as unconditional: at worst a row stays on the absorbed
            # record, never an integrity error.
            sets.append(tuple(f for f in fields if f != field.name))
    return tuple(sets)


def _discover() -> list[PersonReference]:
    refs = []
    for model in apps.get_models(include_auto_created=True):
        fks = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey)
            and f.related_model is Person
            and f"{model._meta.label}.{f.name}" not in _INTERNAL
        ]
        for f in fks:
            siblings = tuple(o.name for o in fks if o is not f)
            refs.append(PersonReference(model, f.name, _unique_sets(model, f), siblings=siblings))
    return refs


def person_references() -> list[PersonReference]:
    """Every reference a merge rewires (discovered, with registered overrides applied), in a stable order."""
    refs = [_OVERRIDES.get(ref.label, ref) for ref in _discover()]
    return sorted((r for r in refs if not r.skip), key=lambda r: r.label)


def _audit(*, actor: Staff, merge: PersonMerge, operation: str, moved: int, left: int) -> None:
    """The single audit call site of 名寄せ; runs inside the merge/split transaction (fail closed)."""
    audit.record(
        actor=actor,
        action="update",
        channel="view",
        objects=[merge.kept, merge.absorbed, ("personmerge", merge.pk)],
        reason=merge.reason if operation == "person_merge" else merge.split_reason,
        municipality=merge.municipality,
        detail={"operation": operation, "merge_id": merge.pk, "rows_moved": moved, "rows_left": left},
    )


def _lock(*pks: int) -> dict[int, Person]:
    # A stable lock order keeps two concurrent merges of the same pair from deadlocking.
    locked = Person.objects.select_for_update().filter(pk__in=sorted(pks)).order_by("pk")
    return {p.pk: p for p in locked}


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MergeError("理由を入力してください。")
    return reason


@transaction.atomic
def merge_persons(
    *,
    actor: Staff,
    keep: Person,
    absorb: Person,
    reason: str,
    keep_version: int | None = None,
    absorb_version: int | None = None,
) -> PersonMerge:
    """Merge `absorb` into `keep`: rewire every reference, mark `absorb` merged, record and audit it.

    `keep_version` / `absorb_version` are the versions staff saw on the side-by-side screen; a merge of
    records changed since is refused. Field values are not copied between the records: staff edit the
    kept record afterwards if the absorbed one knew something it did not.
    """
    reason = _check_reason(reason)
    if keep.pk == absorb.pk:
        raise MergeError("同じ記録どうしは名寄せできません。")
    locked = _lock(keep.pk, absorb.pk)
    if len(locked) != 2:
        raise MergeError("記録が見つかりません。")
    keep, absorb = locked[keep.pk], locked[absorb.pk]
    if keep.municipality_id != absorb.municipality_id:
        raise MergeError("別の自治体の記録は名寄せできません。")
    if actor.municipality_id != keep.municipality_id:
        raise MergeError("この自治体の記録を名寄せする権限がありません。")
    if keep.merged_into_id is not None or absorb.merged_into_id is not None:
        raise MergeError("既に名寄せされた記録です。名寄せ先の記録で操作してください。")
    for person, expected in ((keep, keep_version), (absorb, absorb_version)):
        if expected is not None and person.version != expected:
            raise MergeError("他の職員が記録を更新しました。画面を開き直して確認してください。")

    moved: dict[str, list[int]] = {}
    left: dict[str, list[int]] = {}
    for ref in person_references():
        manager = ref.model._base_manager
        rows = manager.filter(**{ref.field: absorb.pk})
        stay: set[int] = set()
        for sibling in ref.siblings:
            # A row linking the two records to each other would link the kept person to themself.
            stay |= set(rows.filter(**{sibling: keep.pk}).values_list("pk", flat=True))
        for others in ref.unique_with:
            if not others:
                if manager.filter(**{ref.field: keep.pk}).exists():
                    stay |= set(rows.values_list("pk", flat=True))
                continue
            taken = set(manager.filter(**{ref.field: keep.pk}).values_list(*others))
            for row in rows.values("pk", *others):
                if tuple(row[f] for f in others) in taken:
                    stay.add(row["pk"])
        move_ids = sorted(set(rows.values_list("pk", flat=True)) - stay)
        if move_ids:
            manager.filter(pk__in=move_ids).update(**{ref.field: keep.pk})
            moved[ref.label] = move_ids
        if stay:
            left[ref.label] = sorted(stay)

    absorb.merged_into = keep
    absorb.version += 1
    absorb.save(update_fields=["merged_into", "version"])
    keep.version += 1
    keep.save(update_fields=["version"])
    merge = PersonMerge.objects.create(
        municipality_id=keep.municipality_id,
        kept=keep,
        absorbed=absorb,
        reason=reason,
        moved=moved,
        kept_on_absorbed=left,
        merged_by=actor,
    )
    _audit(
        actor=actor,
        merge=merge,
        operation="person_merge",
        moved=sum(map(len, moved.values())),
        left=sum(map(len, left.values())),
    )
    refresh_candidates_for([keep.pk, absorb.pk])
    return merge


@transaction.atomic
def split_person(*, actor: Staff, merge_record: PersonMerge, reason: str = "名寄せの取り消し") -> PersonMerge:
    """Undo one merge exactly: move the recorded rows back to the absorbed record and unmark it.

    Refused when the kept record has since been merged into another (split that merge first) or when a
    moved row no longer points at the kept record (someone re-assigned it since; moving it back would
    overwrite that). Rows added to the kept record after the merge stay with it.
    """
    reason = _check_reason(reason)
    merge = PersonMerge.objects.select_for_update().get(pk=merge_record.pk)
    if merge.split_at is not None:
        raise MergeError("この名寄せは既に取り消されています。")
    if actor.municipality_id != merge.municipality_id:
        raise MergeError("この自治体の記録を操作する権限がありません。")
    locked = _lock(merge.kept_id, merge.absorbed_id)
    keep, absorb = locked[merge.kept_id], locked[merge.absorbed_id]
    if keep.merged_into_id is not None:
        raise MergeError("名寄せ先の記録がさらに名寄せされています。先にそちらを取り消してください。")
    if absorb.merged_into_id != keep.pk:
        raise MergeError("記録の状態が名寄せ時と異なるため、取り消せません。")

    plan: list[tuple[type[models.Model], str, list[int]]] = []
    for label, ids in merge.moved.items():
        app_label, model_name, field = label.split(".")
        model = apps.get_model(app_label, model_name)
        still = set(model._base_manager.filter(pk__in=ids, **{field: keep.pk}).values_list("pk", flat=True))
        if still != set(ids):
            raise MergeError(
                f"名寄せ後に付け替えられた記録が {len(set(ids) - still)} 件あるため、取り消せません。"
            )
        plan.append((model, field, ids))
    for model, field, ids in plan:
        model._base_manager.filter(pk__in=ids).update(**{field: absorb.pk})

    absorb.merged_into = None
    absorb.version += 1
    absorb.save(update_fields=["merged_into", "version"])
    keep.version += 1
    keep.save(update_fields=["version"])
    merge.split_at = timezone.now()
    merge.split_by = actor
    merge.split_reason = reason
    merge.save(update_fields=["split_at", "split_by", "split_reason"])
    _audit(
        actor=actor,
        merge=merge,
        operation="person_split",
        moved=sum(len(ids) for _m, _f, ids in plan),
        left=0,
    )
    refresh_candidates_for([merge.kept_id, merge.absorbed_id])
    return merge


# ------------------------------------------------------------------------------------- relationships


class RelationshipError(ValueError):
    """A relationship that cannot be recorded or changed; the message is for staff (Japanese)."""


def _audit_relationship(*, actor: Staff, rel: PersonRelationship, action: str, operation: str) -> None:
    audit.record(
        actor=actor,
        action=action,
        channel="view",
        objects=[("person", rel.person_a_id), ("person", rel.person_b_id), ("personrelationship", rel.pk)],
        municipality=rel.municipality,
        detail={"operation": operation, "kind": rel.kind, "ended": rel.ended},
    )


@transaction.atomic
def add_relationship(
    *,
    actor: Staff,
    person_a: Person,
    person_b: Person,
    kind: str,
    living_together: bool = False,
    ended: bool = False,
    note: str = "",
) -> PersonRelationship:
    """Record that `person_a` is `kind` of `person_b` (parent_of: a is b's parent), audited.

    Refused for the same person twice, persons of another municipality, records already merged into
    another (record it on the kept one), an unknown kind, or a relationship already recorded — for
    symmetric kinds (spouse, sibling …) in either order.
    """
    if kind not in RelationshipKind.values:
        raise RelationshipError("関係の種類を選んでください。")
    if person_a.pk == person_b.pk:
        raise RelationshipError("同じ人どうしの関係は登録できません。")
    locked = _lock(person_a.pk, person_b.pk)
    if len(locked) != 2:
        raise RelationshipError("記録が見つかりません。")
    a, b = locked[person_a.pk], locked[person_b.pk]
    if a.municipality_id != b.municipality_id or actor.municipality_id != a.municipality_id:
        raise RelationshipError("この自治体の記録どうしでなければ関係を登録できません。")
    if a.merged_into_id is not None or b.merged_into_id is not None:
        raise RelationshipError("名寄せ済みの記録です。名寄せ先の記録に登録してください。")
    existing = PersonRelationship.objects.filter(municipality_id=a.municipality_id, kind=kind)
    pairs = models.Q(person_a=a, person_b=b)
    if kind in SYMMETRIC_KINDS:
        pairs |= models.Q(person_a=b, person_b=a)
    if existing.filter(pairs).exists():
        raise RelationshipError("この関係は既に登録されています。")
    rel = PersonRelationship.objects.create(
        municipality_id=a.municipality_id,
        person_a=a,
        person_b=b,
        kind=kind,
        living_together=living_together,
        ended=ended,
        note=(note or "").strip(),
    )
    _audit_relationship(actor=actor, rel=rel, action="create", operation="relationship_add")
    return rel


@transaction.atomic
def end_relationship(*, actor: Staff, relationship: PersonRelationship, version: int) -> PersonRelationship:
    """Mark a relationship 離別・死別 (the row stays: a genogram still draws it, crossed out), audited.

    `version` is the one staff saw; a relationship changed since is refused rather than overwritten.
    """
    rel = PersonRelationship.objects.select_for_update().get(pk=relationship.pk)
    if actor.municipality_id != rel.municipality_id:
        raise RelationshipError("この自治体の記録を操作する権限がありません。")
    if rel.version != version:
        raise RelationshipError("他の職員が記録を更新しました。画面を開き直して確認してください。")
    if rel.ended:
        raise RelationshipError("この関係は既に離別・死別として記録されています。")
    rel.ended = True
    rel.version += 1
    rel.save(update_fields=["ended", "version"])
    _audit_relationship(actor=actor, rel=rel, action="update", operation="relationship_end")
    return rel


@dataclass(frozen=True)
class PersonAttributes:
    """What a household member brings to the escalation count (intake/escalation.py): a recorded
    disability, a nationality and a language need."""

    disability: bool
    nationality: str = ""
    language_needs: str = ""


ATTRIBUTE_LIMITS = {"nationality": (40, "国籍"), "language_needs": (100, "言語・通訳の必要")}


@transaction.atomic
def update_person_attributes(*, actor: Staff, person: Person, version: int, data: PersonAttributes) -> Person:
    """Record a member's disability, nationality and language need, audited (old → new for the flag; the
    free-text fields are named, not copied, in the audit detail).

    `version` is the one staff saw; a person changed since is refused rather than overwritten.
    """
    locked = Person.objects.select_for_update().filter(pk=person.pk).first()
    if locked is None:
        raise PeopleError("記録が見つかりません。")
    _check_city(actor, locked)
    if locked.merged_into_id is not None:
        raise PeopleError("名寄せ済みの記録です。名寄せ先の記録に登録してください。")
    if locked.version != version:
        raise PeopleError("他の職員が記録を更新しました。画面を開き直して確認してください。")
    new = {
        "disability": bool(data.disability),
        "nationality": data.nationality.strip(),
        "language_needs": data.language_needs.strip(),
    }
    for name, (limit, label) in ATTRIBUTE_LIMITS.items():
        if len(str(new[name])) > limit:
            raise PeopleError(f"{label}は{limit}文字以内で入力してください。")
    changed = [name for name, value in new.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    detail: dict[str, object] = {"operation": "attributes", "fields": changed}
    if "disability" in changed:
        detail["disability"] = [locked.disability, new["disability"]]
    for name in changed:
        setattr(locked, name, new[name])
    locked.version += 1
    locked.save(update_fields=[*changed, "version"])
    audit.record(actor=actor, action="update", channel="view", objects=[("person", locked.pk)], detail=detail)
    return locked


# ------------------------------------------------------------------------------------------ retention


@transaction.atomic
def apply_retention(
    *, actor: Staff | None, municipality: Municipality, cutoff: dt.date, today: dt.date
) -> RetentionStep:
    """People's retention step (people/retention.py): remove the households and persons past retention
    that nothing outside people points at, anonymise those that must stay, with one audit row naming
    every removed and anonymised id. Runs after the upper apps' steps, in their transaction.
    `actor` is None for the scheduled command (the audit row is then a system row)."""
    plan = retention.plan(municipality, cutoff=cutoff)
    step = plan.step
    removal.execute(step.removal)
    for household in plan.households_to_anonymise:
        household.address = household.note = ""
        household.version = F("version") + 1
        household.save(update_fields=["address", "note", "version"])
    for person in plan.persons_to_anonymise:
        fields = retention.anonymise(person, today)
        person.version = F("version") + 1
        person.save(update_fields=fields)
        PersonMatchCandidate.objects.filter(models.Q(left=person) | models.Q(right=person)).delete()
    removed = [("household", pk) for pk in step.removal.ids("people.Household")]
    removed += [("person", pk) for pk in step.removal.ids("people.Person")]
    audit.record_retention(
        actor=actor, municipality=municipality, objects=removed, cutoff=cutoff, counts=step.removal.counts()
    )
    anonymised = [("household", pk) for pk in step.anonymised["people.Household"]]
    anonymised += [("person", pk) for pk in step.anonymised["people.Person"]]
    audit.record_retention(
        actor=actor, municipality=municipality, objects=anonymised, cutoff=cutoff, anonymised=True
    )
    return step
