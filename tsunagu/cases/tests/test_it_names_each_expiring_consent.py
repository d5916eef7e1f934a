"""Two consents of one case expiring the same day are two rows of the dashboard that say which consent
each is: when and how it was given, and what it lets the team share with whom — never a person's name
(the due lists name cases only)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.factories import login_client
from tsunagu.cases import actions, due
from tsunagu.core.wareki import wareki
from tsunagu.directory.models import MeetingKind

from .helpers import consent_input, make_world
from .pages import team_worker, url

pytestmark = pytest.mark.django_db


def _rows(body: str) -> list[str]:
    """The text of each consent row of the dashboard's due tables."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows if "同意の有効期限" in r]


def test_two_consents_expiring_the_same_day_are_told_apart(client):
    w = make_world()
    today = timezone.localdate()
    expires = today + dt.timedelta(days=12)
    given_earlier = today - dt.timedelta(days=20)
    actions.record_consent(
        actor=w.coordinator,
        case=w.case,
        data=consent_input(w.p1, [w.orgs["team"]], given_on=given_earlier, expires_on=expires),
    )
    actions.record_consent(
        actor=w.coordinator,
        case=w.case,
        data=consent_input(
            w.p1,
            [w.orgs["team"], w.orgs["off"]],
            expires_on=expires,
            meeting_kinds=[MeetingKind.CONSENTED_CONFERENCE],
        ),
    )
    lists = due.due_for(w.coordinator, today)
    consent_items = [i for i in lists.coordinator if i.kind == "consent_expiry"]
    assert len(consent_items) == 2 and {i.on for i in consent_items} == {expires}
    team, off = w.orgs["team"].name, w.orgs["off"].name
    both = "、".join(sorted([team, off]))  # named in a stable order, whatever the database returns
    assert sorted(i.what for i in consent_items) == sorted(
        [
            f"{wareki(given_earlier)}の同意（書面）　共有先: {team}／会議: なし",
            f"{wareki(today)}の同意（書面）　共有先: {both}／会議: 重層的支援会議",
        ]
    )

    login_client(client, w.coordinator)
    rows = _rows(client.get(url("cases:dashboard")).content.decode())
    assert len(rows) == 2 and rows[0] != rows[1], rows
    assert any(f"共有先: {both}／会議: 重層的支援会議" in r for r in rows), rows
    assert all(w.p1.family_name not in r for r in rows), rows

    # The team's organization sees both too (each names it), told apart the same way.
    login_client(client, team_worker(w))
    rows = _rows(client.get(url("cases:dashboard")).content.decode())
    assert len(rows) == 2 and rows[0] != rows[1], rows


def test_the_digest_text_still_names_no_consent_detail():
    w = make_world()
    today = timezone.localdate()
    actions.record_consent(
        actor=w.coordinator,
        case=w.case,
        data=consent_input(w.p1, [w.orgs["team"]], expires_on=today + dt.timedelta(days=5)),
    )
    lists = due.due_for(w.coordinator, today, sources=False)
    text = due.digest_text(w.coordinator, lists)
    assert "同意の有効期限" in text and "共有先" not in text and "の同意（" not in text
