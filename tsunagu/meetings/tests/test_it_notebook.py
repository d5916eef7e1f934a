"""The 連絡帳 per persona: anonymous → login; another city, off the team, a member not selected for the item
→ the same 404 and no thread, post or count anywhere; the team reads and posts, with 既読 and unread
counts; a 支援会議 item's thread only after 守秘義務 and inside the follow-up window; posts never change
(corrections append); bad input and double submits change nothing; every read and write is audited."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.meetings import actions, notebook
from tsunagu.meetings.models import AgendaItem
from tsunagu.meetings.notebook_models import NotebookLink, NotebookPost, NotebookRead, PostKind

from .helpers import make_body, sitting, staffed

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _setup(*, starts: dt.timedelta = dt.timedelta(hours=-1)):
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "scrum",
        "confidential_conference",
        ["confidential_conference"],
        member_selection="per_case",
        name="スクラムネット",
        follow_up_days=30,
    )
    m = sitting(body, starts=starts)
    item = AgendaItem.objects.create(
        municipality=w.city.muni,
        meeting=m,
        case=w.case,
        purpose="roles",
        minutes=20,
        legal_function="confidential_conference",
        proposed_by=w.coordinator,
    )
    item.organizations.set([w.orgs["unnamed"]], through_defaults={"municipality_id": item.municipality_id})
    actions.invite(actor=w.coordinator, meeting=m, staff=s.withdrawn)  # invited, but not for this case
    return s, m, item


def _form(body: str = "訪問しました。", kind: str = PostKind.UPDATE, **extra: object) -> dict[str, object]:
    return {"kind": kind, "body": body, "submission_token": str(uuid.uuid4()), **extra}


def _case_url(s) -> str:
    return reverse("meetings:notebook_case", args=[s.world.case.pk])


def _item_url(item) -> str:
    return reverse("meetings:notebook_item", args=[item.pk])


def test_anonymous_is_sent_to_login(client):
    s, _m, item = _setup()
    for url in (reverse("meetings:notebook"), _case_url(s), _item_url(item)):
        r = client.get(url)
        assert r.status_code == 302 and "login" in r["Location"]
    assert client.post(_case_url(s), _form()).status_code == 302
    assert not NotebookPost.objects.exists()


def test_the_team_posts_and_the_coordinator_sees_one_unread_until_opened(client):
    s, _m, _item = _setup()
    login_client(client, s.team)
    r = client.post(_case_url(s), _form("ご家族から相談がありました。"), follow=True)
    assert r.status_code == 200 and "投稿しました" in r.content.decode()
    post = NotebookPost.objects.get()
    assert (post.author, post.organization, post.kind) == (s.team, s.world.orgs["team"], PostKind.UPDATE)
    event = AuditEvent.objects.filter(actor_id=s.team.pk, action="create").latest("seq")
    assert ["notebook_post", post.pk] in event.objects_json

    login_client(client, s.world.coordinator)
    inbox = client.get(reverse("meetings:notebook")).content.decode()
    assert f"ケース {s.world.case.label}" in inbox and "未読 1件" in inbox
    page = client.get(_case_url(s)).content.decode()
    assert "ご家族から相談がありました。" in page and s.world.orgs["team"].name in page
    assert "未読 1件" not in client.get(reverse("meetings:notebook")).content.decode()
    assert NotebookRead.objects.get(staff=s.world.coordinator).post == post
    # The author sees who has read their post.
    login_client(client, s.team)
    assert f"既読: {s.world.coordinator}" in client.get(_case_url(s)).content.decode()
    assert AuditEvent.objects.filter(
        actor_id=s.world.coordinator.pk, view_name="meetings:notebook_case", action="view"
    ).exists()


def test_other_city_and_off_team_get_404_and_no_count(client):
    s, _m, item = _setup()
    # `unnamed` is selected for the item but has not acknowledged 守秘義務; the others are not selected.
    notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, s.world.case.pk),
        data=notebook.PostInput(kind="update", body="秘密の連絡", submission_token=uuid.uuid4()),
    )
    notebook.post(
        actor=s.world.coordinator,
        place=notebook.item_place(s.world.coordinator, item.pk),
        data=notebook.PostInput(kind="update", body="議題の連絡", submission_token=uuid.uuid4()),
    )
    post = NotebookPost.objects.get(body="秘密の連絡")
    for outsider in (s.world.other.coordinator, s.unnamed, s.off, s.withdrawn):
        login_client(client, outsider)
        assert client.get(_case_url(s)).status_code == 404
        assert client.post(_case_url(s), _form()).status_code == 404
        assert client.get(_item_url(item)).status_code == 404
        assert client.get(reverse("meetings:notebook_attachment", args=[post.pk])).status_code == 404
        assert client.get(reverse("meetings:notebook_to_agenda", args=[post.pk])).status_code in (403, 404)
        inbox = client.get(reverse("meetings:notebook")).content.decode()
        assert s.world.case.label not in inbox and "未読" not in inbox.split("<tbody>")[1]
        assert "表示できる連絡帳はありません" in inbox
    # A missing case answers the same.
    login_client(client, s.team)
    assert client.get(reverse("meetings:notebook_case", args=[10**9])).status_code == 404
    assert NotebookPost.objects.count() == 2


def test_the_household_page_shows_the_thread_only_to_readers(client):
    s, _m, _item = _setup()
    notebook.post(
        actor=s.world.coordinator,
        place=notebook.case_place(s.world.coordinator, s.world.case.pk),
        data=notebook.PostInput(kind="update", body="連絡", submission_token=uuid.uuid4()),
    )
    url = reverse("people:household", args=[s.world.household.pk])
    login_client(client, s.team)
    page = client.get(url).content.decode()
    assert 'id="notebook-panel"' in page and "未読 1件" in page
    login_client(client, s.unnamed)
    r = client.get(url)
    assert 'id="notebook-panel"' not in r.content.decode()


def test_a_confidential_item_thread_needs_the_duty_and_selection(client):
    s, m, item = _setup()
    # The team may open the case, but its organization was not selected for this item.
    login_client(client, s.team)
    assert client.get(_item_url(item)).status_code == 404
    # The selected member: nothing before acknowledging 守秘義務.
    login_client(client, s.unnamed)
    assert client.get(_item_url(item)).status_code == 404
    client.post(reverse("meetings:acknowledge", args=[m.pk]), {"agree": "on"})
    assert client.get(_item_url(item)).status_code == 200
    r = client.post(_item_url(item), _form("会議で出た宿題を確認しました。"), follow=True)
    assert "投稿しました" in r.content.decode()
    event = AuditEvent.objects.filter(actor_id=s.unnamed.pk, view_name="meetings:notebook_item").latest("seq")
    assert "第106条の6" in event.reason
    # Invited to the sitting but not for this case: nothing, even after acknowledging.
    login_client(client, s.withdrawn)
    client.post(reverse("meetings:acknowledge", args=[m.pk]), {"agree": "on"})
    assert client.get(_item_url(item)).status_code == 404
    assert "会議で出た宿題" not in client.get(reverse("meetings:notebook")).content.decode()
    # The case's thread does not show the item's posts.
    login_client(client, s.team)
    assert "会議で出た宿題" not in client.get(_case_url(s)).content.decode()


def test_the_item_thread_closes_after_the_follow_up_window(client):
    s, m, item = _setup(starts=dt.timedelta(days=-40))
    login_client(client, s.unnamed)
    # Acknowledged at the sitting; the body's 30-day window after it has ended.
    actions.acknowledge_duty(actor=s.unnamed, meeting=m)
    from tsunagu.meetings.models import Acknowledgement

    Acknowledgement.objects.filter(staff=s.unnamed).update(acknowledged_at=m.starts_at)
    assert m.follow_up_until() < timezone.now()
    assert client.get(_item_url(item)).status_code == 404
    assert client.post(_item_url(item), _form()).status_code == 404
    assert not NotebookPost.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "本文を入力してください"),
        ("   \n ", "本文を入力してください"),
        ("あ" * 2001, "2000文字以内"),
        ("途中に\x00NUL", "使えない文字"),
    ],
)
def test_bad_input_gets_a_japanese_message_and_changes_nothing(client, body, message):
    s, _m, _item = _setup()
    login_client(client, s.team)
    r = client.post(_case_url(s), _form(body))
    assert r.status_code == 200 and message in r.content.decode()
    assert not NotebookPost.objects.exists()


def test_bad_kind_token_and_reference_change_nothing(client):
    s, _m, _item = _setup()
    login_client(client, s.team)
    for data in (
        _form(kind="edit"),
        {**_form(), "submission_token": "not-a-uuid"},
        _form(kind=PostKind.ANSWER),
        _form(kind=PostKind.ANSWER, refers_to="²"),
        _form(kind=PostKind.CORRECTION, refers_to="99999999999999999999999"),
    ):
        r = client.post(_case_url(s), data)
        assert r.status_code == 200 and "何も保存していません" in r.content.decode()
    assert not NotebookPost.objects.exists()


def test_a_double_submit_writes_one_post(client):
    s, _m, _item = _setup()
    login_client(client, s.team)
    data = _form("一度だけ")
    client.post(_case_url(s), data)
    client.post(_case_url(s), data)
    assert NotebookPost.objects.filter(body="一度だけ").count() == 1


def test_corrections_append_and_only_the_author_corrects(client):
    s, _m, _item = _setup()
    place = notebook.case_place(s.team, s.world.case.pk)
    original = notebook.post(
        actor=s.team,
        place=place,
        data=notebook.PostInput(kind="update", body="面談は10日です。", submission_token=uuid.uuid4()),
    )
    # Another reader cannot correct someone else's post.
    with pytest.raises(notebook.NotebookError):
        notebook.post(
            actor=s.world.coordinator,
            place=notebook.case_place(s.world.coordinator, s.world.case.pk),
            data=notebook.PostInput(
                kind="correction", body="17日です", submission_token=uuid.uuid4(), refers_to=original.pk
            ),
        )
    login_client(client, s.team)
    client.post(_case_url(s), _form("面談は17日です。", kind=PostKind.CORRECTION, refers_to=original.pk))
    original.refresh_from_db()
    assert original.body == "面談は10日です。"
    correction = NotebookPost.objects.get(kind=PostKind.CORRECTION)
    assert correction.refers_to == original
    page = client.get(_case_url(s)).content.decode()
    assert "この投稿には訂正があります" in page and f"No.{original.pk} の訂正" in page


def test_an_answer_names_a_question(client):
    s, _m, _item = _setup()
    update = notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, s.world.case.pk),
        data=notebook.PostInput(kind="update", body="連絡です", submission_token=uuid.uuid4()),
    )
    question = notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, s.world.case.pk),
        data=notebook.PostInput(kind="question", body="通所できますか", submission_token=uuid.uuid4()),
    )
    coord_place = notebook.case_place(s.world.coordinator, s.world.case.pk)
    with pytest.raises(notebook.NotebookError, match="回答する質問"):
        notebook.post(
            actor=s.world.coordinator,
            place=coord_place,
            data=notebook.PostInput(
                kind="answer", body="はい", submission_token=uuid.uuid4(), refers_to=update.pk
            ),
        )
    answer = notebook.post(
        actor=s.world.coordinator,
        place=coord_place,
        data=notebook.PostInput(
            kind="answer", body="はい", submission_token=uuid.uuid4(), refers_to=question.pk
        ),
    )
    assert answer.refers_to == question


def test_attachments_are_checked_by_content_and_served_only_to_readers(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s, _m, _item = _setup()
    login_client(client, s.team)
    fake = SimpleUploadedFile("山田さん.pdf", b"not a pdf", content_type="application/pdf")
    r = client.post(_case_url(s), {**_form(), "document": fake})
    assert "PDF・JPEG・PNG" in r.content.decode() and not NotebookPost.objects.exists()
    real = SimpleUploadedFile("山田さん.pdf", PDF, content_type="application/pdf")
    client.post(_case_url(s), {**_form("資料を添付します"), "document": real})
    post = NotebookPost.objects.get()
    assert post.document.name.endswith(".pdf") and "山田" not in post.document.name
    url = reverse("meetings:notebook_attachment", args=[post.pk])
    login_client(client, s.world.coordinator)
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(
        actor_id=s.world.coordinator.pk, view_name="meetings:notebook_attachment"
    ).exists()
    login_client(client, s.unnamed)
    assert client.get(url).status_code == 404


def test_the_coordinator_turns_a_post_into_an_agenda_item(client):
    s, _m, _item = _setup()
    w = s.world
    body = make_body(
        w,
        "core",
        "confidential_conference",
        ["confidential_conference"],
        name="コアメンバー会議",
        member_selection="per_case",
        members=[w.orgs["unnamed"]],
    )
    coming = sitting(body, starts=dt.timedelta(days=7))
    post = notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, w.case.pk),
        data=notebook.PostInput(
            kind="question", body="通所先の調整を会議で相談したい", submission_token=uuid.uuid4()
        ),
    )
    url = reverse("meetings:notebook_to_agenda", args=[post.pk])
    login_client(client, s.team)
    assert client.get(url).status_code == 403  # agency staff do not place items
    login_client(client, w.coordinator)
    assert "この投稿を議題にする" in client.get(_case_url(s)).content.decode()
    data = {"meeting": coming.pk, "function": "confidential_conference", "purpose": "roles", "minutes": "15"}
    data["organizations"] = [w.orgs["unnamed"].pk]
    r = client.post(url, {**data, "minutes": "²"})
    assert r.status_code == 200 and "半角数字" in r.content.decode()
    # The item's gate applies: this body carries no 重層的支援会議.
    r = client.post(url, {**data, "function": "consented_conference"})
    assert (
        "として検討できません" in r.content.decode()
        and not AgendaItem.objects.filter(meeting=coming).exists()
    )
    r = client.post(url, data)
    item = AgendaItem.objects.get(meeting=coming)
    assert r.status_code == 302 and item.question == "通所先の調整を会議で相談したい"
    assert NotebookLink.objects.get(post=post).item == item
    assert "議題にしました" in client.get(_case_url(s)).content.decode()
    r = client.post(url, data)
    assert "すでに" in r.content.decode() and AgendaItem.objects.filter(meeting=coming).count() == 1


def test_posts_page_through_and_the_inbox_filters_unread(client):
    s, _m, _item = _setup()
    place = notebook.case_place(s.team, s.world.case.pk)
    for i in range(35):
        notebook.post(
            actor=s.team,
            place=place,
            data=notebook.PostInput(kind="update", body=f"連絡{i:02d}番", submission_token=uuid.uuid4()),
        )
    login_client(client, s.world.coordinator)
    assert "未読 35件" in client.get(reverse("meetings:notebook") + "?unread=1").content.decode()
    first = client.get(_case_url(s)).content.decode()
    assert "連絡34番" in first and "連絡00番" not in first and "1 / 2 ページ" in first
    # Only the posts shown were marked read: the five older ones stay unread until their page is opened.
    assert "未読 5件" in client.get(reverse("meetings:notebook")).content.decode()
    assert "連絡34番" in client.get(_case_url(s) + "?page=９９").content.decode()  # not a page number: page 1
    assert "連絡00番" in client.get(_case_url(s) + "?page=2").content.decode()
    assert "未読" not in client.get(reverse("meetings:notebook")).content.decode().split("<tbody>")[1]


def test_a_case_without_a_thread_can_be_started_from_the_household_page(client):
    s, _m, _item = _setup()
    url = reverse("people:household", args=[s.world.household.pk])
    login_client(client, s.team)
    page = client.get(url).content.decode()
    assert f"ケース {s.world.case.label}の連絡帳を始める" in page
    login_client(client, s.off)  # named by consent, not on the team: no panel at all
    assert 'id="notebook-panel"' not in client.get(url).content.decode()


def test_the_digest_names_unread_threads_to_their_readers_only():
    from tsunagu.meetings.management.commands.notebook_digest import build_notices

    s, m, item = _setup()
    notebook.post(
        actor=s.world.coordinator,
        place=notebook.case_place(s.world.coordinator, s.world.case.pk),
        data=notebook.PostInput(kind="update", body="本文は載らない", submission_token=uuid.uuid4()),
    )
    notebook.post(
        actor=s.world.coordinator,
        place=notebook.item_place(s.world.coordinator, item.pk),
        data=notebook.PostInput(kind="update", body="議題の連絡", submission_token=uuid.uuid4()),
    )
    notices = build_notices()
    assert s.world.coordinator not in notices  # their own posts
    assert f"ケース {s.world.case.label}: 未読 1件" in notices[s.team]
    assert "の議題" not in notices[s.team] and "本文は載らない" not in notices[s.team]
    for outsider in (s.unnamed, s.off, s.withdrawn, s.world.other.coordinator):
        assert outsider not in notices
    actions.acknowledge_duty(actor=s.unnamed, meeting=m)
    assert "スクラムネットの議題: 未読 1件" in build_notices()[s.unnamed]
    assert AuditEvent.objects.filter(actor_id=s.team.pk, channel="system", action="list").exists()


def test_a_closed_case_thread_is_read_only(client):
    from tsunagu.cases.models import Case, CaseStatus

    s, _m, _item = _setup()
    notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, s.world.case.pk),
        data=notebook.PostInput(kind="update", body="終結前の連絡", submission_token=uuid.uuid4()),
    )
    Case.objects.filter(pk=s.world.case.pk).update(status=CaseStatus.CLOSED)
    login_client(client, s.team)
    r = client.post(_case_url(s), _form("終結後の連絡"))
    assert r.status_code == 200 and "終結したケースの連絡帳には投稿できません" in r.content.decode()
    assert "終結前の連絡" in client.get(_case_url(s)).content.decode()
    assert not NotebookPost.objects.filter(body="終結後の連絡").exists()


def test_a_token_from_another_thread_or_author_is_refused():
    s, _m, item = _setup()
    token = uuid.uuid4()
    first = notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, s.world.case.pk),
        data=notebook.PostInput(kind="update", body="一通目", submission_token=token),
    )
    again = notebook.post(
        actor=s.team,
        place=notebook.case_place(s.team, s.world.case.pk),
        data=notebook.PostInput(kind="update", body="一通目", submission_token=token),
    )
    assert again == first
    with pytest.raises(notebook.NotebookError, match="開き直して"):
        notebook.post(
            actor=s.world.coordinator,
            place=notebook.case_place(s.world.coordinator, s.world.case.pk),
            data=notebook.PostInput(kind="update", body="別の人", submission_token=token),
        )
    with pytest.raises(notebook.NotebookError, match="開き直して"):
        notebook.post(
            actor=s.team,
            place=notebook.Place(s.world.case, item),
            data=notebook.PostInput(kind="update", body="別の場所", submission_token=token),
        )
    assert NotebookPost.objects.count() == 1
