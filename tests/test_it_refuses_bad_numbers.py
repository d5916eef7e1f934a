"""Unicode digits and overflowing numbers are bad input, never a 500 (issue 9 A7).

The probe: `person_choice=²`, `left=²`, `concerns=9…9` (30 digits),
`/access/audit/?date_from=0001-01-01&date_to=9999-12-31` and `received_at=0001-01-01T00:00` answered 500.
`"²".isdigit()` is True and int("²") raises; a 30-digit id overflows SQLite's integers.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.access.models import BreakGlassGrant
from tsunagu.cases.models import CaseTeamMember
from tsunagu.cases.tests.helpers import make_world
from tsunagu.intake.models import Consultation
from tsunagu.people.models import PersonMerge

from .test_it_refuses_implausible_dates import intake_form

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
BAD_NUMBERS = ["²", "٣", "３", HUGE, "-1", "1e3", "0x10", "1" + "\u200b"]


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_intake_form_refuses_bad_person_and_concern_ids(client, bad):
    w = make_world()
    login_client(client, w.city.window_worker)
    before = Consultation.objects.count()
    for data in (
        {"person_choice": bad},
        {"concerns": [bad]},
        {"window": bad},
        {"area": bad},
        {"estimated_age": bad, "birth_date": ""},
        {"referred_to": bad},
    ):
        response = client.post(reverse("intake:new"), intake_form(w.city, **data))
        assert response.status_code == 200, data
        assert 'role="alert"' in response.content.decode()
    assert Consultation.objects.count() == before


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_advice_ignores_bad_ids(client, bad):
    w = make_world()
    login_client(client, w.city.window_worker)
    response = client.get(reverse("intake:advice"), {"person_choice": bad, "concerns": [bad, "1"]})
    assert response.status_code == 200


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_merge_with_bad_ids_is_not_found(client, bad):
    w = make_world()
    login_client(client, w.city.window_worker)
    for data in ({"left": bad, "right": w.p2.pk}, {"left": w.p1.pk, "right": bad}):
        response = client.post(reverse("people:merge"), {**data, "keep": "left", "reason": "確認済み"})
        assert response.status_code == 404
    response = client.post(
        reverse("people:merge"),
        {
            "left": w.p1.pk,
            "right": w.p2.pk,
            "left_version": bad,
            "right_version": "1",
            "keep": "left",
            "reason": "確認済み",
        },
    )
    assert response.status_code == 400
    assert PersonMerge.objects.count() == 0


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_case_forms_refuse_bad_ids_and_versions(client, bad):
    w = make_world()
    login_client(client, w.coordinator)
    before = CaseTeamMember.objects.count()
    response = client.post(reverse("cases:team", args=[w.case.pk]), {"organization": bad, "role": "lead"})
    assert response.status_code == 302
    response = client.post(reverse("cases:transition", args=[w.case.pk]), {"version": bad, "to": "assessing"})
    assert response.status_code == 302
    response = client.get(reverse("cases:open"), {"household": bad})
    assert response.status_code == 200
    assert CaseTeamMember.objects.count() == before
    w.case.refresh_from_db()
    assert w.case.version == 1 or w.case.status != "assessing"


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"date_from": "9999-12-31"},
        {"obj_type": "person", "obj_id": HUGE},
        {"obj_type": "person", "obj_id": "²"},
        {"actor": "²"},
        {"organization": HUGE},
    ],
)
def test_audit_search_refuses_out_of_range_filters(client, query):
    w = make_world()
    login_client(client, w.city.auditor)
    response = client.get(reverse("access:audit_log"), query)
    assert response.status_code == 200
    assert "絞り込みの条件を確認してください。" in response.content.decode()


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_break_glass_refuses_bad_ids(client, bad):
    w = make_world()
    login_client(client, w.city.window_worker)
    response = client.post(
        reverse("access:break_glass"),
        {"obj_type": "household", "obj_id": bad, "reason": "安否確認のため緊急に必要"},
    )
    assert response.status_code == 200
    assert BreakGlassGrant.objects.count() == 0
