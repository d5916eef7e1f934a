"""Outreach actions and screens: open (description only), contacts, identify through people's search,
close with each outcome, double submits, stale edits, bad input (Japanese message, nothing changed),
名寄せ carrying the link, and the household timeline under the policy."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_person
from tsunagu.intake.models import EscalationRequest
from tsunagu.outreach import actions
from tsunagu.outreach.models import Contact, Engagement, EngagementStatus, Outcome
from tsunagu.people.actions import merge_persons
from tsunagu.people.timeline import timeline_page

from .helpers import contact, make_world, open_engagement, resident

pytestmark = pytest.mark.django_db


def test_a_description_is_enough_and_the_form_is_one_shot():
    world = make_world()
    client = login_client(Client(), world.a.agency_worker)
    token = str(uuid.uuid4())
    data = {
        "submission_token": token,
        "description": "隣家の高齢男性（80代くらい）",
        "reported_by": "neighbour",
        "purpose": "安否の確認",
        "started_on": "R8.4.1",
        "workers": [world.a.agency_worker.pk],
    }
    first = client.post(reverse("outreach:new"), data)
    again = client.post(reverse("outreach:new"), data)
    e = Engagement.objects.get()
    assert first["Location"] == again["Location"] == reverse("outreach:detail", args=[e.pk])
    assert e.person_id is None and e.business_line == "4" and e.started_on == dt.date(2026, 4, 1)
    assert e.organization_id == world.outreach_org.pk
    assert list(e.workers.values_list("staff_id", flat=True)) == [world.a.agency_worker.pk]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("started_on", "2999-01-01", "未来の日付"),
        ("started_on", "1899-01-01", "以降の日付"),
        ("started_on", "２０２６年²月", ""),
        ("description", "", "対象者の様子・呼び名を入力してください"),
        ("reported_by", "mayor", "把握のきっかけは一覧から"),
        ("workers", "99999999999999999999999", "担当者は一覧から"),
        ("next_contact_on", "2099-01-01", "以前の日付"),
    ],
)
def test_bad_input_on_the_new_form_changes_nothing(field, value, message):
    world = make_world()
    client = login_client(Client(), world.a.agency_worker)
    data = {
        "submission_token": str(uuid.uuid4()),
        "description": "隣家の高齢男性",
        "reported_by": "neighbour",
        "purpose": "安否の確認",
        "started_on": "2026-04-01",
        field: value,
    }
    page = client.post(reverse("outreach:new"), data)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert page.context["form"].errors
    assert not Engagement.objects.exists()


def test_a_nul_in_the_text_is_removed_not_an_error():
    world = make_world()
    e = open_engagement(world, description="隣の\x00人")
    assert e.description == "隣の人"


def test_recording_a_contact_sets_the_plan_once_and_refuses_stale_or_bad_input():
    world = make_world()
    e = open_engagement(world, started_ago=10)
    client = login_client(Client(), world.a.agency_worker)
    token = str(uuid.uuid4())
    today = timezone.localdate()
    data = {
        "version": e.version,
        "submission_token": token,
        "on": today.isoformat(),
        "method": "visit",
        "response": "absent",
        "note": "メモを投函",
        "next_contact_on": (today + dt.timedelta(days=7)).isoformat(),
    }
    assert client.post(reverse("outreach:contact", args=[e.pk]), data).status_code == 302
    assert client.post(reverse("outreach:contact", args=[e.pk]), data).status_code == 302  # double submit
    assert Contact.objects.count() == 1
    e.refresh_from_db()
    assert e.next_contact_on == today + dt.timedelta(days=7) and e.version == 2
    # The same form with a new token but the old version: refused, nothing written.
    stale = client.post(
        reverse("outreach:contact", args=[e.pk]), {**data, "submission_token": str(uuid.uuid4())}
    )
    assert stale.status_code == 400 and "別の職員が更新しました" in stale.content.decode()
    for bad in (
        {"on": (today + dt.timedelta(days=1)).isoformat()},
        {"on": (today - dt.timedelta(days=11)).isoformat()},  # before the start
        {"next_contact_on": (today - dt.timedelta(days=1)).isoformat()},  # before the contact
        {"response": "happy"},
        {"version": "²"},
    ):
        page = client.post(
            reverse("outreach:contact", args=[e.pk]),
            {**data, "version": e.version, "submission_token": str(uuid.uuid4()), **bad},
        )
        assert page.status_code == 400, bad
        assert Contact.objects.count() == 1
    e.refresh_from_db()
    assert e.version == 2


def test_identify_through_the_search_and_名寄せ_carries_the_link():
    world = make_world()
    person, household = resident(world)
    e = open_engagement(world)
    contact(world, e, ago=1)
    client = login_client(Client(), world.a.agency_worker)
    found = client.post(reverse("outreach:identify", args=[e.pk]), {"q": "すずき"})
    assert found.status_code == 200 and [h.person.pk for h in found.context["hits"]] == [person.pk]
    # An id outside the city or a junk id: refused.
    assert (
        client.post(
            reverse("outreach:identify", args=[e.pk]), {"version": e.version, "person": "²"}
        ).status_code
        == 400
    )
    chosen = client.post(
        reverse("outreach:identify", args=[e.pk]), {"version": e.version, "person": person.pk}
    )
    assert chosen.status_code == 302
    e.refresh_from_db()
    assert (e.person_id, e.household_id) == (person.pk, household.pk)
    # The household timeline shows the contact to the running organization, not to the window.
    page = timeline_page(world.a.agency_worker, household)
    assert [entry.source for entry in page.entries] == ["outreach.contact"]
    assert not [
        x for x in timeline_page(world.a.window_worker, household).entries if x.source == "outreach.contact"
    ]
    duplicate = make_person(world.muni, family_name="鈴木", given_name="一郎")
    merge_persons(actor=world.a.coordinator, keep=duplicate, absorb=person, reason="同一人物")
    e.refresh_from_db()
    assert e.person_id == duplicate.pk


def test_close_with_each_outcome():
    world = make_world()
    today = timezone.localdate()
    agency = world.a.agency_worker

    def close(e, outcome, **kw):  # type: ignore[no-untyped-def]
        return actions.close_engagement(
            actor=agency,
            engagement=e,
            version=e.version,
            data=actions.CloseInput(outcome=outcome, closed_on=today, **kw),
        )

    connected = open_engagement(world)
    with pytest.raises(actions.OutreachError, match="つながった機関を選んでください"):
        close(connected, Outcome.CONNECTED)
    close(connected, Outcome.CONNECTED, organization=world.other_org)
    assert connected.outcome_organization_id == world.other_org.pk

    ended = open_engagement(world)
    with pytest.raises(actions.OutreachError, match="終了の理由"):
        close(ended, Outcome.ENDED)
    close(ended, Outcome.ENDED, note="転居")

    collaboration = open_engagement(world)
    with pytest.raises(actions.OutreachError, match="本人を特定してから"):
        close(collaboration, Outcome.COLLABORATION)
    person, household = resident(world)
    actions.identify_person(
        actor=agency, engagement=collaboration, version=collaboration.version, person=person
    )
    close(collaboration, Outcome.COLLABORATION, note="世帯に複数の課題")
    request = EscalationRequest.objects.get()
    assert (request.household_id, request.person_id) == (household.pk, person.pk)
    assert collaboration.escalation_request_id == request.pk

    participation = open_engagement(world)
    actions.identify_person(
        actor=agency, engagement=participation, version=participation.version, person=person
    )
    close(participation, Outcome.PARTICIPATION)

    assert set(Engagement.objects.values_list("status", flat=True)) == {EngagementStatus.CLOSED}
    with pytest.raises(actions.OutreachError, match="すでに終了"):
        close(ended, Outcome.ENDED, note="二度目")
    with pytest.raises(actions.OutreachError, match="終了したアウトリーチには"):
        contact(world, ended, ago=0)


def test_close_screen_refuses_bad_input_in_japanese():
    world = make_world()
    e = open_engagement(world)
    client = login_client(Client(), world.a.agency_worker)
    page = client.post(
        reverse("outreach:close", args=[e.pk]),
        {"version": e.version, "outcome": "ended", "closed_on": "2999-12-31", "note": "x"},
    )
    assert page.status_code == 400 and "未来の日付" in page.content.decode()
    page = client.post(
        reverse("outreach:close", args=[e.pk]),
        {"version": e.version, "outcome": "ended", "closed_on": "R8.4.1"},
    )
    e.refresh_from_db()
    assert e.status == EngagementStatus.ACTIVE


def test_workers_are_reassigned_and_only_casework_staff_of_the_city():
    world = make_world()
    e = open_engagement(world, workers=[world.a.agency_worker])
    with pytest.raises(actions.OutreachError, match="担当者は"):
        actions.assign_workers(
            actor=world.a.coordinator, engagement=e, version=e.version, workers=[world.worker_b]
        )
    actions.assign_workers(
        actor=world.a.coordinator, engagement=e, version=e.version, workers=[world.off_team]
    )
    assert list(e.workers.values_list("staff_id", flat=True)) == [world.off_team.pk]
