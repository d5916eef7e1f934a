"""Personas and small builders for intake tests."""

from __future__ import annotations

from dataclasses import dataclass

from tests.factories import make_municipality, make_organization, make_staff
from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import EscalationRule, Organization, Window
from tsunagu.municipalities.models import ConcernType, Municipality


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
        municipality=muni, key="three-domains", name="3分野以上の課題", trigger="domains_at_least",
        min_domains=3, target="case",
    )  # fmt: skip
    return City(
        muni=muni,
        window_org=window_org,
        agency_org=agency_org,
        window=window,
        window_worker=make_staff(muni, Role.WINDOW_WORKER, window_org),
        colleague=make_staff(muni, Role.WINDOW_WORKER, window_org),
        coordinator=make_staff(muni, Role.COORDINATOR, coord_org),
        agency_worker=make_staff(muni, Role.AGENCY_WORKER, agency_org),
        auditor=make_staff(muni, Role.AUDITOR, coord_org),
        manager=make_staff(muni, Role.MANAGER, coord_org),
        concerns=concerns,
    )
