"""Does a household meet its city's escalation rule? Counted the way the city counts (issue 8 B2–B4).

Each open concern counts the domains (分野) of its concern type **and** of the household member it is
about (誰についての相談か; the person consulting unless staff chose another member):

- 65歳以上 → 高齢 (`elderly`), 18歳未満 → 子ども (`child`), a recorded disability → 障害 (`disability`),
  a foreign nationality or a need for a language other than Japanese → 外国籍 (`foreign`);
- a concern type with no domains of its own (虐待・DV, 権利擁護) counts only through its member, and
  as その他 (`other`) when the member brings none the rule counts;
- only the domains the rule counts are counted (`EscalationRule.counted_domain_codes()`, the city's
  `[[domains]]`): 小牧 counts 外国籍 and not その他, so 孤独・孤立 alone counts nothing there.

Only what the viewer may see is counted (`intake.policy.visible_consultations`): the advice and its
explanation never reveal a consultation, concern or domain the viewer could not read — not even as a
number. A rule applies where it starts: `from_windows` (the window recording the consultation, or the
viewer's organization's windows on the household page) and `from_body` (advice given at that meeting body).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils import timezone

from tsunagu.accounts.models import Staff
from tsunagu.directory.models import EscalationRule, EscalationTarget, EscalationTrigger
from tsunagu.municipalities.models import ConcernType, Municipality
from tsunagu.people.models import Household, Person

from .models import Consultation, ConsultationStatus, EscalationRequest, EscalationStatus
from .policy import visible_consultations_of_household

ELDERLY_AGE = 65
ADULT_AGE = 18
OTHER = "other"


@dataclass(frozen=True)
class ConcernAbout:
    """One open concern and the member it is about (None: unknown, e.g. a person not yet registered)."""

    concern: ConcernType
    subject: Person | None = None


@dataclass(frozen=True)
class MemberDomain:
    code: str
    reason: str  # why the member brings this domain, in Japanese: 「65歳以上」「障害の記録」


def member_domains(person: Person | None, on: dt.date) -> list[MemberDomain]:
    """The domains a household member brings to every concern about them."""
    if person is None:
        return []
    found: list[MemberDomain] = []
    age = person.age(on)
    if age is not None and age >= ELDERLY_AGE:
        found.append(MemberDomain("elderly", f"{ELDERLY_AGE}歳以上"))
    if age is not None and age < ADULT_AGE:
        found.append(MemberDomain("child", f"{ADULT_AGE}歳未満"))
    if person.disability:
        found.append(MemberDomain("disability", "障害の記録あり"))
    if person.foreign_or_language_need:
        found.append(MemberDomain("foreign", "外国籍・通訳の必要"))
    return found


@dataclass(frozen=True)
class CountedConcern:
    """How one concern was counted for one rule: its domains (only those the rule counts) and why."""

    concern: ConcernType
    subject: Person | None
    domains: tuple[str, ...]
    reasons: tuple[str, ...]  # one per counted domain: 「課題の分類」「80歳以上」「その他（分類の分野なし）」


def count_concern(item: ConcernAbout, counted: Sequence[str], on: dt.date) -> CountedConcern:
    """The domains of `item` that a rule counting `counted` counts, with the reason for each."""
    reasons: dict[str, str] = {}
    for code in item.concern.domains:
        if code in counted:
            reasons.setdefault(code, "課題の分類")
    for md in member_domains(item.subject, on):
        if md.code in counted:
            reasons.setdefault(md.code, md.reason)
    if not reasons and not item.concern.domains and OTHER in counted:
        reasons[OTHER] = "その他（相談の対象者による分野なし）"
    ordered = [c for c in counted if c in reasons]
    return CountedConcern(
        concern=item.concern,
        subject=item.subject,
        domains=tuple(ordered),
        reasons=tuple(reasons[c] for c in ordered),
    )


@dataclass(frozen=True)
class EscalationAdvice:
    """A rule the household meets, what was counted and why (in the city's words)."""

    rule: EscalationRule
    counted: tuple[CountedConcern, ...]
    pending: EscalationRequest | None
    domains: frozenset[str] = field(default_factory=frozenset)

    @property
    def municipality(self) -> Municipality:
        return self.rule.municipality

    @property
    def domain_codes(self) -> list[str]:
        """The counted domains, in the city's order."""
        return [d for d in self.rule.counted_domain_codes() if d in self.domains]

    @property
    def concern_names(self) -> tuple[str, ...]:
        return tuple(sorted({c.concern.name for c in self.counted}))

    @property
    def message(self) -> str:
        target = target_text(self.rule)
        if self.rule.trigger == EscalationTrigger.DOMAINS_AT_LEAST:
            codes = self.domain_codes
            labels = "・".join(self.municipality.domain_labels(codes))
            return (
                f"この世帯の課題は {len(codes)} 分野（{labels}）にわたります。"
                f"{self.rule.name}: {target}へつなぐことを検討してください。"
            )
        names = "、".join(c.concern.name for c in self.counted if c.concern.code in set(self.rule.concerns))
        return f"「{names}」の相談があります。{self.rule.name}: {target}へつなぐことを検討してください。"

    def explanation(self) -> list[str]:
        """One line per counted concern: 「認知症（山田 一郎さん・80歳）: 高齢者（65歳以上）」."""
        muni = self.municipality
        lines = [f"基準: {self.rule.condition_text()}"]
        for c in self.counted:
            who = _who(c.subject)
            if c.domains:
                parts = "、".join(
                    f"{muni.domain_label(d)}（{r}）" for d, r in zip(c.domains, c.reasons, strict=True)
                )
            else:
                parts = "数える分野なし"
            lines.append(f"{c.concern.name}{who}: {parts}")
        return lines


def _who(person: Person | None) -> str:
    if person is None:
        return ""
    age = person.age(timezone.localdate())
    return f"（{person.full_name}さん{f'・{age}歳' if age is not None else ''}）"


def target_text(rule: EscalationRule) -> str:
    if rule.target == EscalationTarget.CASE:
        return "多機関協働事業"
    return rule.target_text()


def rule_applies_at(
    rule: EscalationRule,
    windows: Iterable[int] | None,
    body: int | None,
    *,
    organization_id: int | None = None,
) -> bool:
    """`from_body`: only when advising at that meeting body; `from_windows`: only when the step starts at
    one of those windows (`windows=None`: at any window; `organization_id`: at any window of that
    organization, read from the rule's own windows). A rule naming neither applies wherever the
    household is looked at."""
    if rule.from_body_id is not None:
        return body == rule.from_body_id
    starts = list(rule.from_windows.all())
    if not starts:
        return True
    if organization_id is not None:
        return any(w.organization_id == organization_id for w in starts)
    return windows is None or bool({w.pk for w in starts} & set(windows))


def visible_open_concerns(staff: Staff, household: Household) -> list[ConcernAbout]:
    """The open concerns of the household's consultations that `staff` may read, each with its member."""
    rows = (
        visible_consultations_of_household(staff, household)
        .filter(status=ConsultationStatus.OPEN)
        .select_related("person")
        .prefetch_related("concerns", "concern_subjects__person")
    )
    return [item for c in rows for item in concerns_of(c)]


def concerns_of(consultation: Consultation) -> list[ConcernAbout]:
    subjects = {s.concern_id: s.person for s in consultation.concern_subjects.all()}
    return [
        ConcernAbout(concern=ct, subject=subjects.get(ct.pk, consultation.person))
        for ct in consultation.concerns.all()
    ]


def advise(
    staff: Staff,
    household: Household | None,
    entering: Sequence[ConcernAbout] = (),
    *,
    windows: Iterable[int] | None = None,
    body: int | None = None,
    on: dt.date | None = None,
) -> list[EscalationAdvice]:
    """The automatic escalation rules that the household's open concerns that `staff` may see (plus the
    concerns being entered now) meet, each with what was counted.

    `windows`: where the step starts (the intake form's window); default the staff member's own windows.
    `body`: the meeting body advising (rules `from_body` it apply only there).
    """
    items = list(entering)
    if household is not None:
        items = visible_open_concerns(staff, household) + items
    return _advise(household, items, **_starts(staff, windows), body=body, on=on or timezone.localdate())


def advise_read(
    staff: Staff, household: Household, items: list[ConcernAbout], pending: EscalationRequest | None
) -> list[EscalationAdvice]:
    """`advise` at the staff member's own windows, for a page that has already read the household's
    open concerns `staff` may see (`visible_open_concerns`) and its pending request."""
    return _advise(
        household, items, **_starts(staff, None), body=None, on=timezone.localdate(), pending=pending
    )


def _starts(staff: Staff, windows: Iterable[int] | None) -> dict[str, Any]:
    """Where the step starts: the windows given, else any window of the staff member's organization
    (compared with each rule's own windows, so no query), else none."""
    if windows is not None:
        return {"windows": list(windows)}
    if staff.organization_id is None:
        return {"windows": []}
    return {"windows": None, "organization_id": staff.organization_id}


def all_open_concerns(household: Household) -> list[ConcernAbout]:
    """Every open concern of the household, whoever may read it: for the demo generator and the
    situation tests, never for a screen (screens use `advise`, which counts only what the viewer sees)."""
    rows = (
        Consultation.objects.filter(household=household, status=ConsultationStatus.OPEN)
        .select_related("person")
        .prefetch_related("concerns", "concern_subjects__person")
    )
    return [item for c in rows for item in concerns_of(c)]


def advise_unrestricted(household: Household, *, on: dt.date | None = None) -> list[EscalationAdvice]:
    """The rules every open concern of the household meets, at any window: demo data only."""
    return _advise(
        household, all_open_concerns(household), windows=None, body=None, on=on or timezone.localdate()
    )


def _advise(
    household: Household | None,
    items: list[ConcernAbout],
    *,
    windows: list[int] | None,
    body: int | None,
    on: dt.date,
    organization_id: int | None = None,
    pending: EscalationRequest | Literal["read"] | None = "read",
) -> list[EscalationAdvice]:
    if not items:
        return []
    municipality_id = items[0].concern.municipality_id
    starts = windows
    if pending == "read":
        pending = None
        if household is not None:
            pending = EscalationRequest.objects.filter(
                municipality_id=municipality_id, household=household, status=EscalationStatus.PENDING
            ).first()
    rules = (
        EscalationRule.objects.filter(
            municipality_id=municipality_id,
            active=True,
            trigger__in=[EscalationTrigger.DOMAINS_AT_LEAST, EscalationTrigger.CONCERNS_ANY],
        )
        .select_related("to_body", "municipality")
        .prefetch_related("from_windows")
    )
    found = []
    for rule in rules:
        if not rule_applies_at(rule, starts, body, organization_id=organization_id):
            continue
        advice = evaluate(rule, items, on=on, pending=pending)
        if advice is not None:
            found.append(advice)
    return found


def evaluate(
    rule: EscalationRule,
    items: Sequence[ConcernAbout],
    *,
    on: dt.date,
    pending: EscalationRequest | None = None,
) -> EscalationAdvice | None:
    """The advice if `items` meet `rule` (one concern counted once, whoever recorded it), else None."""
    counted = counted_concerns(rule, items, on=on)
    domains = frozenset(d for c in counted for d in c.domains)
    codes = {c.concern.code for c in counted}
    if not rule.is_met_by(set(domains), codes):
        return None
    return EscalationAdvice(rule=rule, counted=counted, pending=pending, domains=domains)


def counted_concerns(
    rule: EscalationRule, items: Sequence[ConcernAbout], *, on: dt.date
) -> tuple[CountedConcern, ...]:
    """Each distinct (concern, member) of `items` with the domains `rule` counts for it."""
    counted_codes = rule.counted_domain_codes()
    seen: dict[tuple[int, int | None], CountedConcern] = {}
    for item in items:
        key = (item.concern.pk, item.subject.pk if item.subject is not None else None)
        if key not in seen:
            seen[key] = count_concern(item, counted_codes, on)
    return tuple(seen.values())
