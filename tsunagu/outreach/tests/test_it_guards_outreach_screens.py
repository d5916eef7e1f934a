"""Every outreach screen: anonymous → login, another city → 404, off the team → 404 (not even a count),
roles without casework → 403, permitted → the page, audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.outreach.models import Contact, Engagement

from .helpers import contact, make_world, open_engagement

pytestmark = pytest.mark.django_db


def _urls(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("outreach:detail", args=[pk])),
        ("get", reverse("outreach:identify", args=[pk])),
        ("post", reverse("outreach:contact", args=[pk])),
        ("post", reverse("outreach:workers", args=[pk])),
        ("post", reverse("outreach:close", args=[pk])),
    ]


def test_anonymous_goes_to_login():
    world = make_world()
    e = open_engagement(world)
    for method, url in [*_urls(e.pk), ("get", reverse("outreach:list")), ("get", reverse("outreach:new"))]:
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("who", ["worker_b", "off_team"])
def test_other_city_and_off_team_get_404_and_change_nothing(who):
    world = make_world()
    e = open_engagement(world)
    contact(world, e, ago=1)
    staff = world.worker_b if who == "worker_b" else world.off_team
    client = login_client(Client(), staff)
    for method, url in _urls(e.pk):
        assert getattr(client, method)(url, {"version": e.version}).status_code == 404, url
    assert Contact.objects.count() == 1
    listing = client.get(reverse("outreach:list"), {"view": "all"})
    assert listing.status_code == 200
    assert "隣家の高齢男性" not in listing.content.decode()
    assert [n for _k, _l, n in listing.context["tabs"]] == [0, 0, 0, 0]


@pytest.mark.parametrize("role", ["manager", "auditor", "administrator"])
def test_roles_without_casework_are_refused(role):
    world = make_world()
    e = open_engagement(world)
    client = login_client(Client(), getattr(world.a, role))
    assert client.get(reverse("outreach:list")).status_code == 403
    assert client.get(reverse("outreach:detail", args=[e.pk])).status_code == 403


@pytest.mark.parametrize("role", ["agency_worker", "coordinator"])
def test_the_running_organization_and_coordinators_read_it_and_it_is_audited(role):
    world = make_world()
    e = open_engagement(world)
    staff = getattr(world.a, role)
    client = login_client(Client(), staff)
    before = AuditEvent.objects.count()
    page = client.get(reverse("outreach:detail", args=[e.pk]))
    assert page.status_code == 200 and "隣家の高齢男性" in page.content.decode()
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert (
        event is not None
        and event.actor_id == staff.pk
        and ["outreach_engagement", e.pk] in event.objects_json
    )


def test_an_assigned_worker_of_another_organization_reads_it():
    world = make_world()
    e = open_engagement(world, workers=[world.off_team])
    client = login_client(Client(), world.off_team)
    assert client.get(reverse("outreach:detail", args=[e.pk])).status_code == 200
    assert client.get(reverse("outreach:list")).context["counts"]["mine"] == 1


def test_the_window_of_another_organization_does_not():
    world = make_world()
    e = open_engagement(world)
    client = login_client(Client(), world.a.window_worker)
    assert client.get(reverse("outreach:detail", args=[e.pk])).status_code == 404


def test_the_coordinators_list_puts_the_most_overdue_first_and_flags_it():
    world = make_world()
    on_time = open_engagement(world, started_ago=2, description="予定どおりの人")
    very_late = open_engagement(world, started_ago=90, description="とても途切れている人")
    late = open_engagement(world, started_ago=40, description="少し途切れている人")
    client = login_client(Client(), world.a.coordinator)
    page = client.get(reverse("outreach:list"))
    rows = [s.engagement.pk for s in page.context["page"].object_list]
    assert rows == [very_late.pk, late.pk, on_time.pk]
    text = page.content.decode()
    assert "途切れ 60日" in text and "途切れ 10日" in text
    lapsed = client.get(reverse("outreach:list"), {"view": "lapsed"})
    assert [s.engagement.pk for s in lapsed.context["page"].object_list] == [very_late.pk, late.pk]
    # A strange page number or view is no error.
    assert client.get(reverse("outreach:list"), {"view": "x", "page": "²"}).status_code == 200
    assert Engagement.objects.count() == 3
