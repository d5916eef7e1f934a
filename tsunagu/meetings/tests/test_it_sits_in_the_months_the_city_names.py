"""Per-body defaults from the profile (issue 11 parts 1 and 6): the months a body sits in
(`sitting_months`, any frequency; without them a 定例 body without a count gets no invented dates) and the
default interval to the expected review of closure (`closure_review_interval_days`), both read from a
loaded profile and refused with a Japanese message when malformed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.directory.models import MeetingBody
from tsunagu.directory.profiles import load_profile
from tsunagu.directory.tests.test_it_rejects_bad_profiles import VALID, edit, refused
from tsunagu.meetings import actions
from tsunagu.meetings.actions import MeetingError, scheduled_months
from tsunagu.meetings.decisions import default_closure_review
from tsunagu.municipalities.models import Municipality

from .helpers import make_body, sitting, staffed

pytestmark = pytest.mark.django_db

SHIEN = 'frequency = "monthly"'  # the first body (key "shien") of the valid test profile


def _loaded(tmp_path, text):
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    load_profile(path)
    return MeetingBody.objects.get(key="shien")


def test_the_profile_names_the_months_and_the_closure_interval(tmp_path):
    body = _loaded(
        tmp_path,
        edit(
            SHIEN, 'frequency = "regular"\nsitting_months = [2, 5, 11, 8]\nclosure_review_interval_days = 180'
        ),
    )
    assert body.sitting_months == [2, 5, 11, 8] and body.closure_review_interval_days == 180
    assert scheduled_months(body) == [5, 8, 11, 2]  # in the 年度's order, April first
    assert body.closure_review_interval() == dt.timedelta(days=180)


BAD = {
    "month_13": ("sitting_months = [5, 13]", "sitting_months[2]", "大きすぎます（13、限度 12）"),
    "month_0": ("sitting_months = [0]", "sitting_months[1]", "小さすぎます（0、限度 1）"),
    "month_twice": ("sitting_months = [5, 8, 5]", "sitting_months", "同じ月が重複しています（5月）"),
    "not_a_month": ('sitting_months = ["5月"]', "sitting_months[1]", "整数で書いてください"),
    "months_of_a_referral_only_body": (
        "sitting_months = [5]\nreferral_only = true",
        "sitting_months",
        "referral_only = true の会議体",
    ),
    "closure_interval_too_short": (
        "closure_review_interval_days = 7",
        "closure_review_interval_days",
        "小さすぎます",
    ),
    "closure_interval_too_long": (
        "closure_review_interval_days = 2000",
        "closure_review_interval_days",
        "大きすぎます",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_months_or_intervals_are_refused_with_a_message(case, tmp_path):
    line, where, gist = BAD[case]
    path = tmp_path / "city.toml"
    path.write_text(edit(SHIEN, f"{SHIEN}\n{line}"), encoding="utf-8")
    error = refused(path)
    messages = [msg for loc, msg in error.problems if loc == f'meeting_bodies[1 key="shien"].{where}']
    assert messages and all(re.search(r"[ぁ-んァ-ン一-龥]", m) for m in messages), error.problems
    assert any(gist in m for m in messages), messages
    assert not Municipality.objects.exists()


def test_months_must_match_the_per_year_count(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(
        VALID.replace("per_year = 4\n", "per_year = 4\nsitting_months = [6, 12]\n"), encoding="utf-8"
    )
    error = refused(path)
    assert any(
        loc == 'meeting_bodies[2 key="jusou"].sitting_months' and "per_year（4）と合いません" in msg
        for loc, msg in error.problems
    ), error.problems


def test_a_regular_body_sits_in_the_named_months_and_without_them_gets_a_clear_message():
    s = staffed()
    w = s.world
    named = make_body(
        w, "suishin", "other", ["consented_conference"], frequency="regular", sitting_months=[11, 5]
    )
    made = actions.generate_calendar(actor=w.coordinator, body=named, year=2027)
    assert [timezone.localtime(m.starts_at).date().month for m in made] == [5, 11]
    assert {timezone.localtime(m.starts_at).year for m in made} == {2027}
    # Months override the frequency's spread (a quarterly body that sits in 6, 9, 12, 3).
    quarterly = make_body(
        w, "q", "internal", ["coordination"], frequency="quarterly", sitting_months=[6, 9, 12, 3]
    )
    assert scheduled_months(quarterly) == [6, 9, 12, 3]
    bare = make_body(w, "bare", "other", ["consented_conference"], frequency="regular", name="推進会議")
    with pytest.raises(MeetingError, match="推進会議は定例の開催回数が決まっていないため"):
        actions.generate_calendar(actor=w.coordinator, body=bare, year=2027)
    # A body that sits only when referred makes no calendar even with months stored.
    assert (
        scheduled_months(
            make_body(w, "ref", "internal", ["coordination"], referral_only=True, sitting_months=[5])
        )
        == []
    )


def test_the_decision_form_offers_the_bodys_closure_review_default_once(client):
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "shien",
        "confidential_conference",
        ["confidential_conference"],
        member_selection="per_case",
        closure_review_interval_days=120,
    )
    item = actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body),
        case=w.case,
        purpose="roles",
        minutes=20,
        function="confidential_conference",
        organizations=[w.orgs["team"]],
    )
    held = timezone.localtime(item.meeting.starts_at).date()
    assert default_closure_review(item) == held + dt.timedelta(days=120)
    login_client(client, w.coordinator)
    page = client.get(reverse("meetings:item", args=[item.pk])).content.decode()
    field = re.search(r'<input[^>]*name="decision-closure_review_on"[^>]*>', page)
    assert field is not None and (held + dt.timedelta(days=120)).isoformat() in field.group(0)
    assert "標準の間隔で" in page
    from tsunagu.meetings.decisions import decide

    decide(
        actor=w.coordinator,
        item=item,
        kind="note",
        note="半年後に終結を見直す",
        closure_review_on=held + dt.timedelta(days=120),
    )
    assert default_closure_review(item) is None  # offered once per item
    body.closure_review_interval_days = None
    body.save()
    other = make_body(
        w, "shien2", "confidential_conference", ["confidential_conference"], member_selection="per_case"
    )
    assert other.closure_review_interval() is None
