"""Referrals between windows (つなぎ, issue 8 A14): each step of the state machine, who may take it,
stale edits, and the due date from the city's profile."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.factories import make_organization, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.intake import referrals
from tsunagu.intake.referral_models import Referral, ReferralEvent, ReferralStatus
from tsunagu.municipalities.models import Municipality

from .helpers import make_city, record
from .referral_helpers import make_overdue, send

pytestmark = pytest.mark.django_db


def history(referral: Referral) -> list[tuple[str, str]]:
    return list(
        ReferralEvent.objects.filter(referral=referral)
        .order_by("at", "pk")
        .values_list("from_status", "to_status")
    )


def test_sending_numbers_the_referral_records_its_first_step_and_audits_it():
    city = make_city()
    c = record(city, city.window_worker, "consented")
    before = AuditEvent.objects.count()
    first = send(city, c)
    other = record(city, city.window_worker, "consented")
    second = send(city, other)
    assert (first.number, second.number) == (1, 2)
    assert first.status == ReferralStatus.SENT and first.version == 1
    assert history(first) == [("", "sent")]
    assert first.due_on == timezone.localdate() + dt.timedelta(days=14)  # the documented default
    created = AuditEvent.objects.filter(action="create").order_by("seq")
    assert AuditEvent.objects.count() > before
    assert any(("referral", first.pk) in [tuple(o) for o in e.objects_json] for e in created)


def test_the_due_date_follows_the_citys_interval():
    city = make_city()
    city.muni.referral_due_days = 7
    city.muni.save(update_fields=["referral_due_days"])
    c = record(city, city.window_worker, "consented")
    assert send(city, c).due_on == timezone.localdate() + dt.timedelta(days=7)


def test_a_repeated_submission_and_a_second_open_referral_to_the_same_place_return_the_first():
    city = make_city()
    c = record(city, city.window_worker, "consented")
    token = uuid.uuid4()
    data = referrals.ReferralInput(
        person=c.person,
        household=c.household,
        to_organization=city.agency_org,
        consent="self",
        contact_by="receiver",
        submission_token=token,
        reason="理由",
    )
    first, created = referrals.send_referral(actor=city.window_worker, data=data)
    again, created_again = referrals.send_referral(actor=city.window_worker, data=data)
    data.submission_token = uuid.uuid4()
    third, created_third = referrals.send_referral(actor=city.window_worker, data=data)
    assert created and not created_again and not created_third
    assert first.pk == again.pk == third.pk
    assert Referral.objects.count() == 1


def test_receive_accept_and_first_contact_close_it():
    city = make_city()
    r = send(city, record(city, city.window_worker, "consented"))
    r = referrals.receive_referral(actor=city.agency_worker, referral=r, version=1)
    assert r.status == ReferralStatus.RECEIVED and r.received_at is not None
    r = referrals.accept_referral(actor=city.agency_worker, referral=r, version=2, note="担当します")
    assert r.status == ReferralStatus.ACCEPTED and r.responded_by == city.agency_worker
    today = timezone.localdate()
    r = referrals.record_first_contact(
        actor=city.agency_worker, referral=r, version=3, on=today, method="phone", note="電話で面談日を決めた"
    )
    r.refresh_from_db()
    assert r.status == ReferralStatus.CLOSED and r.first_contact_on == today and r.closed_at is not None
    assert r.version == 4
    assert history(r) == [
        ("", "sent"),
        ("sent", "received"),
        ("received", "accepted"),
        ("accepted", "closed"),
    ]
    updates = list(AuditEvent.objects.filter(action="update").order_by("seq"))
    assert [e.detail.get("to") for e in updates] == ["received", "accepted", "closed"]
    assert updates[-1].detail["from"] == "accepted"


def test_first_contact_before_accepting_accepts_too():
    city = make_city()
    r = send(city, record(city, city.window_worker, "not_consented"), consent="none", contact_by="resident")
    r = referrals.record_first_contact(
        actor=city.agency_worker, referral=r, version=1, on=timezone.localdate(), method="visit"
    )
    assert r.status == ReferralStatus.CLOSED and r.responded_by == city.agency_worker
    assert history(r) == [("", "sent"), ("sent", "accepted"), ("accepted", "closed")]


def test_returning_needs_a_reason_and_goes_back_to_the_sender():
    city = make_city()
    r = send(city, record(city, city.window_worker, "consented"))
    with pytest.raises(referrals.ReferralError, match="差し戻す理由"):
        referrals.return_referral(actor=city.agency_worker, referral=r, version=1, reason="  ")
    r.refresh_from_db()
    assert r.status == ReferralStatus.SENT and r.version == 1
    r = referrals.return_referral(actor=city.agency_worker, referral=r, version=1, reason="担当地区外のため")
    assert r.status == ReferralStatus.RETURNED and r.return_reason == "担当地区外のため"
    # Returned, the same person may be sent again (to this or another organization).
    assert r.consultation is not None
    again = send(city, r.consultation)
    assert again.pk != r.pk


def test_only_the_sender_withdraws_and_only_the_receiver_answers():
    city = make_city()
    r = send(city, record(city, city.window_worker, "consented"))
    with pytest.raises(referrals.ReferralError, match="つなぎ先の機関の職員"):
        referrals.accept_referral(actor=city.colleague, referral=r, version=1)
    with pytest.raises(referrals.ReferralError, match="つなぎ元の機関の職員"):
        referrals.withdraw_referral(actor=city.agency_worker, referral=r, version=1, reason="不要")
    outsider = make_staff(city.muni, Role.AGENCY_WORKER, make_organization(city.muni, name="社会福祉協議会"))
    with pytest.raises(referrals.ReferralError):
        referrals.record_first_contact(
            actor=outsider, referral=r, version=1, on=timezone.localdate(), method="phone"
        )
    r = referrals.withdraw_referral(
        actor=city.colleague, referral=r, version=1, reason="本人が別の窓口を希望"
    )
    assert r.status == ReferralStatus.WITHDRAWN
    with pytest.raises(referrals.ReferralError, match="「取り下げ」のつなぎは受け入れる"):
        referrals.accept_referral(actor=city.agency_worker, referral=r, version=r.version)


def test_a_stale_step_is_refused_and_changes_nothing():
    city = make_city()
    r = send(city, record(city, city.window_worker, "consented"))
    stale = Referral.objects.get(pk=r.pk)
    referrals.accept_referral(actor=city.agency_worker, referral=r, version=1)
    with pytest.raises(referrals.StaleReferral):
        referrals.return_referral(actor=city.agency_worker, referral=stale, version=1, reason="やはり無理")
    r.refresh_from_db()
    assert r.status == ReferralStatus.ACCEPTED and r.version == 2 and r.return_reason == ""
    assert len(history(r)) == 2


def test_closed_and_returned_referrals_take_no_further_step():
    city = make_city()
    r = send(city, record(city, city.window_worker, "consented"))
    r = referrals.record_first_contact(
        actor=city.agency_worker, referral=r, version=1, on=timezone.localdate(), method="phone"
    )
    for step in (
        lambda: referrals.receive_referral(actor=city.agency_worker, referral=r, version=r.version),
        lambda: referrals.return_referral(
            actor=city.agency_worker, referral=r, version=r.version, reason="x"
        ),
        lambda: referrals.withdraw_referral(
            actor=city.window_worker, referral=r, version=r.version, reason="x"
        ),
    ):
        with pytest.raises(referrals.ReferralError, match="完了"):
            step()
    assert Referral.objects.get(pk=r.pk).version == r.version


def test_first_contact_dates_must_be_between_sending_and_today():
    city = make_city()
    r = send(city, record(city, city.window_worker, "consented"))
    today = timezone.localdate()
    for day, message in (
        (today + dt.timedelta(days=1), "初回連絡日"),
        (today - dt.timedelta(days=3), "送った日"),
    ):
        with pytest.raises(referrals.ReferralError, match=message):
            referrals.record_first_contact(
                actor=city.agency_worker, referral=r, version=1, on=day, method="phone"
            )
    with pytest.raises(referrals.ReferralError, match="方法"):
        referrals.record_first_contact(
            actor=city.agency_worker, referral=r, version=1, on=today, method="fax"
        )
    assert Referral.objects.get(pk=r.pk).status == ReferralStatus.SENT


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"consent": "none", "contact_by": "receiver"}, "本人からつなぎ先へ連絡する"),
        ({"consent": "emergency", "consent_note": ""}, "同意を得ずに提供する場合"),
        ({"consent": "maybe"}, "同意を選んで"),
        ({"contact_by": "pigeon"}, "初回連絡のしかた"),
        ({"due_on": dt.date(2001, 1, 1)}, "期限"),
        ({"reason": "あ" * 2001}, "2000文字"),
    ],
)
def test_it_refuses_bad_referrals_and_sends_nothing(over, message):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    data = referrals.ReferralInput(
        person=c.person,
        household=c.household,
        to_organization=city.agency_org,
        consent="self",
        contact_by="receiver",
        submission_token=uuid.uuid4(),
        reason="理由",
    )
    for key, value in over.items():
        setattr(data, key, value)
    with pytest.raises(referrals.ReferralError, match=message):
        referrals.send_referral(actor=city.window_worker, data=data)
    assert not Referral.objects.exists() and not ReferralEvent.objects.exists()


def test_it_refuses_a_referral_to_ones_own_organization_or_another_city():
    city = make_city()
    other = make_city("012025", "テスト市B")
    c = record(city, city.window_worker, "consented")
    for target, message in ((city.window_org, "自分の機関"), (other.agency_org, "別の自治体")):
        data = referrals.ReferralInput(
            person=c.person,
            household=c.household,
            to_organization=target,
            consent="self",
            contact_by="receiver",
            submission_token=uuid.uuid4(),
            reason="理由",
        )
        with pytest.raises(referrals.ReferralError, match=message):
            referrals.send_referral(actor=city.window_worker, data=data)
    assert not Referral.objects.exists()


def test_consent_recorded_later_and_withdrawn():
    city = make_city()
    r = send(city, record(city, city.window_worker, "not_consented"), consent="none", contact_by="resident")
    r = referrals.change_consent(
        actor=city.window_worker, referral=r, version=1, consent="self", consent_note="電話で本人が同意"
    )
    assert r.consent == "self" and r.status == ReferralStatus.SENT
    assert history(r)[-1] == ("sent", "sent")
    audit = AuditEvent.objects.filter(action="update").order_by("seq").last()
    assert audit is not None
    assert (audit.detail["consent_from"], audit.detail["consent_to"]) == ("none", "self")
    with pytest.raises(referrals.ReferralError, match="つなぎ元の機関の職員"):
        referrals.change_consent(actor=city.agency_worker, referral=r, version=2, consent="none")
    r = referrals.change_consent(actor=city.window_worker, referral=r, version=2, consent="none")
    assert r.consent == "none"


def test_consent_cannot_be_taken_away_while_the_receiver_is_to_call():
    city = make_city()
    r = send(city, record(city, city.window_worker, "consented"))
    with pytest.raises(referrals.ReferralError, match="取り下げて"):
        referrals.change_consent(actor=city.window_worker, referral=r, version=1, consent="none")
    assert Referral.objects.get(pk=r.pk).consent == "self"


PROFILE = """\
schema_version = 1

[municipality]
code = "011002"
name = "テスト市"
prefecture = "テスト県"
{extra}
"""


def test_the_profile_sets_the_interval_with_a_documented_default_and_refuses_nonsense(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(PROFILE.format(extra=""), encoding="utf-8")
    assert load_profile(path).municipality.referral_due_days == 14
    path.write_text(PROFILE.format(extra="referral_due_days = 7"), encoding="utf-8")
    assert load_profile(path).municipality.referral_due_days == 7
    for bad in ("0", "91", "2.5"):
        path.write_text(PROFILE.format(extra=f"referral_due_days = {bad}"), encoding="utf-8")
        with pytest.raises(ProfileError) as caught:
            load_profile(path)
        assert "municipality.referral_due_days" in str(caught.value)
    assert Municipality.objects.get(code="011002").referral_due_days == 7


def test_either_side_moves_the_due_date_with_a_reason_and_an_overdue_referral_is_no_longer_overdue():
    city = make_city()
    r = make_overdue(send(city, record(city, city.window_worker, "consented")), days=2)
    assert r.overdue_days() == 2
    later = timezone.localdate() + dt.timedelta(days=10)
    with pytest.raises(referrals.ReferralError, match="理由"):
        referrals.change_due_on(actor=city.agency_worker, referral=r, version=1, due_on=later, note=" ")
    with pytest.raises(referrals.ReferralError, match="1年以内"):
        referrals.change_due_on(
            actor=city.agency_worker, referral=r, version=1, due_on=dt.date(2020, 1, 1), note="本人の希望"
        )
    r = referrals.change_due_on(
        actor=city.agency_worker, referral=r, version=1, due_on=later, note="本人の希望で面談は来週"
    )
    assert r.due_on == later and r.overdue_days() == 0 and r.status == ReferralStatus.SENT
    event = ReferralEvent.objects.filter(referral=r).order_by("pk").last()
    assert event is not None and event.step_label == "期限の変更" and "本人の希望" in event.note
    audit = AuditEvent.objects.filter(action="update").order_by("seq").last()
    assert audit is not None and audit.detail["due_to"] == later.isoformat()
    r = referrals.change_due_on(
        actor=city.window_worker, referral=r, version=2, due_on=later + dt.timedelta(days=1), note="調整"
    )
    outsider = make_staff(city.muni, Role.AGENCY_WORKER, make_organization(city.muni, name="社会福祉協議会"))
    with pytest.raises(referrals.ReferralError, match="つなぎ元の機関の職員"):
        referrals.change_due_on(actor=outsider, referral=r, version=3, due_on=later, note="x")
    r = referrals.withdraw_referral(actor=city.window_worker, referral=r, version=3, reason="不要になった")
    with pytest.raises(referrals.ReferralError, match="「取り下げ」"):
        referrals.change_due_on(actor=city.window_worker, referral=r, version=4, due_on=later, note="x")
