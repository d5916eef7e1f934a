"""The household page (people): members, relationships, and a timeline that other apps fill through the
registry — each entry filtered by its own app's policy, one audit row per page naming what was shown."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_organization, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.cases import actions as case_actions
from tsunagu.intake.models import Consultation
from tsunagu.intake.tests.helpers import make_city, record
from tsunagu.people.timeline import PAGE_SIZE, Cursor

pytestmark = pytest.mark.django_db


def url(household_id, **query):
    base = reverse("people:household", args=[household_id])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(event, kind):
    return {pk for k, pk in event.objects_json if k == kind}


def test_it_shows_the_timeline_newest_first_to_the_recording_organization(client):
    city = make_city()
    first = record(city, city.window_worker, "not_consented", minutes_ago=60, note="最初の相談")
    second = record(city, city.colleague, "not_consented", person=first.person, note="二回目の相談")
    login_client(client, city.window_worker)
    response = client.get(url(first.household_id))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("二回目の相談") < body.index("最初の相談")
    assert second.household_id == first.household_id


def test_the_old_intake_address_redirects_to_the_household_page(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    login_client(client, city.window_worker)
    response = client.get(reverse("intake:household", args=[c.household_id]))
    assert response.status_code == 302
    assert response["Location"] == url(c.household_id)


def test_it_hides_unconsented_records_from_other_organizations(client):
    city = make_city()
    secret = record(city, city.window_worker, "not_consented", note="同意のない相談")
    shared = record(city, city.window_worker, "consented", person=secret.person, note="共有に同意した相談")
    login_client(client, city.agency_worker)
    response = client.get(url(secret.household_id))
    body = response.content.decode()
    assert response.status_code == 200
    assert "共有に同意した相談" in body
    assert "同意のない相談" not in body
    assert "ほかに 1 件の記録があります" in body
    event = AuditEvent.objects.latest("seq")
    assert ["consultation", shared.pk] in event.objects_json
    assert ["consultation", secret.pk] not in event.objects_json


def test_it_returns_404_to_other_cities_and_for_missing_households(client):
    city = make_city()
    other = make_city(code="012025", name="別の市")
    c = record(city, city.window_worker, "consented")
    login_client(client, other.window_worker)
    assert client.get(url(c.household_id)).status_code == 404
    assert client.get(url(999999)).status_code == 404


@pytest.mark.parametrize("who", ["auditor", "manager"])
def test_it_refuses_roles_without_casework(client, who):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    login_client(client, getattr(city, who))
    assert client.get(url(c.household_id)).status_code == 403


def test_it_shows_no_data_when_the_audit_record_cannot_be_written(client):
    city = make_city()
    c = record(city, city.window_worker, "consented", note="見えてはいけない内容")
    login_client(client, city.window_worker)
    client.raise_request_exception = False
    with mock.patch("tsunagu.access.audit.AuditEvent.save", side_effect=RuntimeError("disk full")):
        response = client.get(url(c.household_id))
    assert response.status_code == 500
    assert "見えてはいけない内容" not in response.content.decode()


def test_break_glass_opens_every_record_of_the_household_for_its_duration(client):
    from tsunagu.access.actions import request_break_glass

    city = make_city()
    secret = record(city, city.window_worker, "not_consented", note="同意のない相談")
    login_client(client, city.agency_worker)
    page = url(secret.household_id)
    assert "同意のない相談" not in client.get(page).content.decode()
    request_break_glass(
        actor=city.agency_worker,
        obj_type="household",
        obj_id=secret.household_id,
        reason="本人が救急搬送され、服薬状況を至急確認する必要があるため",
    )
    assert "同意のない相談" in client.get(page).content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        login_client(client, city.agency_worker)
        assert "同意のない相談" not in client.get(page).content.decode()


def test_it_records_and_shows_family_relationships_of_household_members(client):
    from tsunagu.people.models import HouseholdMember, PersonRelationship

    city = make_city()
    c = record(city, city.window_worker, "consented")
    son = record(city, city.window_worker, "consented").person
    HouseholdMember.objects.filter(person=son).update(household=c.household, relationship="child")
    login_client(client, city.window_worker)
    add = reverse("people:add_relationship", args=[c.household_id])
    response = client.post(
        add, {"person_a": c.person.pk, "kind": "parent_of", "person_b": son.pk, "living_together": "on"}
    )
    assert response.status_code == 302
    rel = PersonRelationship.objects.get()
    assert (rel.person_a, rel.person_b, rel.kind, rel.living_together) == (c.person, son, "parent_of", True)
    body = client.get(url(c.household_id)).content.decode()
    assert "家族関係" in body and "の<strong>親</strong>" in body
    # The same person twice is refused with a Japanese message and nothing is written.
    client.post(add, {"person_a": son.pk, "kind": "sibling_of", "person_b": son.pk})
    assert PersonRelationship.objects.count() == 1


def test_it_refuses_relationships_with_persons_outside_the_household(client):
    from tsunagu.people.models import PersonRelationship

    city = make_city()
    c = record(city, city.window_worker, "consented")
    stranger = record(city, city.window_worker, "consented").person
    login_client(client, city.window_worker)
    add = reverse("people:add_relationship", args=[c.household_id])
    client.post(add, {"person_a": c.person.pk, "kind": "spouse_of", "person_b": stranger.pk})
    assert not PersonRelationship.objects.exists()


# ---- paging ----------------------------------------------------------------------------------------


def _many(city, n, *, same_moment=0):
    """n consultations of one household a minute apart, oldest first; the newest `same_moment` of them
    share one timestamp (so a page boundary can fall among equal times)."""
    first = record(city, city.window_worker, "not_consented", note="相談-0000")
    made = [first]
    for i in range(1, n):
        made.append(
            record(city, city.window_worker, "not_consented", person=first.person, note=f"相談-{i:04d}")
        )
    now = timezone.now().replace(microsecond=0)
    for i, c in enumerate(made):
        at = now if i >= n - same_moment else now - dt.timedelta(minutes=n - i)
        Consultation.objects.filter(pk=c.pk).update(received_at=at)
    return made


def test_a_long_timeline_pages_newest_first_without_gaps_or_repeats(client):
    city = make_city()
    # 65 entries, the newest 35 at the same moment: the first page boundary falls among equal times.
    made = _many(city, 2 * PAGE_SIZE + 5, same_moment=PAGE_SIZE + 5)
    expected = list(
        Consultation.objects.filter(pk__in=[c.pk for c in made])
        .order_by("-received_at", "-pk")
        .values_list("pk", flat=True)
    )
    notes = {c.pk: c.note for c in made}
    login_client(client, city.window_worker)
    seen: list[int] = []
    page_url = url(made[0].household_id)
    pages = 0
    while page_url:
        before = AuditEvent.objects.count()
        response = client.get(page_url)
        assert response.status_code == 200
        events = list(AuditEvent.objects.order_by("seq")[before:])
        assert len(events) == 1, "one audit row per page"
        body = response.content.decode()
        on_page = sorted((body.index(note), pk) for pk, note in notes.items() if note in body)
        # The audit row names exactly the consultations shown on this page, no more.
        assert shown(events[0], "consultation") == {pk for _, pk in on_page}
        assert 0 < len(on_page) <= PAGE_SIZE
        seen += [pk for _, pk in on_page]
        pages += 1
        if "さらに前の記録を表示" in body:
            marker = "?before="
            start = body.index(marker, body.index("さらに前の記録を表示") - 200)
            cursor = body[start + len(marker) : body.index("#timeline", start)]
            page_url = url(made[0].household_id, before=cursor)
        else:
            page_url = ""
    assert pages == 3
    assert seen == expected, "every consultation exactly once, newest first across pages"


def test_the_first_page_shows_the_newest_and_offers_more(client):
    city = make_city()
    made = _many(city, PAGE_SIZE + 3)
    login_client(client, city.window_worker)
    body = client.get(url(made[0].household_id)).content.decode()
    assert "相談-0000" not in body  # the oldest is on page 2
    assert f"相談-{PAGE_SIZE + 2:04d}" in body
    assert "さらに前の記録を表示" in body


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "1~nosuchsource~1",
        "9" * 40 + "~intake.consultation~1",
        "1~intake.consultation~-4",
        "~~",
        "²~x~1",
    ],
)
def test_a_malformed_cursor_shows_the_first_page(client, cursor):
    city = make_city()
    c = record(city, city.window_worker, "consented", note="最初のページ")
    login_client(client, city.window_worker)
    response = client.get(url(c.household_id, before=cursor))
    assert response.status_code == 200
    assert "最初のページ" in response.content.decode()


def test_a_cursor_round_trips_exactly():
    at = dt.datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
    cursor = Cursor(at, "intake.consultation", 42)
    assert Cursor.decode(cursor.encode()) == cursor


# ---- entries from two apps ---------------------------------------------------------------------------


def test_case_events_join_the_timeline_only_for_staff_who_may_open_the_case(client):
    city = make_city()
    c = record(city, city.window_worker, "consented", minutes_ago=30, note="窓口での相談")
    case = case_actions.open_case(actor=city.coordinator, household=c.household, persons=[c.person])
    case_actions.transition(actor=city.coordinator, case=case, version=case.version, to="assessment")
    login_client(client, city.coordinator)
    body = client.get(url(c.household_id)).content.decode()
    assert "窓口での相談" in body  # intake's entry
    assert f"ケース {case.label}" in body and "多機関協働のケースを開始" in body  # cases' entries
    assert "受付 → アセスメント" in body
    assert body.index("受付 → アセスメント") < body.index("窓口での相談")  # newest first, across apps
    event = AuditEvent.objects.latest("seq")
    assert shown(event, "case") == {case.pk}
    assert len(shown(event, "case_transition")) == 2
    assert shown(event, "consultation") == {c.pk}

    # An agency worker off the case: the consented consultation yes; of the case only that one exists.
    login_client(client, city.agency_worker)
    body = client.get(url(c.household_id)).content.decode()
    assert "窓口での相談" in body
    assert case.label not in body and "多機関協働のケースを開始" not in body
    assert "進行中の多機関協働のケースがあります" in body
    event = AuditEvent.objects.latest("seq")
    assert not shown(event, "case") and not shown(event, "case_transition")


def test_a_consent_on_the_case_opens_unconsented_consultations_to_the_team(client):
    """The cross-app rule cases registers for intake's consultations, seen on the household page."""
    city = make_city()
    c = record(city, city.window_worker, "not_consented", note="同意のない相談")
    case = case_actions.open_case(actor=city.coordinator, household=c.household, persons=[c.person])
    team_org = make_organization(city.muni, name="障害者相談支援事業所")
    team_worker = make_staff(city.muni, Role.AGENCY_WORKER, team_org)
    case_actions.set_team_member(actor=city.coordinator, case=case, organization=team_org, role="cooperating")
    login_client(client, team_worker)
    assert "同意のない相談" not in client.get(url(c.household_id)).content.decode()
    case_actions.record_consent(
        actor=city.coordinator,
        case=case,
        data=case_actions.ConsentInput(
            given_by=c.person,
            persons=[c.person],
            organizations=[team_org],
            method="written",
            given_on=timezone.localdate(),
        ),
    )
    body = client.get(url(c.household_id)).content.decode()
    assert "同意のない相談" in body
    assert f"ケース {case.label}" in body


def test_the_first_page_draws_the_genogram_and_the_ecomap_of_cases_the_reader_may_open(client):
    city = make_city()
    c = record(city, city.window_worker, "consented", note="窓口での相談")
    case = case_actions.open_case(actor=city.coordinator, household=c.household, persons=[c.person])
    case_actions.set_team_member(actor=city.coordinator, case=case, organization=city.agency_org, role="lead")
    login_client(client, city.coordinator)
    body = client.get(url(c.household_id)).content.decode()
    assert "ジェノグラム" in body and "<svg" in body
    assert city.agency_org.name in body  # the case team around the household (ecomap)
    event = AuditEvent.objects.latest("seq")
    assert c.person_id in shown(event, "person")
    # An agency worker off the case sees the genogram but no team of a case it may not open.
    off_team = make_staff(city.muni, Role.AGENCY_WORKER, make_organization(city.muni, name="相談室あおば"))
    login_client(client, off_team)
    body = client.get(url(c.household_id)).content.decode()
    assert "ジェノグラム" in body
    assert city.agency_org.name not in body
