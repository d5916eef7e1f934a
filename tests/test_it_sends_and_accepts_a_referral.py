"""A window sends a resident to the 地域包括支援センター and the centre takes it to first contact (つなぎ,
issue 8 A14) — in a browser, screenshot at every step: the send form from the household page, the
sender's view, the receiver's list with an overdue referral and one without consent, accepting, recording
the first contact, and the sender's list once it is closed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.intake.referral_models import Referral, ReferralStatus
from tsunagu.intake.tests.helpers import make_city, record
from tsunagu.intake.tests.referral_helpers import make_overdue, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_a_window_sends_a_referral_and_the_centre_accepts_and_closes_it(live_server, page):
    city = make_city()
    city.window.phone = "0568-00-1234"
    city.window.save(update_fields=["phone"])
    c = record(city, city.window_worker, "consented", concerns=("care",), note="母の介護で夜も眠れない。")
    # Two earlier referrals: one overdue, one the resident did not consent to share.
    earlier = record(city, city.window_worker, "consented", note="以前の相談")
    make_overdue(send(city, earlier, reason="住宅改修の相談"), days=4)
    quiet = record(city, city.window_worker, "not_consented", note="同意のない相談")
    quiet_referral = send(city, quiet, consent="none", contact_by="resident", reason="家計の相談")

    login(page, live_server.url, city.window_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/people/households/{c.household_id}/")
    with page.expect_navigation():
        page.click("text=ほかの窓口へつなぐ")
    page.select_option("#id_to_organization", label=city.agency_org.name)
    page.fill("#id_reason", "母（要介護2）の介護の負担が大きい。介護保険サービスの見直しをお願いしたい。")
    page.check("input[name=consent][value=self]")
    page.fill("#id_consent_note", "書面で同意（申込票）")
    page.check("input[name=contact_by][value=receiver]")
    screenshot(page, "referral-1-send-form")
    with page.expect_navigation():
        page.click("text=つなぎを送る")
    page.wait_for_selector("text=を送りました")
    referral = Referral.objects.get(consultation=c)
    screenshot(page, "referral-2-sent")

    page.goto(f"{live_server.url}/intake/referrals/sent/")
    assert page.is_visible("tr.overdue >> text=期限切れ 4日")
    screenshot(page, "referral-3-sender-list")
    with page.expect_navigation():
        page.click("text=ログアウト")

    login(page, live_server.url, city.agency_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/intake/referrals/received/")
    assert page.is_visible("tr.overdue >> text=期限切れ 4日")
    assert page.is_visible("text=本人の同意がないため表示しません")
    screenshot(page, "referral-4-receiver-list")
    # The one without consent: only that it exists and whom to call.
    page.goto(f"{live_server.url}/intake/referrals/{quiet_referral.pk}/")
    assert page.is_visible("text=本人の同意がないため、内容は表示しません")
    assert not page.is_visible("text=佐藤") and not page.is_visible("text=家計の相談")
    screenshot(page, "referral-4b-receiver-without-consent")
    page.goto(f"{live_server.url}/intake/referrals/received/")
    with page.expect_navigation():
        page.click(f"a:text-is('No.{referral.number}')")
    assert page.is_visible("text=母（要介護2）の介護の負担が大きい")
    screenshot(page, "referral-5-receiver-detail")
    with page.expect_navigation():
        page.click("#accept-form button[type=submit]")
    page.wait_for_selector("text=つなぎを受け入れました")
    page.fill("#id_on", timezone.localdate().isoformat())
    page.check("input[name=method][value=home_visit]")
    page.fill("#contact-form textarea[name=note]", "自宅を訪問。ケアマネジャーと面談の日を決めた。")
    screenshot(page, "referral-6-accepted")
    with page.expect_navigation():
        page.click("#contact-form button[type=submit]")
    page.wait_for_selector("text=このつなぎは完了です")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.responded_by == city.agency_worker
    screenshot(page, "referral-7-closed")
    with page.expect_navigation():
        page.click("text=ログアウト")

    login(page, live_server.url, city.window_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/intake/referrals/sent/?view=closed")
    assert page.is_visible(f"text=No.{referral.number}")
    assert page.is_visible("text=訪問")
    screenshot(page, "referral-8-sender-closed")

    # The household timeline shows each step of the referral.
    page.goto(f"{live_server.url}/people/households/{c.household_id}/")
    assert page.is_visible(f"text=つなぎ No.{referral.number}")
    assert page.is_visible("text=自宅を訪問。ケアマネジャーと面談の日を決めた。")
    screenshot(page, "referral-9-household-timeline")
