"""Participation screens per persona: anonymous → login, city B → 404, off the team → 404, the receiving
side sees only what concerns it and only with consent, the supporting side sees and works everything."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.participation import actions
from tsunagu.participation.models import Match, ReceiverReport, Stage, SupportRecord

from .helpers import consent, make_resource, make_world, move, open_record, propose, resident

pytestmark = pytest.mark.django_db


def _setup():  # type: ignore[no-untyped-def]
    world = make_world()
    person = resident(world, phone="090-1111-2222")
    record = open_record(
        world,
        person,
        goals=["ibasho"],
        activities=["料理"],
        wish="人と話したい",
        constraints_note="大きな音が苦手",
    )
    cafe = make_resource(world, "cafe", name="居場所カフェ", activities=["料理"])
    make_resource(world, "closed", name="休止中のサロン", active=False)
    match = propose(world, record, cafe)
    return world, record, match


def test_anonymous_goes_to_login(client):
    _world, record, match = _setup()
    for url in (
        reverse("participation:list"),
        reverse("participation:detail", args=[record.pk]),
        reverse("participation:received_detail", args=[match.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_city_and_off_team_get_404(client):
    world, record, match = _setup()
    for staff in (world.worker_b, world.off_team):
        c = login_client(client, staff)
        assert c.get(reverse("participation:detail", args=[record.pk])).status_code == 404
        assert c.get(reverse("participation:received_detail", args=[match.pk])).status_code == 404
        assert (
            c.post(
                reverse("participation:stage", args=[match.pk]),
                {"to_stage": "visit", "on": "2026-01-01", "version": 1},
            ).status_code
            == 404
        )
        # City B cannot find the person; an off-team worker learns only that someone else holds the record.
        new = c.get(reverse("participation:new") + f"?person={record.person_id}")
        if staff == world.worker_b:
            assert new.status_code == 404
        else:
            text = new.content.decode()
            assert "既にほかの機関が担当しています" in text and "人と話したい" not in text
        page = c.get(reverse("participation:list"))
        assert page.status_code == 200 and "鈴木" not in page.content.decode()
    match.refresh_from_db()
    assert match.stage == Stage.PROPOSED


def test_managers_and_auditors_are_not_permitted(client):
    world, record, _ = _setup()
    for staff in (world.a.manager, world.a.auditor):
        assert (
            login_client(client, staff).get(reverse("participation:detail", args=[record.pk])).status_code
            == 403
        )


def test_the_supporting_worker_sees_the_ranking_with_reasons_and_what_was_left_out(client):
    world, record, _ = _setup()
    c = login_client(client, world.a.window_worker)
    before = AuditEvent.objects.count()
    html = c.get(reverse("participation:detail", args=[record.pk])).content.decode()
    assert "1位 居場所カフェ" in html
    assert (
        "なぜこの場所か" in html
        and "希望「居場所」に合う（居場所）" in html
        and "やりたいこと「料理」ができる" in html
    )
    assert "休止中のサロン" in html and "現在は活動していません（無効）" in html
    assert "人と話したい" in html and "大きな音が苦手" in html
    event = AuditEvent.objects.order_by("-seq")[0]
    assert AuditEvent.objects.count() == before + 1 and ["person", record.person_id] in event.objects_json


def test_the_coordinator_lists_by_stage_with_pages(client):
    world, _record, _match = _setup()
    c = login_client(client, world.a.coordinator)
    assert "鈴木" in c.get(reverse("participation:list") + "?stage=proposed").content.decode()
    assert "鈴木" not in c.get(reverse("participation:list") + "?stage=participating").content.decode()
    assert c.get(reverse("participation:list") + "?stage=bogus&page=%C2%B2").status_code == 200


def test_stage_change_screen_refuses_an_invalid_move_in_japanese(client):
    world, _record, match = _setup()
    c = login_client(client, world.a.window_worker)
    response = c.post(
        reverse("participation:stage", args=[match.pk]),
        {"to_stage": "interrupted", "on": timezone.localdate().isoformat(), "version": match.version},
        follow=True,
    )
    assert "「提案」から「中断」には進めません" in response.content.decode()
    response = c.post(
        reverse("participation:stage", args=[match.pk]),
        {"to_stage": "visit", "on": "令和９９年１月１日", "version": "²"},
        follow=True,
    )
    assert response.status_code == 200
    match.refresh_from_db()
    assert match.stage == Stage.PROPOSED


def test_the_receiving_side_sees_nothing_without_consent_and_only_its_part_with_it(client):
    world, record, match = _setup()
    agency = login_client(client, world.a.agency_worker)  # staff of the organization running the cafe
    url = reverse("participation:received_detail", args=[match.pk])
    assert agency.get(url).status_code == 404
    assert "鈴木" not in agency.get(reverse("participation:received")).content.decode()
    assert agency.get(reverse("participation:detail", args=[record.pk])).status_code == 404

    consent(world, record)  # name only
    html = agency.get(url).content.decode()
    assert "鈴木" in html and "提案" in html and "初回は同行します" in html
    assert "090-1111-2222" not in html and "本人の同意の範囲外" in html
    for secret in ("人と話したい", "大きな音が苦手", "料理", "居場所」に合う"):
        assert secret not in html
    assert agency.get(reverse("participation:detail", args=[record.pk])).status_code == 404

    consent(world, record, share_contact=True)
    assert "090-1111-2222" in agency.get(url).content.decode()
    event = AuditEvent.objects.order_by("-seq")[0]
    assert event.actor_id == world.a.agency_worker.pk and ["person", record.person_id] in event.objects_json

    response = agency.post(
        url,
        {
            "on": timezone.localdate().isoformat(),
            "attendance": "came",
            "observation": "楽しそうだった",
            "continuation": "yes",
            "token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    report = ReceiverReport.objects.get(match=match)
    assert (report.attendance, report.continuation, report.organization_id) == (
        "came",
        "yes",
        world.receiving_org.pk,
    )
    # The supporting side reads the report on the person's page.
    assert (
        "楽しそうだった"
        in login_client(client, world.a.window_worker)
        .get(reverse("participation:detail", args=[record.pk]))
        .content.decode()
    )

    # Withdrawn: nothing again.
    for c in record.consents.all():
        actions.withdraw_consent(actor=world.a.window_worker, consent=c)
    assert login_client(client, world.a.agency_worker).get(url).status_code == 404


def test_a_case_consent_naming_the_receiving_organization_opens_the_receiving_view(client):
    from tsunagu.cases.models import Case, Consent

    world, record, match = _setup()
    case = Case.objects.create(
        municipality=world.muni,
        number=1,
        household_id=record.household_id,
        coordinator=world.a.coordinator,
        opened_by=world.a.coordinator,
    )
    c = Consent.objects.create(
        municipality=world.muni,
        case=case,
        given_by=record.person,
        basis="self",
        method="written",
        given_on=timezone.localdate() - dt.timedelta(days=1),
        recorded_by=world.a.coordinator,
    )
    c.persons.add(record.person)
    c.organizations.add(world.receiving_org)
    html = (
        login_client(client, world.a.agency_worker)
        .get(reverse("participation:received_detail", args=[match.pk]))
        .content.decode()
    )
    assert "090-1111-2222" in html


def test_opening_a_record_from_a_person_and_bad_input_changes_nothing(client):
    world = make_world()
    person = resident(world, "高橋")
    c = login_client(client, world.a.window_worker)
    url = reverse("participation:new") + f"?person={person.pk}"
    assert c.get(url).status_code == 200
    bad = c.post(
        url,
        {
            "person": person.pk,
            "max_cost_yen": "３００",
            "origin_latitude": "35.6",
            "max_distance_km": "9" * 30,
        },
    )
    assert bad.status_code == 200 and not SupportRecord.objects.filter(person=person).exists()
    assert "出発地は緯度と経度の両方" in bad.content.decode()
    ok = c.post(
        url,
        {
            "person": person.pk,
            "goals": ["volunteer"],
            "weekdays": ["1", "3"],
            "languages": "日本語、英語",
            "max_cost_yen": "300",
        },
    )
    record = SupportRecord.objects.get(person=person)
    assert ok.status_code == 302 and record.weekdays == [1, 3] and record.languages == ["日本語", "英語"]
    assert c.get(url).status_code == 302  # one record per person: the second visit goes to it
    assert login_client(client, world.worker_b).get(url).status_code == 404


def test_propose_from_the_page_keeps_rank_and_explanation(client):
    world = make_world()
    record = open_record(world, goals=["ibasho"])
    cafe = make_resource(world, "cafe", name="居場所カフェ")
    far = make_resource(world, "far", name="遠いサロン", kind="salon", weekdays=[6])
    actions.update_needs(
        actor=world.a.window_worker,
        record=record,
        version=record.version,
        data=actions.NeedsInput(goals=["ibasho"], weekdays=[1]),
    )
    c = login_client(client, world.a.window_worker)
    c.post(
        reverse("participation:propose", args=[record.pk]),
        {"resource": cafe.pk, "proposed_on": timezone.localdate().isoformat()},
    )
    match = Match.objects.get(record=record)
    assert match.rank_at_proposal == 1 and "希望「居場所」に合う" in match.explanation
    response = c.post(
        reverse("participation:propose", args=[record.pk]),
        {"resource": far.pk, "proposed_on": timezone.localdate().isoformat()},
        follow=True,
    )
    assert "今の条件では候補に入っていません" in response.content.decode()
    assert Match.objects.filter(record=record).count() == 1


def test_closing_a_record_needs_every_match_ended_and_then_refuses_proposals(client):
    world, record, match = _setup()
    c = login_client(client, world.a.window_worker)
    url = reverse("participation:close", args=[record.pk])
    html = c.post(url, {"version": record.version}, follow=True).content.decode()
    assert "終了していないマッチングがあります" in html
    record.refresh_from_db()
    assert record.status == "active"
    actions.change_stage(
        actor=world.a.window_worker,
        match=match,
        version=match.version,
        to_stage=Stage.ENDED,
        on=timezone.localdate(),
    )
    assert "参加支援を終了しました" in c.post(url, {"version": record.version}, follow=True).content.decode()
    record.refresh_from_db()
    assert record.status == "closed"
    with pytest.raises(actions.ParticipationError, match="終了した参加支援には提案できません"):
        actions.propose(
            actor=world.a.window_worker,
            record=record,
            data=actions.ProposalInput(resource=match.resource, proposed_on=timezone.localdate()),
        )
    assert login_client(client, world.off_team).post(url, {"version": record.version}).status_code == 404


def test_the_receiving_side_lists_by_stage_with_pages(client, monkeypatch):
    from tsunagu.participation import views

    world, record, cafe_match = _setup()
    salon = propose(world, record, make_resource(world, "salon", name="ふれあいサロン"), ago=5)
    farm = propose(world, record, make_resource(world, "farm", name="市民農園"), ago=3)
    move(world, salon, Stage.PARTICIPATING, ago=1)
    move(world, farm, Stage.ENDED, ago=1)
    consent(world, record)
    agency = login_client(client, world.a.agency_worker)
    url = reverse("participation:received")

    def shown(query: str = "") -> list[str]:
        html = agency.get(url + query).content.decode()
        return [n for n in ("居場所カフェ", "ふれあいサロン", "市民農園") if n in html]

    # By default what is still going on: the ended match is left out, and only what is shown is audited.
    assert shown() == ["居場所カフェ", "ふれあいサロン"]
    event = AuditEvent.objects.order_by("-seq")[0]
    assert sorted(pk for kind, pk in event.objects_json if kind == "match") == sorted(
        [cafe_match.pk, salon.pk]
    )
    assert shown("?stage=participating") == ["ふれあいサロン"]
    assert shown("?stage=ended") == ["市民農園"]
    assert shown("?stage=") == ["居場所カフェ", "ふれあいサロン", "市民農園"]
    assert shown("?stage=bogus") == ["居場所カフェ", "ふれあいサロン"]  # an unknown stage: the default
    html = agency.get(url + "?stage=visit").content.decode()
    assert "この段階の受け入れはありません。" in html and '<option value="visit" selected>' in html

    # Pages keep the filter: one a page, the newest proposal first, a bad page number is page 1.
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    html = agency.get(url + "?stage=&page=2").content.decode()
    assert "ふれあいサロン" in html and "市民農園" not in html and "居場所カフェ" not in html
    assert "全 3件のうち 2件目" in html and "?stage=&amp;page=3" in html
    assert "市民農園" in agency.get(url + "?stage=&page=%C2%B2").content.decode()
