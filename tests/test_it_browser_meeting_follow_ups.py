"""In Chromium: the meetings calendar pages by month (前月/翌月, a jump to a month), lists each body's next
12 months and the past sittings of a 年度 with their minutes; a 連絡帳 post becomes a plan change and the
post links to the new plan version; a decision's follow-up shows on the responsible worker's dashboard.
Screenshots are kept under test-artifacts/ (meeting-calendar-*.png, notebook-plan-*.png, dashboard-*.png)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.cases.models import PlanStatus
from tsunagu.core.wareki import fiscal_year
from tsunagu.meetings import actions, notebook
from tsunagu.meetings.decisions import decide
from tsunagu.meetings.models import Meeting
from tsunagu.meetings.notebook_models import NotebookPlanLink
from tsunagu.meetings.tests.helpers import make_body, sitting, staffed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(14), tzinfo=timezone.get_current_timezone())


def test_the_calendar_pages_by_month_and_lists_the_year_ahead_and_behind(page, live_server):
    s = staffed()
    w = s.world
    scrum = make_body(
        w,
        "scrum",
        "confidential_conference",
        ["confidential_conference"],
        name="スクラムネット",
        frequency="monthly",
    )
    fureai = make_body(
        w, "fureai", "other", ["consented_conference"], name="ふれあい調整会議", frequency="bimonthly"
    )
    this_fy = fiscal_year(timezone.localdate())
    for body in (scrum, fureai):
        actions.generate_calendar(actor=w.coordinator, body=body, year=this_fy)
        actions.generate_calendar(actor=w.coordinator, body=body, year=this_fy + 1)
    held = sitting(scrum, starts=dt.timedelta(days=-1))
    old = Meeting.objects.create(
        municipality=scrum.municipality,
        body=scrum,
        kind="ad_hoc",
        starts_at=_at(dt.date(this_fy - 1, 11, 5)),
        ends_at=_at(dt.date(this_fy - 1, 11, 5)) + dt.timedelta(hours=2),
    )
    login(page, live_server.url, w.coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/meetings/")
    assert "今後12か月の予定" in page.content() and f"/meetings/{held.pk}/minutes/" in page.content()
    screenshot(page, "meeting-calendar-this-month")
    heading = page.inner_text("#h-month")
    with page.expect_navigation():
        page.click("#next-month")
    assert page.inner_text("#h-month") != heading
    with page.expect_navigation():
        page.click("#prev-month")
    assert page.inner_text("#h-month") == heading
    page.fill("#id_year", str(this_fy - 1))
    page.select_option("#id_month", "11")
    with page.expect_navigation():
        page.click("#month-jump")
    assert f"/meetings/{old.pk}/" in page.inner_html("#month")
    screenshot(page, "meeting-calendar-jumped")
    with page.expect_navigation():
        page.click(f"#past a[href*='fy={this_fy - 1}']")
    assert f"/meetings/{old.pk}/minutes/" in page.inner_html("#past")
    screenshot(page, "meeting-calendar-past-year")
    page.goto(f"{live_server.url}/meetings/?year=%C2%B2&month=13")
    assert "年は半角数字の西暦" in page.inner_text("#calendar-problems")
    screenshot(page, "meeting-calendar-bad-query")


def test_a_post_becomes_a_plan_change_and_a_follow_up_reaches_the_dashboard(page, live_server):
    s = staffed()
    w = s.world
    post = notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, w.case.pk),
        data=notebook.PostInput(
            kind="update",
            body="本人が作業所の見学を希望しています。同行をお願いできますか。",
            submission_token=uuid.uuid4(),
        ),
    )
    login(page, live_server.url, w.coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/meetings/notebook/cases/{w.case.pk}/")
    with page.expect_navigation():
        page.click(f"#post-{post.pk} a.to-plan")
    assert f"連絡帳 No.{post.pk}" in page.input_value("#id_change_reason")
    screenshot(page, "notebook-plan-form")
    page.fill("#id_goals-1-text", "作業所を見学する")
    page.select_option("#id_actions-1-goal_no", "2")
    page.fill("#id_actions-1-description", "作業所の見学に同行する")
    page.select_option("#id_actions-1-organization", str(w.orgs["unnamed"].pk))
    with page.expect_navigation():
        page.click("#plan-submit")
    link = NotebookPlanLink.objects.get()
    assert page.inner_text(f"#post-{post.pk} .plan-link").startswith("プランに反映しました")
    assert f"支援プラン第{link.plan.version_no}版" in page.inner_text(f"#post-{post.pk}")
    screenshot(page, "notebook-plan-linked")
    plan = w.case.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-version_no")[0]
    assert plan == link.plan and plan.actions.filter(description="作業所の見学に同行する").exists()

    body = make_body(w, "team", "internal", ["coordination"], name="担当者会議", member_selection="per_case")
    item = actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body),
        case=w.case,
        purpose="roles",
        minutes=15,
        function="coordination",
        organizations=[w.orgs["unnamed"]],
    )
    decide(
        actor=w.coordinator,
        item=item,
        kind="note",
        note="社協が見学の日程を本人と決める",
        responsible=w.orgs["unnamed"],
        follow_up_on=timezone.localdate() + dt.timedelta(days=2),
    )
    page.context.clear_cookies()
    login(page, live_server.url, s.unnamed.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/dashboard/")
    assert "会議で決まった対応" in page.inner_text("#due-sources")
    screenshot(page, "dashboard-meeting-follow-ups")
    page.click("#due-sources a[href*='/meetings/todo/']")
    page.wait_for_load_state()
    assert "社協が見学の日程を本人と決める" in page.content()
