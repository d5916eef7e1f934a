"""Personas (a city built on the persona base, tests/personas.py) and small builders for intake tests."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from tests.factories import make_municipality, make_organization, make_staff
from tests.personas import staff_city
from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import EscalationRule, Organization, Window
from tsunagu.intake import actions
from tsunagu.intake.models import Consultation
from tsunagu.municipalities.models import ConcernType, Municipality
from tsunagu.people.actions import PersonInput
from tsunagu.people.models import Person


@dataclass
class City:
    muni: Municipality
    window_org: Organization
    agency_org: Organization
    window: Window
    window_worker: Staff
    colleague: Staff
    coordinator: Staff
    agency_worker: Staff
    auditor: Staff
    manager: Staff
    concerns: dict[str, ConcernType]


CONCERNS = {
    "care": ("介護", "かいご", ["elderly"]),
    "poverty": ("生活困窮", "せいかつこんきゅう", ["hardship"]),
    "hikikomori": ("ひきこもり", "ひきこもり", ["other"]),
    "futoko": ("不登校", "ふとうこう", ["child"]),
}


def make_city(code: str = "011002", name: str = "テスト市") -> City:
    muni = make_municipality(name=name, code=code)
    window_org = make_organization(muni, name="福祉総合窓口", kind="department")
    agency_org = make_organization(muni, name="地域包括支援センター", kind="community_general_support_center")
    coord_org = make_organization(muni, name="地域福祉課", kind="department")
    window = Window.objects.create(
        municipality=muni,
        key=f"w-{window_org.pk}",
        name="福祉総合窓口",
        organization=window_org,
        business_lines=["1ni"],
    )
    concerns = {
        code_: ConcernType.objects.create(municipality=muni, code=code_, name=n, kana=k, domains=d)
        for code_, (n, k, d) in CONCERNS.items()
    }
    EscalationRule.objects.create(
        municipality=muni,
        key="three-domains",
        name="3分野以上の課題",
        trigger="domains_at_least",
        min_domains=3,
        target="case",
    )
    # The persona base (tests/personas.py), plus a second window worker at the same window.
    staff = staff_city(
        muni, window_org=window_org, coordination_org=coord_org, agency_org=agency_org, administrator=False
    )
    return City(
        muni=muni,
        window_org=window_org,
        agency_org=agency_org,
        window=window,
        window_worker=staff.window_worker,
        colleague=make_staff(muni, Role.WINDOW_WORKER, window_org),
        coordinator=staff.coordinator,
        agency_worker=staff.agency_worker,
        auditor=staff.auditor,
        manager=staff.manager,
        concerns=concerns,
    )


def record(
    city: City,
    staff: Staff,
    consent: str,
    concerns: tuple[str, ...] = ("care",),
    person: Person | None = None,
    minutes_ago: int = 0,
    note: str = "相談メモ",
) -> Consultation:
    """A consultation recorded through intake's action; a new person (佐藤 一郎) and household unless
    `person` is given."""
    data = actions.ConsultationInput(
        window=city.window,
        received_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        channel="visit",
        consulter_kind="self",
        business_line="1ni",
        sharing_consent=consent,
        submission_token=uuid.uuid4(),
        person=person,
        new_person=None
        if person
        else PersonInput(
            family_name="佐藤",
            given_name="一郎",
            family_kana="サトウ",
            given_kana="イチロウ",
            birth_date=dt.date(1948, 1, 2),
        ),
        concerns=[city.concerns[c] for c in concerns],
        note=note,
        actions=["listening"],
    )
    consultation, _ = actions.record_consultation(actor=staff, data=data)
    return consultation
