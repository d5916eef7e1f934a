"""Synthetic consultations for the demo city, so that `make demo` shows household timelines.

Deterministic for a seed. Concerns follow the household's kind (8050 → ひきこもり・介護・生活困窮 …);
some households get several consultations at different windows, a few meet the city's escalation rule
and have a pending 多機関協働 request. Everything is marked as demo data in the note.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.db import transaction
from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import EscalationRule, Window
from tsunagu.municipalities.models import ConcernType, Municipality
from tsunagu.people.demo import KIND_LABELS, NOTE_PREFIX
from tsunagu.people.models import Household, HouseholdMember

from .escalation import advise_unrestricted, all_open_concerns
from .models import ActionKind, Channel, Consultation, ConsulterKind, EscalationRequest, SharingConsent

DEMO_NOTE = "（デモ用の架空の相談記録）"

# Household kind → concerns that plausibly bring it to a window (codes of the national taxonomy).
KIND_CONCERNS: dict[str, list[str]] = {
    "8050": ["hikikomori", "care", "poverty", "isolation", "8050"],
    "double_care": ["double-care", "care", "parenting", "employment"],
    "single_elderly": ["care", "dementia", "isolation", "paperwork", "self-neglect"],
    "elderly_couple": ["care", "dementia", "medical", "guardianship"],
    "single_parent": ["poverty", "parenting", "employment", "housing", "futoko"],
    "nuclear": ["parenting", "futoko", "young-carer", "debt"],
    "multigenerational": ["care", "young-carer", "parenting"],
    "foreign": ["foreign-language", "paperwork", "employment", "parenting"],
    "single": ["employment", "debt", "mental-illness", "housing", "isolation"],
    "couple": ["debt", "medical", "mental-illness"],
    "siblings": ["disability", "care", "guardianship"],
    "sharehouse": ["housing", "poverty", "paperwork"],
}
NOTES = {
    "hikikomori": "本人は数年ほど外出していない様子。家族が今後を心配している。",
    "care": "家族の介護負担が大きく、介護サービスの利用について相談したい。",
    "poverty": "収入が減り、家賃や公共料金の支払いが厳しい。",
    "double-care": "子育てと親の介護が重なり、仕事との両立が難しい。",
    "foreign-language": "日本語での手続きが難しく、通訳の支援を希望。",
    "futoko": "子どもが学校に行けない日が続いている。",
    "debt": "借入の返済が重なっている。",
    "dementia": "物忘れが増え、金銭管理が心配。",
    "paperwork": "役所からの書類の読み方・手続きが分からない。",
}


def _recorder(muni: Municipality, window: Window, cache: dict[int, Staff]) -> Staff:
    """The staff member a demo record names: a demo login of that organization, else an inactive account."""
    org = window.organization
    if org.pk in cache:
        return cache[org.pk]
    staff = (
        Staff.objects.filter(
            municipality=muni, organization=org, role__in=[Role.WINDOW_WORKER, Role.AGENCY_WORKER]
        )
        .order_by("pk")
        .first()
    )
    if staff is None:
        staff, _ = Staff.objects.get_or_create(
            username=f"demo-recorder-{muni.code}-{org.key}"[:150],
            defaults={
                "display_name": f"{org.name} 担当（デモ）",
                "municipality": muni,
                "organization": org,
                "role": Role.WINDOW_WORKER,
                "is_active": False,  # names the recorder of demo records; can never log in
            },
        )
        if staff.has_usable_password():
            staff.set_unusable_password()
            staff.save(update_fields=["password"])
    cache[org.pk] = staff
    return staff


def _domains(household: Household) -> set[str]:
    return {d for item in all_open_concerns(household) for d in item.concern.domains}


def has_demo_consultations(muni: Municipality) -> bool:
    return Consultation.objects.filter(municipality=muni, note__endswith=DEMO_NOTE).exists()


@transaction.atomic
def generate_consultations(muni: Municipality, *, seed: int = 2026, share: float = 0.3) -> tuple[int, int]:
    """Write demo consultations for about `share` of the city's synthetic households.

    Returns (consultations, escalation requests). Call only on synthetic data (`synthetic=True`).
    """
    rng = random.Random(seed)
    windows = list(Window.objects.filter(municipality=muni, active=True).select_related("organization"))
    concerns = {c.code: c for c in ConcernType.objects.filter(municipality=muni, active=True)}
    if not windows or not concerns:
        return 0, 0
    households = list(
        Household.objects.filter(municipality=muni, synthetic=True).order_by("pk").values_list("pk", "note")
    )
    label_to_kind = {label: code for code, label in KIND_LABELS.items()}
    heads = {
        m.household_id: m.person_id
        for m in HouseholdMember.objects.filter(municipality=muni, household__synthetic=True).order_by("-pk")
    }
    recorders: dict[int, Staff] = {}
    now = timezone.now().replace(second=0, microsecond=0)
    made = escalations = 0
    for hid, note in households:
        if rng.random() > share or hid not in heads:
            continue
        kind = label_to_kind.get(note.removeprefix(NOTE_PREFIX), "single")
        pool = [c for c in KIND_CONCERNS.get(kind, ["isolation"]) if c in concerns] or list(concerns)[:3]
        visits = rng.choices([1, 2, 3], weights=[60, 28, 12])[0]
        household = Household.objects.get(pk=hid)
        for v in range(visits):
            window = rng.choice(windows)
            picked = rng.sample(pool, k=min(len(pool), rng.choice([1, 2, 2, 3])))
            days_ago = rng.randint(1, 360) if v == 0 else rng.randint(0, 60)
            consultation = Consultation.objects.create(
                municipality=muni,
                received_at=now - dt.timedelta(days=days_ago, minutes=rng.randint(0, 600)),
                window=window,
                organization=window.organization,
                staff=_recorder(muni, window, recorders),
                channel=rng.choice(
                    [Channel.VISIT, Channel.VISIT, Channel.PHONE, Channel.HOME_VISIT, Channel.REFERRAL]
                ),
                consulter_kind=rng.choice(
                    [
                        ConsulterKind.SELF,
                        ConsulterKind.FAMILY,
                        ConsulterKind.FAMILY,
                        ConsulterKind.MINSEI,
                        ConsulterKind.AGENCY,
                    ]
                ),
                person_id=heads[hid],
                household=household,
                note=" ".join(NOTES.get(c, "") for c in picked).strip() + DEMO_NOTE,
                actions=[rng.choice([ActionKind.LISTENING, ActionKind.INFORMATION, ActionKind.CONTINUING])],
                business_line=(window.business_lines or ["1ni"])[0],
                sharing_consent=rng.choice(
                    [
                        SharingConsent.CONSENTED,
                        SharingConsent.CONSENTED,
                        SharingConsent.NOT_CONSENTED,
                        SharingConsent.UNCONFIRMED,
                    ]
                ),
                submission_token=uuid.UUID(int=rng.getrandbits(128)),
            )
            consultation.concerns.set([concerns[c] for c in picked])
            made += 1
        advice = advise_unrestricted(household)
        # Where the city has no automatic rule (三鷹: staff judgement), a household whose concerns span
        # three domains is the kind a worker would refer; name the city's first rule then.
        rule = advice[0].rule if advice else None
        if rule is None and len(_domains(household)) >= 3:
            rule = (
                EscalationRule.objects.filter(municipality=muni, active=True).order_by("sort_order").first()
            )
        if rule and rng.random() < 0.6 and not EscalationRequest.objects.filter(household=household).exists():
            first = Consultation.objects.filter(household=household).order_by("received_at").first()
            assert first is not None
            EscalationRequest.objects.create(
                municipality=muni,
                household=household,
                person_id=heads[hid],
                consultation=first,
                rule=rule,
                to_body=rule.to_body,
                organization=first.organization,
                requested_by=first.staff,
                reason="複数分野の課題があり、関係機関での役割分担が必要。" + DEMO_NOTE,
            )
            escalations += 1
    return made, escalations
