"""Who reads and records what: groups and sittings for every casework role and managers; needs only for
the running organization and 束ね役 until they become a consultation, then by the consultation's policy;
every view anonymous / other city (404) / not permitted / permitted; a need taken in through intake's
form keeps the link and shows on the household timeline."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.community import policy
from tsunagu.community.models import Sitting, SurfacedNeed
from tsunagu.intake.models import Consultation
from tsunagu.intake.tests.test_it_records_consultations import form_data

from .helpers import enrol, make_world, sit, surface

pytestmark = pytest.mark.django_db


def test_needs_are_read_by_the_running_organization_and_coordinators_only():
    world = make_world()
    c = world.city
    need = surface(world, sit(world))
    unrun = surface(world, sit(world, world.network))
    assert set(policy.visible_needs(c.agency_worker)) == {need}
    assert set(policy.visible_needs(c.coordinator)) == {need, unrun}
    for outsider in (c.window_worker, c.manager, c.auditor):
        assert not policy.visible_needs(outsider).exists()
    other = make_world(code="012025", name="別市")
    assert not policy.visible_needs(other.city.coordinator).exists()


def test_a_linked_need_follows_the_consultations_policy(client):
    world = make_world()
    c = world.city
    need = surface(world, sit(world))
    login_client(client, c.agency_worker)
    # Not consented: the consultation stays with the agency (its organization) and whatever intake widens.
    response = client.post(
        f"/community/needs/{need.pk}/intake/",
        form_data(c, sharing_consent="unconfirmed", person_choice="new"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    need.refresh_from_db()
    consultation = Consultation.objects.get()
    assert need.consultation == consultation and need.linked_at is not None
    assert consultation.organization == c.agency_org and consultation.household_id is not None
    # The coordinator no longer reads it: the consultation is the agency's own and not shared.
    assert not policy.visible_needs(c.coordinator).filter(pk=need.pk).exists()
    assert policy.visible_needs(c.agency_worker).filter(pk=need.pk).exists()
    # The household timeline's narrower read gives exactly the policy's rows of that household.
    household = consultation.household
    assert set(policy.visible_needs_of_household(c.agency_worker, household)) == {need}
    for staff in (c.agency_worker, c.coordinator, c.window_worker, c.manager, c.auditor):
        expected = policy.visible_needs(staff).filter(consultation__household=household)
        assert set(policy.visible_needs_of_household(staff, household)) == set(expected)
    # The household timeline of the agency worker shows the need (through the registry).
    page = client.get(f"/people/households/{consultation.household_id}/")
    assert "地域の気づき" in page.content.decode()
    assert AuditEvent.objects.filter(
        action="update", object_index__contains=f" community_need:{need.pk} "
    ).exists()


def test_taking_a_need_in_twice_is_refused_and_bad_input_saves_nothing(client):
    world = make_world()
    c = world.city
    need = surface(world, sit(world))
    login_client(client, c.agency_worker)
    bad = client.post(f"/community/needs/{need.pk}/intake/", form_data(c, received_at="2026-13-45T99:99"))
    assert bad.status_code == 200 and not Consultation.objects.exists()
    assert "何も保存していません" in bad.content.decode()
    client.post(f"/community/needs/{need.pk}/intake/", form_data(c))
    again = client.post(
        f"/community/needs/{need.pk}/intake/", form_data(c, submission_token=str(uuid.uuid4()))
    )
    assert "すでに相談として受け付けられています" in again.content.decode()
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/community/",
        "/community/groups/{group}/",
        "/community/sittings/{sitting}/",
        "/community/needs/{need}/",
        "/community/needs/{need}/intake/",
        "/community/points/",
        "/community/volunteers/{volunteer}/",
    ],
)
def test_every_page_anonymous_other_city_not_permitted_and_permitted(client, url):
    world = make_world()
    c = world.city
    sitting = sit(world, residents=5)
    ids = {
        "group": world.salon.pk,
        "sitting": sitting.pk,
        "need": surface(world, sitting).pk,
        "volunteer": enrol(world).pk,
    }
    path = url.format(**ids)
    assert client.get(path).status_code == 302  # anonymous → login
    other = make_world(code="012025", name="別市")
    login_client(client, other.city.coordinator)
    assert client.get(path).status_code == (
        200 if path == "/community/" or path == "/community/points/" else 404
    )
    login_client(client, c.auditor)
    assert client.get(path).status_code == 403
    login_client(client, c.agency_worker)
    assert client.get(path).status_code == 200
    if "needs" in path:
        login_client(client, c.window_worker)  # casework, but not the running organization
        assert client.get(path).status_code in (403, 404)


def test_recording_a_sitting_and_a_need_on_screen(client):
    world = make_world()
    c = world.city
    login_client(client, c.agency_worker)
    token = str(uuid.uuid4())
    data = {
        "submission_token": token,
        "held_on": "2025-06-01",
        "residents": "12",
        "professionals": "2",
        "topics": "茶話会",
    }
    response = client.post(f"/community/groups/{world.salon.pk}/sittings/", data)
    assert response.status_code == 302
    sitting = Sitting.objects.get(group=world.salon)
    assert (sitting.participants, sitting.area, sitting.place) == (14, world.area, "東コミュニティ・センター")
    client.post(f"/community/groups/{world.salon.pk}/sittings/", data)  # double submit
    assert Sitting.objects.filter(group=world.salon).count() == 1
    for bad in (
        {"residents": "²"},
        {"residents": "99999999999999999999"},
        {"held_on": "1899-01-01"},
        {"topics": "a\x00b"},
    ):
        r = client.post(
            f"/community/groups/{world.salon.pk}/sittings/",
            data | {"submission_token": str(uuid.uuid4())} | bad,
        )
        assert r.status_code == 400 and "何も保存していません" in r.content.decode(), bad
    assert Sitting.objects.filter(group=world.salon).count() == 1
    r = client.post(
        f"/community/sittings/{sitting.pk}/needs/",
        {"submission_token": str(uuid.uuid4()), "text": "最近見かけない方がいる", "urgency": "soon"},
    )
    assert r.status_code == 302 and SurfacedNeed.objects.get().area == world.area
    # Not the running organization: the window worker may not record at the salon.
    login_client(client, c.window_worker)
    r = client.post(
        f"/community/groups/{world.salon.pk}/sittings/", data | {"submission_token": str(uuid.uuid4())}
    )
    assert r.status_code == 403
