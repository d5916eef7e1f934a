"""A coming 支援会議 sitting (members selected per case) with one item, for the materials and packet tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tsunagu.meetings import actions
from tsunagu.meetings.models import AgendaItem, Meeting

from .helpers import Staffed, make_body, sitting, staffed


@dataclass
class Coming:
    s: Staffed
    meeting: Meeting
    item: AgendaItem


def coming_sitting(days: int = 5) -> Coming:
    """A スクラムネット sitting in `days` days; the item's members: 社会福祉協議会 (s.unnamed) and the team's
    agency (s.team). s.withdrawn is invited to the sitting but not selected for the case."""
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "scrum",
        "confidential_conference",
        ["confidential_conference"],
        member_selection="per_case",
        name="スクラムネット",
        closed=True,
    )
    meeting = sitting(body, starts=dt.timedelta(days=days))
    meeting.place = "市役所 第1会議室"
    meeting.save(update_fields=["place"])
    item = actions.place_item(
        actor=w.coordinator,
        meeting=meeting,
        case=w.case,
        purpose="roles",
        minutes=20,
        function="confidential_conference",
        organizations=[w.orgs["unnamed"], w.orgs["team"]],
        question="就労に向けた役割分担を決めたい",
    )
    actions.invite(actor=w.coordinator, meeting=meeting, staff=s.withdrawn)
    return Coming(s=s, meeting=meeting, item=item)


def due_in(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)
