"""A city with known workload figures, for the overview's tests and screenshots."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from tsunagu.cases import actions as case_actions
from tsunagu.cases.models import Case, CaseStatus, TeamRole
from tsunagu.directory.models import Organization, Window
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.models import Consultation, EscalationRequest
from tsunagu.intake.tests.helpers import City, make_city
from tsunagu.people.actions import PersonInput

# Appears only in personal data (names, case titles): the overview must never show it.
MARKER = "個人名マーカー"


def consult(city: City, window: Window, at: dt.datetime, *, family_name: str = MARKER) -> Consultation:
    data = intake_actions.ConsultationInput(
        window=window,
        received_at=at,
        channel="visit",
        consulter_kind="self",
        business_line="1ni",
        sharing_consent="not_consented",
        submission_token=uuid.uuid4(),
        new_person=PersonInput(
            family_name=family_name,
            given_name="花子",
            family_kana="テスト",
            given_kana="ハナコ",
            birth_date=dt.date(1950, 5, 5),
        ),
        concerns=[city.concerns["care"]],
        note=f"相談メモ {MARKER}",
        actions=["listening"],
    )
    consultation, _ = intake_actions.record_consultation(actor=city.window_worker, data=data)
    return consultation


def open_case(
    city: City,
    at: dt.datetime,
    status: str,
    team: list[tuple[Organization, str]],
    monitoring_on: dt.date | None,
) -> Case:
    household = consult(city, city.window, at).household
    assert household is not None
    case = case_actions.open_case(actor=city.coordinator, household=household, title=f"ケース {MARKER}")
    for org, role in team:
        case_actions.set_team_member(actor=city.coordinator, case=case, organization=org, role=role)
    if monitoring_on is not None:
        plan = case_actions.PlanInput(
            overall_goal="暮らしの安定",
            goals=[case_actions.GoalInput(text="通院を続ける")],
            actions=[],
            monitoring_on=monitoring_on,
        )
        case_actions.save_plan(actor=city.coordinator, case=case, data=plan)
    # Test set-up only: put the case straight into the state the figures need.
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@dataclass
class WorkloadCity:
    city: City
    other: City
    second_window: Window
    today: dt.date


def make_workload_city(now: dt.datetime | None = None) -> WorkloadCity:
    """City A (today = now's date):
    - consultations: 福祉総合窓口 2 in the first month of the 年度 (one at 0:10 on April 1) and 1 this
      month; こども相談窓口 1 in the second month; 1 at 23:30 on March 31 of the previous 年度;
    - open cases: 支援中 with monitoring 10 days overdue (team: agency lead, window cooperating),
      支援中 with monitoring in 3 days (agency cooperating), アセスメント (agency cooperating),
      受付 with no team; one 終結 case (not counted);
    - one escalation request waiting for 5 days (from the window's organization).
    City B: its own consultations, cases and a request, none of which may show in A's figures.
    """
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    fy = today.year if today.month >= 4 else today.year - 1
    tz = timezone.get_current_timezone()
    city = make_city("011002", "テスト市A")
    other = make_city("012025", "テスト市B")
    second = Window.objects.create(
        municipality=city.muni,
        key="kodomo",
        name="こども相談窓口",
        organization=city.window_org,
        business_lines=["1ha"],
        sort_order=5,
    )
    consult(city, city.window, dt.datetime(fy, 4, 1, 0, 10, tzinfo=tz))
    consult(city, city.window, dt.datetime(fy, 4, 20, 10, 0, tzinfo=tz))
    consult(city, city.window, now - dt.timedelta(minutes=5))
    consult(city, second, dt.datetime(fy, 5, 12, 9, 0, tzinfo=tz))
    consult(city, city.window, dt.datetime(fy, 3, 31, 23, 30, tzinfo=tz))
    past = now - dt.timedelta(days=1)
    open_case(
        city,
        past,
        CaseStatus.SUPPORT,
        [(city.agency_org, TeamRole.LEAD), (city.window_org, TeamRole.COOPERATING)],
        today - dt.timedelta(days=10),
    )
    open_case(
        city,
        past,
        CaseStatus.SUPPORT,
        [(city.agency_org, TeamRole.COOPERATING)],
        today + dt.timedelta(days=3),
    )
    open_case(city, past, CaseStatus.ASSESSMENT, [(city.agency_org, TeamRole.COOPERATING)], None)
    open_case(city, past, CaseStatus.INTAKE, [], None)
    open_case(
        city, past, CaseStatus.CLOSED, [(city.agency_org, TeamRole.LEAD)], today - dt.timedelta(days=40)
    )
    waiting = consult(city, city.window, past)
    assert waiting.household is not None
    req, _ = intake_actions.request_escalation(
        actor=city.window_worker, household=waiting.household, reason="3分野の課題", consultation=waiting
    )
    EscalationRequest.objects.filter(pk=req.pk).update(requested_at=now - dt.timedelta(days=5))
    # City B: figures that must stay out of A's overview.
    for _ in range(3):
        consult(other, other.window, now - dt.timedelta(minutes=10))
    open_case(
        other, past, CaseStatus.SUPPORT, [(other.agency_org, TeamRole.LEAD)], today - dt.timedelta(days=60)
    )
    b_waiting = consult(other, other.window, past)
    assert b_waiting.household is not None
    intake_actions.request_escalation(
        actor=other.window_worker, household=b_waiting.household, reason="B市の依頼"
    )
    return WorkloadCity(city=city, other=other, second_window=second, today=today)
