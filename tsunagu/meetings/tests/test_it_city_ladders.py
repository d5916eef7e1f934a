"""Part 7 of issue 11: each seed city's ladder of meetings works end to end, from its real profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import make_household, make_staff
from tsunagu.accounts.models import Role
from tsunagu.cases import actions as case_actions
from tsunagu.cases.models import Case
from tsunagu.cases.tests.helpers import consent_input
from tsunagu.directory.models import MeetingBody, Organization
from tsunagu.directory.profiles import load_profile
from tsunagu.meetings import actions
from tsunagu.meetings.actions import MeetingError
from tsunagu.meetings.decisions import decide, ladder_direction
from tsunagu.meetings.models import AgendaItem, Meeting, MeetingKindOfSitting
from tsunagu.meetings.policy import visible_items
from tsunagu.people.models import HouseholdMember

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year if timezone.localdate().month >= 4 else timezone.localdate().year - 1


class City:
    def __init__(self, key: str):
        self.muni = load_profile(PROFILES / f"{key}.toml").municipality
        self.bodies = {b.key: b for b in MeetingBody.objects.filter(municipality=self.muni, active=True)}
        self.orgs = {o.key: o for o in Organization.objects.filter(municipality=self.muni)}
        first_dept = next(o for o in self.orgs.values() if o.kind == "department")
        self.coordinator = make_staff(self.muni, Role.COORDINATOR, first_dept)
        self.manager = make_staff(self.muni, Role.MANAGER, first_dept)

    def case(self) -> Case:
        household = make_household(self.muni)
        person = HouseholdMember.objects.get(household=household).person
        case = case_actions.open_case(
            actor=self.coordinator, household=household, persons=[person], title="事例"
        )
        case.extra_person = person  # type: ignore[attr-defined]
        return case

    def consent(self, case: Case, *orgs: str) -> None:
        case_actions.record_consent(
            actor=self.coordinator,
            case=case,
            data=consent_input(
                case.extra_person,  # type: ignore[attr-defined]
                [self.orgs[o] for o in orgs],
                meeting_kinds=["consented_conference"],
            ),
        )

    def worker(self, org: str):
        return make_staff(self.muni, Role.AGENCY_WORKER, self.orgs[org])

    def sitting_now(self, body: str, kind: str = MeetingKindOfSitting.AD_HOC, by=None) -> Meeting:
        """A sitting that began a moment ago (so minutes can be taken)."""
        return actions.call_meeting(
            actor=by or self.coordinator,
            body=self.bodies[body],
            kind=kind,
            starts_at=timezone.now() - dt.timedelta(minutes=30),
            minutes=90,
            reason="事例の検討",
        )

    def started(self, body: str) -> Meeting:
        """The body's first scheduled sitting, moved to have begun an hour ago (so minutes can be taken)."""
        m = Meeting.objects.filter(body=self.bodies[body], kind="scheduled").order_by("starts_at")[0]
        Meeting.objects.filter(pk=m.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(hours=1)
        )
        m.refresh_from_db()
        return m

    def calendar(self, body: str) -> list[Meeting]:
        return actions.generate_calendar(actor=self.coordinator, body=self.bodies[body], year=YEAR + 1)


def _place(city: City, m: Meeting, case: Case, function: str, orgs=(), purpose="roles", escalated_from=None):
    return actions.place_item(
        actor=city.coordinator,
        meeting=m,
        case=case,
        purpose=purpose,
        minutes=15,
        function=function,
        organizations=[city.orgs[o] for o in orgs],
        escalated_from=escalated_from,
    )


def _heard(city: City, item: AgendaItem, *workers) -> None:
    for w in workers:
        actions.acknowledge_duty(actor=w, meeting=item.meeting)
    actions.mark_discussed(actor=city.coordinator, item=item, version=item.version)
    item.refresh_from_db()


def test_tsuchiura_three_tiers_kominkan_scrum_net_fureai():
    city = City("tsuchiura")
    assert len(city.calendar("scrum-net")) == 12 and len(city.calendar("fureai-chosei")) == 6
    assert city.calendar("scrum-net") == []  # generated once
    case = city.case()  # from a 公民館 window, no consent
    scrum = city.started("scrum-net")
    shakyo = next(k for k, o in city.orgs.items() if o.kind == "social_welfare_council")
    item = _place(city, scrum, case, "confidential_conference", orgs=[shakyo, "iryo-kikan"])
    worker = city.worker(shakyo)
    assert list(visible_items(worker)) == []
    _heard(city, item, worker)
    assert list(visible_items(worker)) == [item]
    decide(
        actor=city.coordinator,
        item=item,
        kind="move",
        note="医療を含めて検討",
        to_body=city.bodies["fureai-chosei"],
    )
    up = AgendaItem.objects.get(escalated_from=item)
    assert up.meeting.body.key == "fureai-chosei" and up.legal_function == "confidential_conference"
    assert ladder_direction(item, city.bodies["fureai-chosei"]) == "上げる"
    assert ladder_direction(up, city.bodies["scrum-net"]) == "下げる"


def test_koga_core_members_screen_before_the_bimonthly_main_meeting():
    city = City("koga")
    with pytest.raises(MeetingError, match="自動で作れません"):
        city.calendar("core-member")  # sits only when referred
    assert len(city.calendar("jusoteki-shien-kaigi")) == 6
    case = city.case()
    city.consent(case, "fukushi-suishin", "shakyo")
    main = Meeting.objects.filter(body=city.bodies["jusoteki-shien-kaigi"]).order_by("starts_at")[0]
    with pytest.raises(MeetingError, match="コアメンバー会議で協議したもの"):
        _place(city, main, case, "consented_conference", orgs=["fukushi-suishin", "shakyo"])
    core = city.sitting_now("core-member")
    screened = _place(city, core, case, "coordination", orgs=["fukushi-suishin"])
    decide(
        actor=city.coordinator,
        item=screened,
        kind="move",
        note="本会議へ",
        to_body=city.bodies["jusoteki-shien-kaigi"],
        to_function="consented_conference",
    )
    item = AgendaItem.objects.get(escalated_from=screened)
    assert item.meeting == main and item.legal_function == "consented_conference"


def test_kokubunji_tanto_then_sogo_then_an_emergency_meeting_called_by_a_director():
    city = City("kokubunji")
    case = city.case()
    tanto = city.sitting_now("tantosha-kaigi")
    item = _place(city, tanto, case, "coordination")  # fixed members: the four 部
    assert {o.key for o in item.organizations.all()} == {
        "kenko-bu",
        "fukushi-bu",
        "kodomo-katei-bu",
        "kyoiku-bu",
    }
    sogo = actions.call_meeting(
        actor=city.coordinator,
        body=city.bodies["sogo-chosei"],
        kind="ad_hoc",
        starts_at=timezone.now() + dt.timedelta(days=3),
        minutes=60,
        reason="報告",
    )
    decide(
        actor=city.coordinator,
        item=item,
        kind="move",
        note="総合調整会議へ報告",
        to_body=city.bodies["sogo-chosei"],
    )
    assert AgendaItem.objects.get(escalated_from=item).meeting == sogo
    agency = city.worker("korei-fukushi")
    agency.role = Role.AGENCY_WORKER
    with pytest.raises(MeetingError, match="招集できる役割ではありません"):
        city.sitting_now("kinkyu-kaigi", kind="emergency", by=agency)
    with pytest.raises(MeetingError, match="緊急会議として開く会議体ではありません"):
        city.sitting_now("sogo-chosei", kind="emergency")
    emergency = city.sitting_now("kinkyu-kaigi", kind="emergency", by=city.manager)
    assert emergency.title() == "緊急会議【緊急】"
    assert _place(city, emergency, case, "coordination").legal_function == "coordination"


def test_komaki_quarterly_plus_ad_hoc():
    city = City("komaki")
    assert len(city.calendar("tsunagaru-kaigi")) == 4
    window = make_staff(city.muni, Role.WINDOW_WORKER, city.orgs["fukushi-somu"])
    with pytest.raises(MeetingError, match="招集できる役割ではありません"):
        city.sitting_now("tsunagaru-kaigi", by=window)
    m = city.sitting_now("tsunagaru-kaigi")
    case = city.case()
    city.consent(case, "fukushi-somu", "shakyo")
    item = _place(city, m, case, "consented_conference", orgs=["fukushi-somu", "shakyo"], purpose="plan")
    assert list(visible_items(city.worker("shakyo"))) == [item]  # consent: no acknowledgement needed


def test_matsumoto_five_bodies_with_their_members_and_the_loneliness_function():
    city = City("matsumoto")
    counts = {
        k: len(city.calendar(k))
        for k in ("kacho-kaigi", "chonai-suishin", "chonai-shien", "gaibu-renrakukai", "kankeisha-renrakukai")
    }
    assert counts == {
        "kacho-kaigi": 1,
        "chonai-suishin": 2,
        "chonai-shien": 2,
        "gaibu-renrakukai": 2,
        "kankeisha-renrakukai": 2,
    }
    gaibu = Meeting.objects.filter(body=city.bodies["gaibu-renrakukai"]).order_by("starts_at")[0]
    assert set(gaibu.invitations.values_list("organization__key", flat=True)) == {"hokatsu", "maisabo"}
    assert actions.item_functions(city.bodies["kankeisha-renrakukai"]) == [
        "loneliness_council",
        "coordination",
    ]
    # 外部機関連絡会 has no legal basis for discussing a person without consent.
    assert actions.item_functions(city.bodies["gaibu-renrakukai"]) == ["coordination"]
    m = city.started("kankeisha-renrakukai")
    with pytest.raises(MeetingError, match="随時の開催をしない"):
        city.sitting_now("kankeisha-renrakukai")
    case = city.case()
    item = _place(city, m, case, "loneliness_council", orgs=["shakyo"])
    worker = city.worker("shakyo")
    assert list(visible_items(worker)) == []
    actions.acknowledge_duty(actor=worker, meeting=m)
    assert list(visible_items(worker)) == [item]
    assert "孤独・孤立対策推進法" in item.legal_basis()


def test_tono_monthly_pair_one_case_consented_another_not():
    city = City("tono")
    assert len(city.calendar("jusoteki-shien-kaigi")) == 12 and len(city.calendar("shien-kaigi")) == 12
    with_consent, without = city.case(), city.case()
    city.consent(with_consent, "fukushi", "shakyo")
    jusou = Meeting.objects.filter(body=city.bodies["jusoteki-shien-kaigi"]).order_by("starts_at")[0]
    shien = Meeting.objects.filter(body=city.bodies["shien-kaigi"]).order_by("starts_at")[0]
    _place(city, jusou, with_consent, "consented_conference", orgs=["fukushi", "shakyo"])
    with pytest.raises(MeetingError, match="本人の同意"):
        _place(city, jusou, without, "consented_conference", orgs=["fukushi", "shakyo"])
    with pytest.raises(MeetingError, match="として検討できません"):
        _place(city, jusou, without, "confidential_conference", orgs=["fukushi", "shakyo"])
    assert _place(city, shien, without, "confidential_conference", orgs=["fukushi", "shakyo"]).pk


def test_inagi_quarterly_zentaikai_invites_its_fourteen_members():
    city = City("inagi")
    made = city.calendar("shien-kaigi-zentaikai")
    assert len(made) == 4
    assert made[0].invitations.count() == city.bodies["shien-kaigi-zentaikai"].members.count() == 14
    with pytest.raises(MeetingError, match="自動で作れません"):
        city.calendar("shien-kaigi")  # 随時


def test_mitaka_one_sitting_with_items_under_three_functions():
    city = City("mitaka")
    m = city.sitting_now("suishin-kaigi")
    a, b, c = city.case(), city.case(), city.case()
    city.consent(a, "koreisha-shien", "hokatsu")
    consented = _place(city, m, a, "consented_conference", orgs=["koreisha-shien", "hokatsu"])
    duty = _place(city, m, b, "confidential_conference", orgs=["hokatsu"])
    lonely = _place(city, m, c, "loneliness_council", orgs=["hokatsu"])
    hokatsu = city.worker("hokatsu")
    assert list(visible_items(hokatsu)) == [consented]
    actions.acknowledge_duty(actor=hokatsu, meeting=m)
    assert set(visible_items(hokatsu)) == {consented, duty, lonely}
    with pytest.raises(MeetingError, match="本人の同意"):
        _place(city, m, city.case(), "consented_conference", orgs=["hokatsu"])
