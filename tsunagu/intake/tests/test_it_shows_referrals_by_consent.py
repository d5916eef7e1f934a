"""The referral screens (つなぎ): what the receiver sees follows the resident's consent, overdue
referrals show on both sides' lists, every read with personal data is audited, bad input changes
nothing, and the intake form's つなぎ先 sends a tracked referral."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_organization, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.intake import policy as intake_policy
from tsunagu.intake import referrals
from tsunagu.intake.models import Consultation
from tsunagu.intake.referral_models import Referral, ReferralStatus
from tsunagu.people.timeline import timeline_page

from .helpers import make_city, record
from .referral_helpers import SECRET, make_overdue, send

pytestmark = pytest.mark.django_db


def page(client, name, **kwargs):
    response = client.get(reverse(f"intake:{name}", kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


def audited(obj_type: str, pk: int, action: str = "view") -> bool:
    return AuditEvent.objects.filter(action=action, object_index__contains=f" {obj_type}:{pk} ").exists()


# ---- consent ---------------------------------------------------------------------------------------


def test_without_consent_the_receiver_sees_only_that_a_referral_exists_and_whom_to_call(client):
    city = make_city()
    city.window.phone = "0120-000-111"
    city.window.save(update_fields=["phone"])
    c = record(city, city.window_worker, "not_consented", note=f"家族の事情 {SECRET}")
    r = send(city, c, consent="none", contact_by="resident")
    login_client(client, city.agency_worker)
    listing = page(client, "referrals_received")
    detail = page(client, "referral", referral_id=r.pk)
    for html in (listing, detail):
        assert f"No.{r.number}" in html and city.window_org.name in html
        assert "佐藤" not in html and SECRET not in html and "介護保険" not in html
        assert "本人の同意がない" in html
    assert "0120-000-111" in detail
    # The audit rows name the referral the receiver saw, but no person or household.
    assert audited("referral", r.pk) and audited("referral", r.pk, "list")
    assert not AuditEvent.objects.filter(actor=city.agency_worker, object_index__contains=" person:").exists()
    # Neither the consultation nor the household page tells the receiver about it.
    assert not intake_policy.visible_consultations(city.agency_worker).filter(pk=c.pk).exists()
    entries = timeline_page(city.agency_worker, c.household).entries
    assert not [e for e in entries if e.source == "intake.referral"]


def test_with_consent_the_receiver_reads_who_why_and_the_consultation(client):
    city = make_city()
    c = record(city, city.window_worker, "not_consented", note=f"家族の事情 {SECRET}")
    r = send(city, c, consent="self", contact_by="receiver")
    # The consultation itself is unshared; the referral's consent opens it to the receiver (registry rule).
    assert intake_policy.visible_consultations(city.agency_worker).filter(pk=c.pk).exists()
    login_client(client, city.agency_worker)
    listing = page(client, "referrals_received")
    detail = page(client, "referral", referral_id=r.pk)
    assert "佐藤\u3000一郎" in listing and "佐藤\u3000一郎" in detail
    assert "介護保険の申請" in detail and f"家族の事情 {SECRET}" in detail
    assert audited("person", c.person_id) and audited("consultation", c.pk)
    entries = [
        e for e in timeline_page(city.agency_worker, c.household).entries if e.source == "intake.referral"
    ]
    assert len(entries) == 1 and entries[0].audit_objects == (("referral", r.pk), ("person", c.person_id))
    # Another organization of the city sees neither the referral nor the consultation.
    outsider = make_staff(city.muni, Role.AGENCY_WORKER, make_organization(city.muni, name="社会福祉協議会"))
    login_client(client, outsider)
    assert client.get(reverse("intake:referral", kwargs={"referral_id": r.pk})).status_code == 404
    assert "佐藤" not in page(client, "referrals_received")
    assert not intake_policy.visible_consultations(outsider).filter(pk=c.pk).exists()


def test_withdrawn_consent_or_a_returned_referral_hides_the_content_again(client):
    city = make_city()
    c = record(city, city.window_worker, "not_consented", note=f"家族の事情 {SECRET}")
    r = send(city, c, consent="self", contact_by="resident")
    referrals.change_consent(actor=city.window_worker, referral=r, version=1, consent="none")
    assert not intake_policy.visible_consultations(city.agency_worker).filter(pk=c.pk).exists()
    login_client(client, city.agency_worker)
    assert SECRET not in page(client, "referral", referral_id=r.pk)
    other = send(city, record(city, city.window_worker, "not_consented", note=f"別件 {SECRET}"))
    referrals.return_referral(actor=city.agency_worker, referral=other, version=1, reason="対象外")
    html = page(client, "referral", referral_id=other.pk)
    assert SECRET not in html and "差し戻し" in html


def test_the_sender_always_reads_its_own_referral(client):
    city = make_city()
    r = send(city, record(city, city.window_worker, "not_consented"), consent="none", contact_by="resident")
    login_client(client, city.colleague)
    html = page(client, "referral", referral_id=r.pk)
    assert "佐藤\u3000一郎" in html and "介護保険の申請" in html


# ---- overdue on both sides ---------------------------------------------------------------------------


def test_overdue_referrals_show_on_both_sides_lists(client):
    city = make_city()
    late = make_overdue(send(city, record(city, city.window_worker, "consented")), days=3)
    on_time = send(city, record(city, city.window_worker, "consented"))
    for who, name in ((city.window_worker, "referrals_sent"), (city.agency_worker, "referrals_received")):
        login_client(client, who)
        html = page(client, name)
        assert "期限切れ 3日" in html
        assert html.count('class="overdue"') == 1
        overdue_tab = client.get(reverse(f"intake:{name}"), {"view": "overdue"}).content.decode()
        assert f"No.{late.number}<" in overdue_tab and f"No.{on_time.number}<" not in overdue_tab
    # Closed in time or late, a closed referral is no longer overdue.
    referrals.record_first_contact(
        actor=city.agency_worker, referral=late, version=late.version, on=timezone.localdate(), method="phone"
    )
    assert "期限切れ" not in page(client, "referrals_received").split("<tbody>")[1]


# ---- screens: send, steps, bad input ------------------------------------------------------------------


def send_form(city, c, **over):
    data = {
        "submission_token": str(uuid.uuid4()),
        "consultation": c.pk,
        "person": c.person_id,
        "to_organization": city.agency_org.pk,
        "to_window": "",
        "reason": "家計の相談につないでほしい",
        "consent": "self",
        "consent_note": "口頭で同意",
        "contact_by": "receiver",
        "due_on": "",
    }
    data.update(over)
    return data


def test_sending_from_the_household_page_and_walking_every_step(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    login_client(client, city.window_worker)
    url = reverse("intake:referral_send", kwargs={"household_id": c.household_id})
    assert "ほかの窓口へつなぐ" in client.get(url).content.decode()
    response = client.post(url, send_form(city, c))
    r = Referral.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/referrals/{r.pk}/")
    assert r.consultation == c and r.from_window == city.window and r.contact_by == "receiver"
    login_client(client, city.agency_worker)
    for name, data, status in (
        ("referral_receive", {"version": 1}, ReferralStatus.RECEIVED),
        ("referral_accept", {"version": 2, "note": ""}, ReferralStatus.ACCEPTED),
        (
            "referral_first_contact",
            {"version": 3, "on": timezone.localdate().isoformat(), "method": "phone", "note": ""},
            ReferralStatus.CLOSED,
        ),
    ):
        client.post(reverse(f"intake:{name}", kwargs={"referral_id": r.pk}), data)
        r.refresh_from_db()
        assert r.status == status, name


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"consent": ""}, "本人の同意を確認して"),
        ({"consent": "none", "contact_by": "receiver"}, "本人からつなぎ先へ連絡する"),
        ({"consent": "emergency", "consent_note": ""}, "同意を得ずに提供する事情"),
        ({"to_organization": "٣"}, "つなぎ先の機関は一覧から"),
        ({"to_organization": "9" * 30}, "つなぎ先の機関は一覧から"),
        ({"reason": ""}, "つなぐ理由を入力"),
        ({"due_on": "2001-01-01"}, "今日以降"),
        ({"due_on": "令和"}, "日付を正しく"),
        ({"person": "999999"}, "世帯員から"),
    ],
)
def test_the_send_form_refuses_bad_input_in_japanese_and_sends_nothing(client, over, message):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    login_client(client, city.window_worker)
    url = reverse("intake:referral_send", kwargs={"household_id": c.household_id})
    response = client.post(url, send_form(city, c, **over))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Referral.objects.exists()


def test_the_own_organization_is_not_offered_and_a_forged_one_is_refused(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    login_client(client, city.window_worker)
    url = reverse("intake:referral_send", kwargs={"household_id": c.household_id})
    assert (
        f'value="{city.window_org.pk}"'
        not in client.get(url).content.decode().split('name="to_organization"')[1].split("</select>")[0]
    )
    response = client.post(url, send_form(city, c, to_organization=city.window_org.pk))
    assert response.status_code == 200 and not Referral.objects.exists()


def test_bad_step_input_is_refused_with_a_message_and_changes_nothing(client):
    city = make_city()
    r = send(city, record(city, city.window_worker, "consented"))
    login_client(client, city.agency_worker)
    cases = [
        ("referral_accept", {"version": "x"}, "半角数字"),
        ("referral_accept", {"version": "7"}, "別の職員が更新しました"),
        ("referral_return", {"version": "1", "reason": ""}, "差し戻す理由を入力"),
        ("referral_first_contact", {"version": "1", "on": "明日", "method": "phone"}, "日付"),
        ("referral_first_contact", {"version": "1", "on": "2099-01-01", "method": "phone"}, "初回連絡日"),
        ("referral_withdraw", {"version": "1", "reason": "不要"}, "つなぎ元の機関の職員"),
        ("referral_due", {"version": "1", "due_on": "2026-02-30", "note": "延期"}, "日付を正しく"),
        ("referral_due", {"version": "1", "due_on": "", "note": "延期"}, "新しい期限を入力"),
    ]
    for name, data, message in cases:
        response = client.post(reverse(f"intake:{name}", kwargs={"referral_id": r.pk}), data, follow=True)
        assert response.status_code == 200
        assert message in response.content.decode(), name
    r.refresh_from_db()
    assert r.status == ReferralStatus.SENT and r.version == 1


def test_other_cities_and_roles_without_casework_get_nothing(client):
    city = make_city()
    other = make_city("012025", "テスト市B")
    r = send(city, record(city, city.window_worker, "consented"))
    login_client(client, other.window_worker)
    assert client.get(reverse("intake:referral", kwargs={"referral_id": r.pk})).status_code == 404
    response = client.post(reverse("intake:referral_accept", kwargs={"referral_id": r.pk}), {"version": 1})
    assert response.status_code == 404
    for who in (city.auditor, city.manager):
        login_client(client, who)
        assert client.get(reverse("intake:referrals_received")).status_code == 403
    assert Referral.objects.get(pk=r.pk).status == ReferralStatus.SENT


# ---- the intake form's つなぎ先 ------------------------------------------------------------------------


def intake_form(city, **over):
    data = {
        "submission_token": str(uuid.uuid4()),
        "window": city.window.pk,
        "received_at": "2026-11-20T10:30",
        "channel": "visit",
        "consulter_kind": "self",
        "person_choice": "new",
        "family_name": "髙橋",
        "given_name": "花子",
        "family_kana": "タカハシ",
        "given_kana": "ハナコ",
        "birth_date": "S25.5.1",
        "sex": "female",
        "relationship": "head",
        "concerns": [city.concerns["care"].pk],
        "note": "介護の相談",
        "actions": ["listening", "referral"],
        "referred_to": city.agency_org.pk,
        "business_line": "1ni",
        "sharing_consent": "consented",
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    ("sharing", "consent", "contact_by"),
    [
        ("consented", "self", "receiver"),
        ("not_consented", "none", "resident"),
        ("unconfirmed", "none", "resident"),
    ],
)
def test_the_intake_forms_tsunagisaki_sends_a_tracked_referral(client, sharing, consent, contact_by):
    city = make_city()
    login_client(client, city.window_worker)
    data = intake_form(city, sharing_consent=sharing)
    assert client.post(reverse("intake:new"), data).status_code == 302
    assert client.post(reverse("intake:new"), data).status_code == 302  # a double submit sends nothing more
    c = Consultation.objects.get()
    r = Referral.objects.get()
    assert c.referred_to == city.agency_org  # the field keeps working
    assert (r.consultation, r.person, r.to_organization) == (c, c.person, city.agency_org)
    assert (r.consent, r.contact_by, r.from_window) == (consent, contact_by, city.window)
    assert r.due_on == timezone.localdate() + dt.timedelta(days=city.muni.referral_due_days)


def test_a_tsunagisaki_without_the_referral_action_or_to_oneself_sends_nothing(client):
    city = make_city()
    login_client(client, city.window_worker)
    client.post(reverse("intake:new"), intake_form(city, actions=["information"]))
    client.post(reverse("intake:new"), intake_form(city, referred_to=city.window_org.pk))
    assert Consultation.objects.count() == 2
    assert not Referral.objects.exists()
