"""The case page and the case list name the household by its head (世帯主, else its first member), as the
つなぎ依頼 list does — not by a bare number — and audit that person as read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.cases import actions
from tsunagu.intake.tests.helpers import record

from .helpers import make_world
from .pages import last_event, team_worker

pytestmark = pytest.mark.django_db


def test_the_case_page_names_the_household_by_its_head_and_audits_the_head(client):
    w = make_world()
    # The case's only named person is the household's other member, so the head appears only as its name.
    w.case.persons.set([w.p2])
    for staff in (w.coordinator, team_worker(w)):
        login_client(client, staff)
        page = client.get(reverse("cases:detail", args=[w.case.pk])).content.decode()
        assert f"{w.p1.full_name}さんの世帯" in page
        assert f"世帯 {w.household.pk}<" not in page
        event = last_event()
        assert ["person", w.p1.pk] in event.objects_json
        assert ["person", w.p2.pk] in event.objects_json


def test_the_case_list_names_each_household_by_its_head_and_audits_the_heads(client):
    w = make_world()
    c = record(w.city, w.city.window_worker, "consented")
    c.person.family_name, c.person.given_name = "高橋", "次郎"
    c.person.save(update_fields=["family_name", "given_name"])
    unnamed = actions.open_case(actor=w.coordinator, household=c.household, persons=[])
    login_client(client, w.coordinator)
    page = client.get(reverse("cases:list"), {"scope": "mine"}).content.decode()
    assert f"{w.p1.full_name}さんの世帯" in page
    assert f"{c.person.full_name}さんの世帯" in page
    event = last_event()
    assert event.action == "list"
    assert ["case", unnamed.pk] in event.objects_json
    assert ["person", c.person.pk] in event.objects_json
    # Another city's staff neither see the case nor learn the head's name.
    login_client(client, w.other.coordinator)
    page = client.get(reverse("cases:list"), {"scope": "all"}).content.decode()
    assert c.person.full_name not in page
