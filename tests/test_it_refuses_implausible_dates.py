"""A date outside a plausible range is refused with a Japanese message, and a stored date of any era
never breaks a page (issue 9 A1).

The probe: `given_on=1867-12-31` on a consent, `held_on=0202-11-20` on monitoring, `review_on=0202-01-01`
on a plan goal and `received_at=0226-11-01T10:00` at intake were accepted, and every page that showed the
case then answered 500 for everyone (the 和暦 filter raised before 明治).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.cases.models import Consent, Monitoring, PlanGoal, SupportPlan
from tsunagu.cases.tests.helpers import make_world
from tsunagu.cases.tests.test_it_views_assessment_plan import plan_post
from tsunagu.directory.models import MeetingBody
from tsunagu.intake.models import Consultation
from tsunagu.people.models import Person

pytestmark = pytest.mark.django_db


def url(name: str, *args: int) -> str:
    return reverse(name, args=list(args))


def case_pages(w) -> list[str]:
    return [
        url("cases:detail", w.case.pk),
        url("cases:list") + "?scope=all&status=",
        url("cases:dashboard"),
        url("cases:plan", w.case.pk),
        url("cases:monitoring", w.case.pk),
        url("cases:close", w.case.pk),
        url("cases:plan_pdf", w.case.pk),
        url("cases:evaluation_pdf", w.case.pk),
        url("people:household", w.household.pk),
    ]


def consent_form(w, **over):
    data = {
        "given_by": w.p1.pk,
        "persons": [w.p1.pk],
        "organizations": [w.orgs["unnamed"].pk],
        "method": "written",
        "given_on": "R7.4.1",
        "submission_token": str(uuid.uuid4()),
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("given_on", "1867-12-31", "同意日は2000年1月1日以降"),
        ("given_on", "0202-11-20", "同意日は2000年1月1日以降"),
        ("given_on", "2999-01-01", "同意日に未来の日付は入力できません。"),
        ("expires_on", "0202-11-20", "有効期限（任意）は2000年1月1日以降"),
        ("expires_on", "9999-12-31", "有効期限（任意）は"),
    ],
)
def test_consent_dates_out_of_range_are_refused_and_change_nothing(client, field, value, message):
    w = make_world()
    login_client(client, w.coordinator)
    before = Consent.objects.count()
    response = client.post(url("cases:consent_new", w.case.pk), consent_form(w, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Consent.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"held_on": "0202-11-20"}, "実施日は2000年1月1日以降"),
        ({"held_on": "1867-12-31"}, "実施日は2000年1月1日以降"),
        ({"next_on": "0202-11-20"}, "次回モニタリング日（任意）は2000年1月1日以降"),
        ({"next_on": "9999-01-01"}, "次回モニタリング日（任意）は"),
    ],
)
def test_monitoring_dates_out_of_range_are_refused(client, data, message):
    w = make_world()
    login_client(client, w.coordinator)
    before = Monitoring.objects.count()
    post = {"held_on": timezone.localdate().isoformat(), "summary": "経過は順調", **data}
    response = client.post(url("cases:monitoring", w.case.pk), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Monitoring.objects.count() == before


@pytest.mark.parametrize(
    "changes",
    [
        {"goals-0-review_on": "0202-01-01"},
        {"actions-0-due_on": "1867-12-31"},
        {"actions-0-review_on": "9999-12-31"},
        {"monitoring_on": "0202-01-01"},
    ],
)
def test_plan_dates_out_of_range_are_refused(client, changes):
    w = make_world()
    login_client(client, w.coordinator)
    before = (w.plan.edit_version, PlanGoal.objects.count())
    response = client.post(url("cases:plan", w.case.pk), plan_post(w, w.plan, **changes))
    assert response.status_code == 200
    assert "以降の日付を入力してください" in response.content.decode() or "以前の日付" in (
        response.content.decode()
    )
    w.plan.refresh_from_db()
    assert (w.plan.edit_version, PlanGoal.objects.count()) == before


def test_a_meeting_day_before_2000_is_refused_for_plan_agreement(client):
    w = make_world()
    body = MeetingBody.objects.create(
        municipality=w.city.muni,
        key="jusou",
        name="重層的支援会議",
        kind="other",
        frequency="monthly",
        legal_functions=["consented_conference"],
        confidentiality_duty=True,
    )
    login_client(client, w.coordinator)
    response = client.post(
        url("cases:plan_agree", w.case.pk),
        {"edit_version": w.plan.edit_version, "body": body.pk, "held_on": "0202-11-20"},
        follow=True,
    )
    assert "開催日は2000年1月1日以降" in response.content.decode()
    assert SupportPlan.objects.get(pk=w.plan.pk).agreed_at is None


def intake_form(city, **over):
    data = {
        "submission_token": str(uuid.uuid4()),
        "window": city.window.pk,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "visit",
        "consulter_kind": "self",
        "person_choice": "new",
        "family_name": "髙橋",
        "given_name": "花子",
        "family_kana": "タカハシ",
        "given_kana": "ハナコ",
        "birth_date": "S25.5.1",
        "sex": "female",
        "relationship": "head",
        "concerns": [city.concerns["care"].pk],
        "actions": ["listening"],
        "business_line": "1ni",
        "sharing_consent": "consented",
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"received_at": "0226-11-01T10:00"}, "受付日時は2000年1月1日以降"),
        ({"received_at": "0001-01-01T00:00"}, "受付日時は2000年1月1日以降"),
        ({"received_at": "9999-12-31T23:59"}, "受付日時に未来の日時は入力できません。"),
        ({"birth_date": "1867-12-31"}, "生年月日は1900年1月1日以降"),
        ({"birth_date": "0001-01-01"}, "生年月日は1900年1月1日以降"),
        ({"birth_date": "2999-01-01"}, "生年月日に未来の日付は入力できません。"),
        ({"follow_up_on": "0202-01-01"}, "次回対応予定日は2000年1月1日以降"),
        ({"follow_up_on": "9999-12-31"}, "次回対応予定日は"),
    ],
)
def test_intake_dates_out_of_range_are_refused(client, data, message):
    w = make_world()
    login_client(client, w.city.window_worker)
    before = (Consultation.objects.count(), Person.objects.count())
    response = client.post(url("intake:new"), intake_form(w.city, **data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Consultation.objects.count(), Person.objects.count()) == before


def test_date_inputs_tell_the_browser_their_range(client):
    w = make_world()
    login_client(client, w.city.window_worker)
    page = client.get(url("intake:new")).content.decode()
    assert 'min="2000-01-01T00:00"' in page  # received_at
    assert 'min="2000-01-01"' in page  # follow_up_on


def _force(sql: str, *params) -> None:
    """Write what no form accepts any more, as a legacy import or an older version could have stored it."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "day", [dt.date(1, 1, 1), dt.date(1867, 12, 31), dt.date(202, 11, 20), dt.date(9999, 12, 31)]
)
def test_pages_show_any_stored_date_without_failing(client, day):
    w = make_world()
    consent = w.consents["active"]
    _force("UPDATE cases_consent SET given_on = %s, expires_on = %s WHERE id = %s", day, day, consent.pk)
    _force("UPDATE cases_monitoring SET held_on = %s, next_on = %s WHERE id = %s", day, day, w.monitoring.pk)
    _force("UPDATE cases_supportplan SET monitoring_on = %s WHERE id = %s", day, w.plan.pk)
    _force("UPDATE cases_plangoal SET review_on = %s WHERE plan_id = %s", day, w.plan.pk)
    _force("UPDATE cases_planaction SET due_on = %s, review_on = %s WHERE plan_id = %s", day, day, w.plan.pk)
    _force("UPDATE people_person SET birth_date = %s WHERE id = %s", day, w.p1.pk)
    moment = dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)
    _force("UPDATE intake_consultation SET received_at = %s WHERE id = %s", moment, w.consultation_p1.pk)
    login_client(client, w.coordinator)
    for page in case_pages(w):
        response = client.get(page)
        assert response.status_code == 200, page
    login_client(client, w.city.window_worker)
    assert client.get(url("people:household", w.household.pk)).status_code == 200
