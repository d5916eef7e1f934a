"""A 連絡帳 post becomes a plan change (issue 11 part 8): a 束ね役 who may open the case saves the plan from
the post through cases' action, the post links to the saved version (meetings' own row, same
transaction), a double submit makes one change, and everyone who may not edit the plan gets the same 404
and sees no link to the form."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import login_client, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.cases.models import PlanStatus, SupportPlan
from tsunagu.cases.tests.helpers import meeting_access
from tsunagu.meetings import notebook
from tsunagu.meetings.notebook_models import NotebookPlanLink, NotebookPost

from .helpers import staffed

pytestmark = pytest.mark.django_db

BODY = "本人から、来月から就労支援の作業所に通いたいと相談がありました。\n社協の同行支援を加えたいです。"


def _post(s) -> NotebookPost:
    return notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, s.world.case.pk),
        data=notebook.PostInput(kind="update", body=BODY, submission_token=uuid.uuid4()),
    )


def _url(post: NotebookPost) -> str:
    return reverse("meetings:notebook_to_plan", args=[post.pk])


def _form_data(s, plan: SupportPlan, token: str, reason: str = "連絡帳の相談を反映") -> dict[str, str]:
    """The plan form as the browser posts it: the current plan's fields with one more action row."""
    return {
        "submission_token": token,
        "plan_id": str(plan.pk),
        "edit_version": str(plan.edit_version),
        "overall_goal": plan.overall_goal,
        "monitoring_on": "",
        "change_reason": reason,
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "0",
        "goals-0-text": "作業所に通う",
        "goals-0-life_area": "",
        "goals-0-review_on": "",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-goal_no": "1",
        "actions-0-description": "作業所への同行",
        "actions-0-organization": str(s.world.orgs["unnamed"].pk),
        "actions-0-role": "cooperating",
        "actions-0-person_in_charge": "",
        "actions-0-due_on": "",
        "actions-0-review_on": "",
        "actions-0-status": "planned",
    }


def _current(s) -> SupportPlan:
    return s.world.case.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-version_no")[0]


def test_the_coordinator_saves_the_change_and_the_post_links_to_the_version(client):
    s = staffed()
    post = _post(s)
    before = _current(s)
    login_client(client, s.world.coordinator)
    thread = client.get(reverse("meetings:notebook_case", args=[s.world.case.pk])).content.decode()
    assert _url(post) in thread and "この投稿をプランに反映する" in thread

    page = client.get(_url(post)).content.decode()
    # The post's text, on one line, is the change's reason; the current plan is prefilled.
    assert (
        f'value="連絡帳 No.{post.pk}: 本人から、来月から就労支援の作業所に通いたいと相談がありました。 社協'
        in page
    )
    assert before.overall_goal in page
    viewed = AuditEvent.objects.filter(actor_id=s.world.coordinator.pk, action="view").latest("seq")
    assert ["notebook_post", post.pk] in viewed.objects_json and [
        "case",
        s.world.case.pk,
    ] in viewed.objects_json

    r = client.post(_url(post), _form_data(s, before, str(uuid.uuid4())))
    assert r.status_code == 302 and r["Location"].endswith(f"#post-{post.pk}")
    link = NotebookPlanLink.objects.get()
    saved = _current(s)
    assert (link.post, link.plan, link.created_by) == (post, saved, s.world.coordinator)
    assert saved.goals.get().text == "作業所に通う"
    assert saved.actions.get().organization == s.world.orgs["unnamed"]
    written = AuditEvent.objects.filter(actor_id=s.world.coordinator.pk, action="create").latest("seq")
    assert ["notebook_post", post.pk] in written.objects_json
    assert ["support_plan", saved.pk] in written.objects_json
    assert written.detail["plan_link"] == link.pk

    thread = client.get(reverse("meetings:notebook_case", args=[s.world.case.pk])).content.decode()
    assert f"支援プラン第{saved.version_no}版" in thread and "プランに反映しました" in thread
    assert reverse("cases:detail", args=[s.world.case.pk]) in thread


def test_a_double_submit_makes_one_change(client):
    s = staffed()
    post = _post(s)
    plan = _current(s)
    login_client(client, s.world.coordinator)
    data = _form_data(s, plan, str(uuid.uuid4()))
    first = client.post(_url(post), data)
    versions = s.world.case.plans.count()
    again = client.post(_url(post), data)  # the same form sent again (a second click, a reload)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert NotebookPlanLink.objects.count() == 1 and s.world.case.plans.count() == versions
    # A new form (a new token) on the same, now stale, plan is refused with a message, nothing written.
    page = client.post(_url(post), _form_data(s, plan, str(uuid.uuid4()))).content.decode()
    assert "別の職員が更新しました" in page
    assert NotebookPlanLink.objects.count() == 1 and s.world.case.plans.count() == versions


def test_the_team_member_and_a_coordinator_outside_the_case_get_404_and_no_link(client):
    s = staffed()
    post = _post(s)
    outsider = make_staff(s.world.city.muni, Role.COORDINATOR, s.world.orgs["off"])
    plans = s.world.case.plans.count()
    for who in (s.team, outsider, s.world.other.coordinator):
        login_client(client, who)
        assert client.get(_url(post)).status_code == 404
        r = client.post(_url(post), _form_data(s, _current(s), str(uuid.uuid4())))
        assert r.status_code == 404
    # The team member reads the thread but is offered no plan change.
    login_client(client, s.team)
    thread = client.get(reverse("meetings:notebook_case", args=[s.world.case.pk])).content.decode()
    assert BODY.splitlines()[0] in thread and _url(post) not in thread
    assert not NotebookPlanLink.objects.exists() and s.world.case.plans.count() == plans


def test_a_meeting_only_reader_may_change_it_only_inside_the_follow_up_window(client):
    s = staffed()
    post = _post(s)
    member = make_staff(s.world.city.muni, Role.COORDINATOR, s.world.orgs["off"])
    access = meeting_access(s.world.case, member, start=dt.timedelta(days=-40), end=dt.timedelta(days=-10))
    login_client(client, member)
    assert client.get(_url(post)).status_code == 404
    assert client.post(_url(post), _form_data(s, _current(s), str(uuid.uuid4()))).status_code == 404
    assert not NotebookPlanLink.objects.exists()
    # The same member inside the window (支援会議-only: no consent names their organization) may.
    access.valid_until = access.valid_from + dt.timedelta(days=60)
    access.save(update_fields=["valid_until"])
    assert client.get(_url(post)).status_code == 200
    assert client.post(_url(post), _form_data(s, _current(s), str(uuid.uuid4()))).status_code == 302
    assert NotebookPlanLink.objects.get().created_by == member


def test_a_closed_case_refuses_with_a_message(client):
    from tsunagu.cases import actions as case_actions

    s = staffed()
    post = _post(s)
    case = s.world.case
    case_actions.close_case(
        actor=s.world.coordinator,
        case=case,
        version=case.version,
        reason="終結",
        goal_attainment="achieved",
        handover_to=None,
        main_agency_after_closure=s.world.orgs["team"],
    )
    login_client(client, s.world.coordinator)
    r = client.get(_url(post), follow=True)
    assert "終結したケースの支援プランは変更できません" in r.content.decode()
    assert _url(post) not in r.content.decode().split("終結したケースの支援プランは変更できません", 1)[1]
    assert not NotebookPlanLink.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (TSUNAGU_DATABASE_URL): SQLite serialises writers, so no race can occur",
)
def test_the_same_form_sent_at_once_makes_one_change():
    from tsunagu.cases.tests.helpers import plan_input
    from tsunagu.cases.tests.test_it_plan_concurrency import race
    from tsunagu.meetings import notebook_plan

    s = staffed()
    post = _post(s)
    plan = _current(s)
    token = uuid.uuid4()
    place = notebook.case_place(s.world.coordinator, s.world.case.pk)
    versions, edit_version = s.world.case.plans.count(), plan.edit_version
    wins, losses = race(
        [
            partial(
                notebook_plan.post_to_plan,
                actor=s.world.coordinator,
                post=post,
                place=place,
                data=plan_input("同時の送信", s.world.orgs["unnamed"], reason="連絡帳から"),
                plan=plan,
                edit_version=edit_version,
                submission_token=token,
            )
            for _ in range(3)
        ]
    )
    assert not losses, losses
    assert len({link.pk for _i, link in wins}) == 1
    assert NotebookPlanLink.objects.count() == 1 and s.world.case.plans.count() == versions
    # One edit of the draft (each writer shares `plan`, which the winner refreshed: compare to before).
    assert SupportPlan.objects.get(pk=plan.pk).edit_version == edit_version + 1
