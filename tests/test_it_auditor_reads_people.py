"""Auditor screens a person can read (issue 8 A9): 和暦 times, Japanese role names, records described by
whose they are (世帯「山田」No.14), a person found by name and their trail read, emergency access asked
for by finding the person rather than typing an internal id — and every name shown is itself recorded."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tsunagu.access import actions, audit
from tsunagu.access.models import AuditEvent, BreakGlassGrant
from tsunagu.core.wareki import wareki

from .factories import login_client, make_household, make_person, make_personas, make_staff

pytestmark = pytest.mark.django_db
URL = "/access/audit/"
REASON = "本人と連絡がとれず、安否確認のため緊急に世帯状況を確認する必要がある"


@pytest.fixture
def p():
    personas = make_personas()
    personas.hanako = make_person(
        personas.city_a,
        "山田",
        "花子",
        family_kana="ヤマダ",
        given_kana="ハナコ",
        birth_date=dt.date(1948, 3, 3),
    )
    personas.household = make_household(personas.city_a, (personas.hanako, "head"))
    personas.other = make_person(personas.city_a, "鈴木", "一郎", family_kana="スズキ", given_kana="イチロウ")
    personas.other_household = make_household(personas.city_a, (personas.other, "head"))
    return personas


def _last_list_by(staff) -> AuditEvent:
    return AuditEvent.objects.filter(actor=staff, action="list").latest("seq")


def test_the_log_reads_in_japanese_and_names_whose_records(client, p):
    audit.record(
        actor=p.window_worker, action="view", objects=[("household", p.household.pk)], reason="相談の確認"
    )
    login_client(client, p.auditor)
    body = client.get(URL).content.decode()
    row = body.split("相談の確認")[0].rsplit("<tr>", 1)[1]
    assert f"世帯「山田」No.{p.household.pk}" in row
    assert f"household:{p.household.pk}" not in row
    assert "相談員（窓口）" in row and "window_worker" not in row
    assert wareki(timezone.localdate()) in row  # 令和…年…月…日, not 2026-12-02
    # Showing the name is itself recorded: the auditor's read names the household it described.
    assert ["household", p.household.pk] in _last_list_by(p.auditor).objects_json


def test_the_auditor_finds_a_person_by_name_and_reads_their_trail(client, p):
    audit.record(actor=p.window_worker, action="view", objects=[("person", p.hanako.pk)], reason="本人の閲覧")
    audit.record(
        actor=p.coordinator, action="view", objects=[("household", p.household.pk)], reason="世帯の閲覧"
    )
    audit.record(
        actor=p.coordinator, action="view", objects=[("household", p.other_household.pk)], reason="他人"
    )
    login_client(client, p.auditor)
    body = client.get(URL, {"q": "やまだ はなこ"}).content.decode()
    assert "山田\u3000花子" in body and "昭和23年3月3日生" in body
    assert f'href="?person={p.hanako.pk}"' in body
    assert f"世帯「山田」No.{p.household.pk}" in body
    search_row = _last_list_by(p.auditor)
    assert ["person", p.hanako.pk] in search_row.objects_json
    assert "やまだ" not in str(search_row.detail)  # what the auditor typed is a name: not kept
    body = client.get(URL, {"person": p.hanako.pk}).content.decode()
    assert "本人の閲覧" in body and "世帯の閲覧" in body and "他人" not in body
    assert f"本人「山田\u3000花子」No.{p.hanako.pk} の記録" in body


def test_an_unknown_name_finds_nobody_and_bad_input_is_a_message(client, p):
    login_client(client, p.auditor)
    body = client.get(URL, {"q": "存在しない名前"}).content.decode()
    assert "当てはまる人は見つかりません" in body
    response = client.get(URL, {"q": "やまだ", "birth": "1800-01-01"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    for bad in ("３", "9" * 40, "-1", "x"):
        assert client.get(URL, {"person": bad}).status_code == 200


def test_the_log_pages_by_sequence_and_counts_only_its_city(client, p):
    for i in range(130):
        audit.record(
            actor=p.window_worker, action="view", objects=[("person", p.hanako.pk)], reason=f"閲覧{i:03d}"
        )
    audit.record(actor=p.worker_b, action="view", objects=[("person", 1)], reason="B市")
    login_client(client, p.auditor)
    total = AuditEvent.objects.filter(municipality=p.city_a).count()
    first = client.get(URL).content.decode()
    assert f"{total}件（新しい順に 100件を表示）" in first
    assert "閲覧129" in first and "閲覧000" not in first and "B市" not in first
    older = re.search(r'href="\?after=(\d+)" rel="next"', first)
    assert older
    second = client.get(URL, {"after": older.group(1)}).content.decode()
    assert "閲覧000" in second and "閲覧129" not in second
    newer = re.search(r'href="\?before=(\d+)" rel="prev"', second)
    assert newer and "閲覧129" in client.get(URL, {"before": newer.group(1)}).content.decode()
    # A cursor past the oldest row shows the last page; a malformed one the first; never a 500.
    assert "閲覧000" in client.get(URL, {"after": "1"}).content.decode()
    for bad in ("３", "9" * 40, "abc", "-3"):
        response = client.get(URL, {"after": bad, "before": bad})
        assert response.status_code == 200 and "閲覧129" in response.content.decode()


def test_emergency_access_is_asked_for_by_finding_the_person(client, p):
    login_client(client, p.agency_worker)
    body = client.get("/access/break-glass/", {"q": "やまだ"}).content.decode()
    assert "山田\u3000花子" in body
    assert f'value="household:{p.household.pk}"' in body and f"世帯「山田」No.{p.household.pk}" in body
    assert ["person", p.hanako.pk] in _last_list_by(p.agency_worker).objects_json  # the names shown
    response = client.post(
        "/access/break-glass/", {"q": "やまだ", "target": f"household:{p.household.pk}", "reason": REASON}
    )
    assert response.status_code == 302
    grant = BreakGlassGrant.objects.get()
    assert (grant.obj_type, grant.obj_id, grant.staff) == ("household", p.household.pk, p.agency_worker)
    # The auditor's review names the household and the requester's role in Japanese.
    login_client(client, p.auditor)
    body = client.get("/access/break-glass/review/").content.decode()
    assert f"世帯「山田」No.{p.household.pk}" in body and "関係機関職員" in body


@pytest.mark.parametrize(
    "target", ["", "household:", "household:３", "household:" + "9" * 40, "staff:1", "x"]
)
def test_a_target_not_chosen_from_the_search_changes_nothing(client, p, target):
    login_client(client, p.coordinator)
    response = client.post("/access/break-glass/", {"target": target, "reason": REASON})
    assert response.status_code == 200 and 'class="error' in response.content.decode()
    assert not BreakGlassGrant.objects.exists()


def test_another_citys_person_is_not_found_nor_openable(client, p):
    b_person = make_person(p.city_b, "山田", "次郎")
    b_household = make_household(p.city_b, (b_person, "head"))
    login_client(client, p.coordinator)
    body = client.get("/access/break-glass/", {"q": "山田"}).content.decode()
    assert "次郎" not in body
    response = client.post(
        "/access/break-glass/", {"target": f"household:{b_household.pk}", "reason": REASON}
    )
    assert "対象が見つかりません" in response.content.decode()
    auditor_b = make_staff(p.city_b, "auditor", p.org_b)
    login_client(client, auditor_b)
    assert "花子" not in client.get(URL, {"q": "山田"}).content.decode()


def test_own_grants_are_described(client, p):
    actions.request_break_glass(
        actor=p.coordinator, obj_type="household", obj_id=p.household.pk, reason=REASON
    )
    login_client(client, p.coordinator)
    body = client.get("/access/break-glass/").content.decode()
    assert f"世帯「山田」No.{p.household.pk}" in body


def test_the_review_list_pages_with_unreviewed_grants_first(client, p, monkeypatch):
    from tsunagu.access import views as access_views

    monkeypatch.setattr(access_views, "REVIEW_PAGE_SIZE", 2)
    reviewed = actions.request_break_glass(
        actor=p.coordinator, obj_type="household", obj_id=p.household.pk, reason=REASON
    )
    actions.review_break_glass(actor=p.auditor, grant=reviewed, outcome="appropriate", note="")
    for _ in range(2):
        actions.request_break_glass(
            actor=p.window_worker, obj_type="household", obj_id=p.other_household.pk, reason=REASON
        )
    login_client(client, p.auditor)
    first = client.get("/access/break-glass/review/").content.decode()
    assert "全 3件のうち 1〜2件目" in first
    assert first.count('class="pending"') == 2  # the unreviewed ones come first, on every database
    last = client.get("/access/break-glass/review/", {"page": "５"}).content.decode()  # not a page number
    assert "全 3件のうち 1〜2件目" in last
    last = client.get("/access/break-glass/review/", {"page": "5"}).content.decode()
    assert "全 3件のうち 3件目" in last and 'class="pending"' not in last


def test_staff_targets_are_named_too(client, p):
    audit.record(actor=p.administrator, action="role_changed", objects=[("staff", p.window_worker.pk)])
    login_client(client, p.auditor)
    body = client.get(URL, {"action": "role_changed"}).content.decode()
    assert f"職員「テスト職員」({p.window_worker.username})" in body
