"""Emergency access: a reason, a time limit, at once on the auditors' list, reviewed by them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tsunagu.access import actions
from tsunagu.access.models import AuditEvent, BreakGlassGrant
from tsunagu.access.scope import has_break_glass

from .factories import make_household, make_person, make_personas

pytestmark = pytest.mark.django_db
URL = "/access/break-glass/"
REASON = "本人と連絡がとれず、安否確認のため緊急に世帯状況を確認する必要がある"


@pytest.fixture
def p():
    personas = make_personas()
    personas.person_a = make_person(personas.city_a)
    personas.household_a = make_household(personas.city_a, (personas.person_a, "head"))
    personas.person_b = make_person(personas.city_b)
    personas.household_b = make_household(personas.city_b, (personas.person_b, "head"))
    return personas


def test_anonymous_goes_to_login(client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_auditors_and_administrators_cannot_ask_for_it(client, p):
    for who in (p.auditor, p.administrator):
        client.force_login(who)
        assert client.get(URL).status_code == 403


def test_a_reason_is_required_and_the_grant_expires(client, p):
    client.force_login(p.agency_worker)
    response = client.post(URL, {"target": f"household:{p.household_a.pk}", "reason": "急ぎ"})
    assert response.status_code == 200 and "理由を10文字以上" in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        response = client.post(URL, {"target": f"household:{p.household_a.pk}", "reason": REASON})
        assert response.status_code == 302
        assert has_break_glass(p.agency_worker, "household", p.household_a.pk)
        assert not has_break_glass(p.agency_worker_off_team, "household", p.household_a.pk)
        assert not has_break_glass(p.agency_worker, "person", p.person_a.pk)
        event = AuditEvent.objects.get(action="break_glass")
        assert event.reason == REASON and ("household", p.household_a.pk) in event.objects_list
        traveller.shift(dt.timedelta(minutes=actions.break_glass_minutes() + 1))
        assert not has_break_glass(p.agency_worker, "household", p.household_a.pk)


def test_another_citys_record_cannot_be_opened(client, p):
    client.force_login(p.agency_worker)
    response = client.post(URL, {"target": f"household:{p.household_b.pk}", "reason": REASON})
    assert response.status_code == 200 and "対象が見つかりません" in response.content.decode()
    client.force_login(p.worker_b)
    response = client.post(URL, {"target": f"household:{p.household_a.pk}", "reason": REASON})
    assert "対象が見つかりません" in response.content.decode()
    assert not BreakGlassGrant.objects.exists()


def test_ending_early(client, p):
    grant = actions.request_break_glass(
        actor=p.coordinator, obj_type="household", obj_id=p.household_a.pk, reason=REASON
    )
    client.force_login(p.coordinator)
    assert client.post(reverse("access:break_glass_end", args=[grant.pk])).status_code == 302
    assert not has_break_glass(p.coordinator, "household", p.household_a.pk)
    client.force_login(p.window_worker)  # someone else's grant: 404
    assert client.post(reverse("access:break_glass_end", args=[grant.pk])).status_code == 404


def test_auditors_see_it_at_once_and_review_it(client, p):
    grant = actions.request_break_glass(
        actor=p.window_worker, obj_type="person", obj_id=p.person_a.pk, reason=REASON
    )
    review = reverse("access:break_glass_review")
    client.force_login(p.auditor)
    body = client.get(review).content.decode()
    assert REASON in body and p.window_worker.username in body
    submit = reverse("access:break_glass_review_submit", args=[grant.pk])
    client.post(submit, {"outcome": "inappropriate", "note": ""})
    grant.refresh_from_db()
    assert grant.reviewed_at is None  # a finding of "inappropriate" needs a note
    client.post(submit, {"outcome": "appropriate", "note": "安否確認として妥当"})
    grant.refresh_from_db()
    assert grant.reviewed_by == p.auditor and grant.review_outcome == "appropriate"
    assert AuditEvent.objects.filter(action="break_glass_reviewed", actor=p.auditor).exists()
    # Other roles cannot review; an auditor of another city gets 404.
    client.force_login(p.coordinator)
    assert client.get(review).status_code == 403
    from .factories import make_staff

    client.force_login(make_staff(p.city_b, "auditor", p.org_b))
    assert client.post(submit, {"outcome": "appropriate"}).status_code == 404
    assert REASON not in client.get(review).content.decode()
