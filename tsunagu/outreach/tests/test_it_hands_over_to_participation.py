"""参加支援へ is a hand-over, not just an outcome: once an engagement about an identified person closes with it,
the engagement page offers 「参加支援を始める」, and following it opens participation's form for that person
(participation checks the person and its own rules again)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_person
from tsunagu.outreach import actions
from tsunagu.outreach.models import Outcome
from tsunagu.participation.models import SupportRecord

from .helpers import contact, make_world, open_engagement, resident

pytestmark = pytest.mark.django_db

LINK = "参加支援を始める"


def _close_on_screen(client: Client, engagement_id: int, version: int, outcome: str, **extra: str) -> None:
    response = client.post(
        reverse("outreach:close", args=[engagement_id]),
        {"version": version, "outcome": outcome, "closed_on": timezone.localdate().isoformat(), **extra},
    )
    assert response.status_code == 302, response.content.decode()


def test_closing_with_participation_offers_the_participation_form_for_that_person():
    world = make_world()
    person, _household = resident(world)
    agency = world.a.agency_worker
    e = open_engagement(world)
    contact(world, e, ago=1, response="rapport")
    e = actions.identify_person(actor=agency, engagement=e, version=e.version, person=person)
    client = login_client(Client(), agency)
    detail = reverse("outreach:detail", args=[e.pk])
    assert LINK not in client.get(detail).content.decode()  # still active: nothing to hand over yet

    _close_on_screen(client, e.pk, e.version, Outcome.PARTICIPATION, note="居場所を探したい")
    page = client.get(detail)
    href = reverse("participation:new") + f"?person={person.pk}"
    assert LINK in page.content.decode() and href in page.content.decode()

    form = client.get(href)
    assert form.status_code == 200
    assert form.context["person"] == person and "参加支援" in form.content.decode()
    opened = client.post(href, {"person": person.pk, "goals": ["ibasho"], "weekdays": ["2"]})
    assert opened.status_code == 302
    record = SupportRecord.objects.get(person=person)
    assert opened["Location"] == reverse("participation:detail", args=[record.pk])
    # Following the link again goes to the record now held, not to a second one.
    assert client.get(href)["Location"] == reverse("participation:detail", args=[record.pk])


def test_no_hand_over_without_an_identified_person_or_with_another_outcome():
    world = make_world()
    agency = world.a.agency_worker
    client = login_client(Client(), agency)
    unnamed = open_engagement(world)
    refused = client.post(
        reverse("outreach:close", args=[unnamed.pk]),
        {"version": unnamed.version, "outcome": Outcome.PARTICIPATION, "closed_on": timezone.localdate()},
    )
    assert refused.status_code == 400 and "本人を特定してから" in refused.content.decode()
    assert LINK not in refused.content.decode()

    person, _household = resident(world)
    ended = open_engagement(world)
    ended = actions.identify_person(actor=agency, engagement=ended, version=ended.version, person=person)
    _close_on_screen(client, ended.pk, ended.version, Outcome.ENDED, note="転居")
    assert LINK not in client.get(reverse("outreach:detail", args=[ended.pk])).content.decode()


def test_the_participation_form_refuses_a_person_of_another_city():
    world = make_world()
    muni_b = world.worker_b.municipality
    assert muni_b is not None
    stranger = make_person(muni_b, family_name="他市", given_name="太郎")
    client = login_client(Client(), world.a.agency_worker)
    assert client.get(reverse("participation:new") + f"?person={stranger.pk}").status_code == 404
    assert client.get(reverse("participation:new") + "?person=²").status_code == 200  # the picker again
    assert not SupportRecord.objects.exists()
