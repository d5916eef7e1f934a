"""An auditor sees a read-volume alert of person-level reads, with its breakdown (issue 9 A6), in a browser.
The screenshot is kept under test-artifacts/audit-alerts.png for a person to look at."""

from __future__ import annotations

import pytest

from tests.browser import login
from tests.conftest import screenshot
from tests.factories import make_personas
from tsunagu.access import audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_the_auditor_sees_person_reads_as_an_alert(live_server, page):
    p = make_personas()
    for i in range(20):  # 20 side-by-side comparisons: 40 persons within the hour
        audit.record(
            actor=p.window_worker, action="view", objects=[("person", 2 * i + 1), ("person", 2 * i + 2)]
        )
    for i in range(10):  # ten household pages with their members: ten records, under the limit
        audit.record(actor=p.coordinator, action="view", objects=[("household", i + 1), ("person", 100 + i)])
    login(page, live_server.url, p.auditor.username, PASSWORD)
    page.goto(f"{live_server.url}/access/audit/alerts/")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert p.window_worker.username in text and "個人 32" in text and "32" in text
    assert p.coordinator.username not in page.locator("table").inner_text()
    assert "個人の記録（世帯・個人・ケース・相談など）" in page.content()
    screenshot(page, "audit-alerts")
