"""Recording and withdrawing consent; the scanned form: type and size checked, stored under MEDIA_ROOT and
served only through the access-checked, audited view."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import login_client
from tsunagu.cases.models import Consent

from .helpers import make_world
from .pages import last_event, off_team_worker, team_worker, url

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def form(w, **extra):
    data = {
        "given_by": w.p2.pk,
        "persons": [w.p2.pk],
        "organizations": [w.orgs["unnamed"].pk],
        "meeting_kinds": ["consented_conference"],
        "method": "written",
        "given_on": "R7.4.1",
        "basis": "self",
        "submission_token": str(uuid.uuid4()),
    }
    data.update(extra)
    return data


def test_recording_consent_with_a_pdf_opens_sharing_at_once(client, media):
    w = make_world()
    login_client(client, w.coordinator)
    doc = SimpleUploadedFile("山田花子の同意書.pdf", PDF, content_type="application/pdf")
    first = form(w, document=doc)
    response = client.post(url("cases:consent_new", w.case.pk), first)
    assert response.status_code == 302
    consent = Consent.objects.filter(case=w.case).latest("pk")
    assert consent.document.name.endswith(".pdf") and "山田" not in consent.document.name
    assert (media / consent.document.name).read_bytes() == PDF
    # The organization named is now on the sharing panel, and its worker can open the case.
    unnamed_worker = w.city.agency_worker.__class__.objects.create_user(
        username="unnamed-w",
        password="x",
        municipality=w.city.muni,
        organization=w.orgs["unnamed"],
        role="agency_worker",
    )
    login_client(client, unnamed_worker)
    assert client.get(url("cases:detail", w.case.pk)).status_code == 200
    # A double submit (the same form's token) records nothing new; the same content in a new form does.
    login_client(client, w.coordinator)
    resent = first | {"document": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")}
    assert client.post(url("cases:consent_new", w.case.pk), resent).status_code == 302
    assert Consent.objects.filter(case=w.case).count() == 4
    assert client.post(url("cases:consent_new", w.case.pk), form(w)).status_code == 302
    assert Consent.objects.filter(case=w.case).count() == 5


def test_a_missing_or_forged_token_is_refused_in_japanese_and_records_nothing(client):
    w = make_world()
    login_client(client, w.coordinator)
    before = Consent.objects.count()
    for token in ("", "not-a-token"):
        response = client.post(url("cases:consent_new", w.case.pk), form(w, submission_token=token))
        assert response.status_code == 200
        assert "画面の有効期限が切れました" in response.content.decode()
    assert Consent.objects.count() == before


def test_document_is_served_only_to_those_who_see_the_case_and_each_read_is_audited(client):
    w = make_world()
    login_client(client, w.coordinator)
    doc = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    client.post(url("cases:consent_new", w.case.pk), form(w, document=doc, organizations=[w.orgs["team"].pk]))
    consent = Consent.objects.filter(case=w.case).latest("pk")
    doc_url = url("cases:consent_document", w.case.pk, consent.pk)
    login_client(client, team_worker(w))
    response = client.get(doc_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    event = last_event()
    assert event.actor_id == team_worker(w).pk and ["consent", consent.pk] in event.objects_json
    for outsider in (off_team_worker(w), w.other.coordinator):
        login_client(client, outsider)
        assert client.get(doc_url).status_code == 404
    login_client(client, w.city.auditor)
    assert client.get(doc_url).status_code == 403
    client.logout()
    assert client.get(doc_url).status_code == 302
    # A consent of another case under this case's URL: 404.
    login_client(client, w.other.coordinator)
    other_doc = url("cases:consent_document", w.other_case.pk, consent.pk)
    assert client.get(other_doc).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.exe", b"MZ\x90\x00", "PDF・JPEG・PNG"),
        ("fake.pdf", b"<html>not a pdf</html>", "PDF・JPEG・PNG"),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "10MB"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_recorded(client, media, name, content, message):
    w = make_world()
    login_client(client, w.coordinator)
    before = Consent.objects.count()
    response = client.post(
        url("cases:consent_new", w.case.pk), form(w, document=SimpleUploadedFile(name, content))
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Consent.objects.count() == before
    assert not media.exists() or not any(media.rglob("*.*"))


def test_images_are_accepted(client):
    w = make_world()
    login_client(client, w.coordinator)
    png = SimpleUploadedFile("s.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    assert client.post(url("cases:consent_new", w.case.pk), form(w, document=png)).status_code == 302
    jpg = SimpleUploadedFile("s.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20)
    assert (
        client.post(url("cases:consent_new", w.case.pk), form(w, document=jpg, given_on="R7.4.2")).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"persons": []}, "対象となる人"),
        ({"organizations": []}, "共有してよい機関"),
        ({"given_on": "2999-01-01"}, "未来の日付"),
        ({"expires_on": "2020-01-01"}, "有効期限は同意日より後"),
        ({"given_by": ""}, "同意した人を選んでください"),
        ({"organizations": [999999]}, ""),
    ],
)
def test_bad_consent_input_changes_nothing(client, changes, message):
    w = make_world()
    login_client(client, w.coordinator)
    before = Consent.objects.count()
    response = client.post(url("cases:consent_new", w.case.pk), form(w, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Consent.objects.count() == before


def test_team_members_cannot_record_consent(client):
    w = make_world()
    login_client(client, team_worker(w))
    before = Consent.objects.count()
    assert client.post(url("cases:consent_new", w.case.pk), form(w)).status_code == 403
    assert Consent.objects.count() == before


def test_a_team_member_records_a_withdrawal_and_loses_access_at_once(client):
    w = make_world()
    staff = team_worker(w)
    login_client(client, staff)
    active = w.consents["active"]
    withdraw = url("cases:consent_withdraw", w.case.pk, active.pk)
    # Without the note: nothing changes.
    client.post(withdraw, {"note": ""})
    active.refresh_from_db()
    assert active.withdrawn_at is None
    response = client.post(withdraw, {"note": "本人から電話で撤回の申し出"})
    assert response.status_code == 302 and response["Location"] == url("cases:list")
    active.refresh_from_db()
    assert active.withdrawn_at is not None and active.withdrawn_by == staff
    assert client.get(url("cases:detail", w.case.pk)).status_code == 404
    assert client.post(withdraw, {"note": "もう一度"}).status_code == 404
    # The coordinator sees it withdrawn; a second withdrawal is refused with a message.
    login_client(client, w.coordinator)
    response = client.post(withdraw, {"note": "二重送信"}, follow=True)
    assert "すでに撤回されています" in response.content.decode()
    active.refresh_from_db()
    assert active.withdrawal_note == "本人から電話で撤回の申し出"


def test_withdrawal_by_outsiders_is_refused(client):
    w = make_world()
    active = w.consents["active"]
    withdraw = url("cases:consent_withdraw", w.case.pk, active.pk)
    for outsider in (off_team_worker(w), w.other.coordinator):
        login_client(client, outsider)
        assert client.post(withdraw, {"note": "x"}).status_code == 404
    login_client(client, w.city.manager)
    assert client.post(withdraw, {"note": "x"}).status_code == 403
    active.refresh_from_db()
    assert active.withdrawn_at is None
