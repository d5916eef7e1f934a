"""`setup_demo` gives the demo city a year of meetings (issue 11 part 9): past sittings held, with items
discussed and decisions recorded, and a coming sitting with its agenda — through the meetings actions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tsunagu.meetings.models import AgendaItem, Decision, ItemStatus, Meeting, MeetingStatus

pytestmark = pytest.mark.django_db


def setup_demo() -> str:
    out = io.StringIO()
    call_command("setup_demo", "--city", "132047", "--households", "150", stdout=out)
    return out.getvalue()


def test_a_year_of_meetings_once():
    setup_demo()
    now = timezone.now()
    meetings = Meeting.objects.filter(municipality__code="132047")
    past = meetings.filter(starts_at__lt=now)
    coming = meetings.filter(starts_at__gte=now).order_by("starts_at")
    assert past.count() >= 5
    assert past.order_by("starts_at")[0].starts_at < now - dt.timedelta(days=300)
    assert set(past.values_list("status", flat=True)) == {MeetingStatus.HELD}
    discussed = AgendaItem.objects.filter(meeting__in=past, status=ItemStatus.DISCUSSED)
    assert discussed.count() >= 3
    assert Decision.objects.filter(item__in=discussed).count() == discussed.count()
    assert coming.exists()
    assert coming[0].status == MeetingStatus.PLANNED
    assert AgendaItem.objects.filter(meeting=coming[0], status=ItemStatus.PLACED).exists()

    before = (Meeting.objects.count(), AgendaItem.objects.count(), Decision.objects.count())
    again = setup_demo()
    assert (Meeting.objects.count(), AgendaItem.objects.count(), Decision.objects.count()) == before
    assert "会議の記録は既にあります" in again
