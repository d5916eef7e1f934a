"""The legal gates of issue 11 ("Done when"): the gate follows the item, not the body.

- an item without consent cannot be placed under 重層的支援会議;
- an attendee who has not acknowledged 守秘義務 sees nothing;
- a member not selected for that case sees nothing (not even that the item exists);
- a body with two functions applies each item's rule;
- access ends after the follow-up window.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from tsunagu.access.models import AuditEvent
from tsunagu.cases.policy import get_case_for, visible_cases, why_visible
from tsunagu.meetings import actions
from tsunagu.meetings.actions import MeetingError
from tsunagu.meetings.models import FollowUpAccess
from tsunagu.meetings.policy import get_item_for, visible_items

from .helpers import consent_for_conference, make_body, sitting, staffed

pytestmark = pytest.mark.django_db

CONSENTED = "consented_conference"
CONFIDENTIAL = "confidential_conference"


def _confidential_item(s, body=None, orgs=("unnamed",)):
    w = s.world
    body = body or make_body(
        w, "shien", CONFIDENTIAL, [CONFIDENTIAL], member_selection="per_case", name="スクラムネット"
    )
    m = sitting(body)
    item = actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=w.case,
        purpose="roles",
        minutes=20,
        function=CONFIDENTIAL,
        organizations=[w.orgs[k] for k in orgs],
    )
    return m, item


def test_an_item_without_consent_cannot_be_placed_under_the_consented_conference():
    s = staffed()
    w = s.world
    body = make_body(w, "jusou", "consented_conference", [CONSENTED], members=[w.orgs["team"], w.orgs["off"]])
    m = sitting(body, starts=dt.timedelta(days=7))
    # The case's active consent names team and off, but not the meeting kind 重層的支援会議.
    with pytest.raises(MeetingError, match="本人の同意"):
        actions.place_item(
            actor=w.coordinator, meeting=m, case=w.case, purpose="plan", minutes=20, function=CONSENTED
        )
    consent_for_conference(w, [w.orgs["team"]])
    # Now consented for team — but every attending organization must be covered, and off is a fixed member.
    with pytest.raises(MeetingError, match=w.orgs["off"].name):
        actions.place_item(
            actor=w.coordinator, meeting=m, case=w.case, purpose="plan", minutes=20, function=CONSENTED
        )
    item = actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=w.case,
        purpose="plan",
        minutes=20,
        function=CONSENTED,
        organizations=[w.orgs["team"]],
    )
    assert item.legal_function == CONSENTED
    # A body without 支援会議 offers no way around the consent.
    with pytest.raises(MeetingError, match="として検討できません"):
        actions.check_gate(m, w.case, CONFIDENTIAL, [w.orgs["team"]])


def test_an_organization_invited_to_the_sitting_must_be_covered_too():
    s = staffed()
    w = s.world
    body = make_body(w, "jusou", "consented_conference", [CONSENTED], member_selection="per_case")
    m = sitting(body, starts=dt.timedelta(days=7))
    consent_for_conference(w, [w.orgs["team"]])
    actions.invite(actor=w.coordinator, meeting=m, staff=s.unnamed)
    with pytest.raises(MeetingError, match=w.orgs["unnamed"].name):
        actions.place_item(
            actor=w.coordinator,
            meeting=m,
            case=w.case,
            purpose="plan",
            minutes=20,
            function=CONSENTED,
            organizations=[w.orgs["team"]],
        )


def test_an_attendee_who_has_not_acknowledged_sees_nothing():
    s = staffed()
    m, item = _confidential_item(s)
    assert list(visible_items(s.unnamed)) == []
    with pytest.raises(Http404):
        get_item_for(s.unnamed, item.pk)
    actions.acknowledge_duty(actor=s.unnamed, meeting=m)
    assert get_item_for(s.unnamed, item.pk) == item


def test_a_member_not_selected_for_the_case_sees_nothing_not_even_a_count():
    s = staffed()
    w = s.world
    m, item = _confidential_item(s, orgs=("unnamed",))
    # withdrawn's worker is invited to the sitting for another reason and acknowledges the duty.
    actions.invite(actor=w.coordinator, meeting=m, staff=s.withdrawn)
    actions.acknowledge_duty(actor=s.withdrawn, meeting=m)
    assert visible_items(s.withdrawn).count() == 0
    with pytest.raises(Http404):
        get_item_for(s.withdrawn, item.pk)
    # Someone never invited cannot even acknowledge.
    with pytest.raises(MeetingError, match="招かれていない"):
        actions.acknowledge_duty(actor=s.off, meeting=m)


def test_a_person_invited_for_that_case_by_name_sees_it_after_acknowledging():
    s = staffed()
    w = s.world
    m, item = _confidential_item(s, orgs=("unnamed",))
    actions.invite(actor=w.coordinator, meeting=m, staff=s.off, item=item)
    assert visible_items(s.off).count() == 0
    actions.acknowledge_duty(actor=s.off, meeting=m)
    assert list(visible_items(s.off)) == [item]


def test_a_body_with_two_functions_applies_each_items_rule():
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "suishin",
        "other",
        [CONSENTED, CONFIDENTIAL, "loneliness_council", "case_review"],
        member_selection="per_case",
        name="重層的支援体制推進会議",
    )
    m = sitting(body)
    consent_for_conference(w, [w.orgs["team"]])
    consented = actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=w.case,
        purpose="plan",
        minutes=20,
        function=CONSENTED,
        organizations=[w.orgs["team"]],
    )
    other_case = _second_case(w)
    duty = actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=other_case,
        purpose="sharing",
        minutes=15,
        function=CONFIDENTIAL,
        organizations=[w.orgs["team"], w.orgs["unnamed"]],
    )
    # Consent lets team see its item without acknowledging; the 支援会議 item waits for the acknowledgement.
    assert list(visible_items(s.team)) == [consented]
    # unnamed is not covered by the consent: the same sitting shows it nothing until it acknowledges,
    # and then only the 支援会議 item.
    assert list(visible_items(s.unnamed)) == []
    actions.acknowledge_duty(actor=s.unnamed, meeting=m)
    assert list(visible_items(s.unnamed)) == [duty]
    actions.acknowledge_duty(actor=s.team, meeting=m)
    assert set(visible_items(s.team)) == {consented, duty}
    # The consented item cannot take unnamed along: the item's rule, not the body's, decides.
    with pytest.raises(MeetingError, match="本人の同意"):
        actions.check_gate(m, w.case, CONSENTED, [w.orgs["unnamed"]])


def _second_case(w):
    from tsunagu.cases import actions as case_actions
    from tsunagu.intake.tests.helpers import record

    household = record(w.city, w.city.window_worker, "not_consented").household
    return case_actions.open_case(actor=w.coordinator, household=household, title="二件目")


def test_discussing_a_confidential_item_opens_the_case_only_during_the_follow_up_window():
    s = staffed()
    w = s.world
    body = make_body(
        w, "shien", "confidential_conference", [CONFIDENTIAL], member_selection="per_case", follow_up_days=30
    )
    m, item = _confidential_item(s, body=body, orgs=("unnamed", "withdrawn"))
    actions.acknowledge_duty(actor=s.unnamed, meeting=m)  # withdrawn's worker never acknowledges
    assert w.case not in visible_cases(s.unnamed)
    actions.mark_discussed(actor=w.coordinator, item=item, version=item.version)
    access = FollowUpAccess.objects.get()
    assert access.staff == s.unnamed and access.case == w.case
    assert get_case_for(s.unnamed, w.case.pk) == w.case
    assert "支援会議の構成員（守秘義務・会議後の期間）" in [r.label for r in why_visible(s.unnamed, w.case)]
    with pytest.raises(Http404):
        get_case_for(s.withdrawn, w.case.pk)
    after = access.valid_until + dt.timedelta(seconds=1)
    assert w.case not in visible_cases(s.unnamed, at=after)
    assert w.case in visible_cases(s.unnamed, at=access.valid_until - dt.timedelta(seconds=1))
    assert access.valid_until - access.valid_from == dt.timedelta(days=30)
    # The item itself closes for the member after the window too.
    assert item.pk not in [
        i.pk for i in visible_items(s.unnamed, at=m.follow_up_until() + dt.timedelta(seconds=1))
    ]


def test_a_member_recorded_absent_gets_no_follow_up_access():
    s = staffed()
    w = s.world
    body = make_body(w, "shien", "confidential_conference", [CONFIDENTIAL], members=[w.orgs["unnamed"]])
    m = sitting(body)
    actions._invite_fixed_members(w.coordinator, m)
    item = actions.place_item(
        actor=w.coordinator, meeting=m, case=w.case, purpose="roles", minutes=20, function=CONFIDENTIAL
    )
    actions.acknowledge_duty(actor=s.unnamed, meeting=m)
    actions.record_attendance(actor=w.coordinator, meeting=m, version=m.version, present=[])
    item.refresh_from_db()
    actions.mark_discussed(actor=w.coordinator, item=item, version=item.version)
    assert not FollowUpAccess.objects.exists()


def test_per_term_acknowledgement_covers_the_body_for_its_fiscal_year_only():
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "shien",
        "confidential_conference",
        [CONFIDENTIAL],
        member_selection="per_case",
        acknowledgement="per_term",
    )
    m, _item = _confidential_item(s, body=body)
    actions.acknowledge_duty(actor=s.unnamed, meeting=m)
    later = sitting(body, starts=dt.timedelta(days=2))
    from tsunagu.meetings.policy import acknowledged_at, fiscal_year

    same_year = fiscal_year(later.starts_at) == fiscal_year(m.starts_at)
    assert (acknowledged_at(s.unnamed, later) is not None) == same_year
    next_year = sitting(body, starts=dt.timedelta(days=400))
    assert acknowledged_at(s.unnamed, next_year) is None


def test_every_disclosure_is_audited_with_its_legal_basis():
    s = staffed()
    m, item = _confidential_item(s)
    actions.acknowledge_duty(actor=s.unnamed, meeting=m)
    actions.record_disclosure(actor=s.unnamed, item=item)
    event = AuditEvent.objects.filter(actor_id=s.unnamed.pk, action="view").latest("seq")
    assert "第106条の6" in event.reason
    assert ["agenda_item", item.pk] in event.objects_json and ["case", item.case_id] in event.objects_json
    assert event.detail == {"legal_function": CONFIDENTIAL}


def test_withdrawing_the_consent_closes_a_consented_item():
    s = staffed()
    w = s.world
    body = make_body(w, "jusou", "consented_conference", [CONSENTED], member_selection="per_case")
    m = sitting(body, starts=dt.timedelta(days=3))
    consent_for_conference(w, [w.orgs["team"]])
    item = actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=w.case,
        purpose="plan",
        minutes=20,
        function=CONSENTED,
        organizations=[w.orgs["team"]],
    )
    assert list(visible_items(s.team)) == [item]
    from tsunagu.cases import actions as case_actions
    from tsunagu.cases.models import Consent

    for c in Consent.objects.filter(case=w.case, withdrawn_at__isnull=True):
        case_actions.withdraw_consent(actor=w.coordinator, consent=c, note="撤回")
    later = timezone.now() + dt.timedelta(seconds=1)
    assert list(visible_items(s.team, at=later)) == []
