"""`setup_demo` gives the demo city a year of meetings (issue 11 part 9): past sittings held, with items
discussed and decisions recorded, a coming sitting with its agenda and its packet ready (every agency's
part filled), and the sitting after it with parts still missing, one overdue — through the meetings actions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tsunagu.cases.due import due_for
from tsunagu.meetings.material_models import AgencyPart
from tsunagu.meetings.models import AgendaItem, Decision, ItemStatus, Meeting, MeetingStatus
from tsunagu.meetings.summary_sheet import case_sheets

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
    # The latest decision's follow-up is due within days: it is on the 束ね役's cases dashboard.
    follow_up = Decision.objects.get(item__in=discussed, follow_up_on__isnull=False)
    assert follow_up.responsible is not None and follow_up.follow_up_on is not None
    assert follow_up.follow_up_on > timezone.localdate()
    # It is a 役割分担 written into the case's plan: the organization's action, due on the follow-up day.
    assert follow_up.kind == "role" and follow_up.plan is not None
    assigned = follow_up.plan.actions.get(description=follow_up.action_description)
    assert assigned.organization == follow_up.responsible and assigned.due_on == follow_up.follow_up_on
    coordinator = follow_up.item.case.coordinator
    shown = due_for(coordinator, timezone.localdate()).audit_objects()
    assert ("decision", follow_up.pk) in shown
    assert coming.exists()
    assert coming[0].status == MeetingStatus.PLANNED
    assert AgendaItem.objects.filter(meeting=coming[0], status=ItemStatus.PLACED).exists()

    # The next sitting's packet is ready: every selected organization of every item has filled its part,
    # and the packet's summary sheets carry them.
    ready = AgencyPart.objects.filter(item__meeting=coming[0])
    assert ready.exists()
    assert not ready.filter(submitted_at__isnull=True).exists()
    for item in AgendaItem.objects.filter(meeting=coming[0], status=ItemStatus.PLACED):
        assert set(item.organizations.values_list("pk", flat=True)) == set(
            ready.filter(item=item).values_list("organization_id", flat=True)
        )
    sheets = case_sheets(list(AgendaItem.objects.filter(meeting=coming[0], status=ItemStatus.PLACED)))
    assert sheets
    assert all(any("現在の状況" in str(s) for s in sheet.sections) for sheet in sheets)

    # The sitting after it: parts asked for, none filled yet, one past its due date.
    later = AgencyPart.objects.filter(item__meeting=coming[1])
    assert later.count() >= 2
    assert not later.filter(submitted_at__isnull=False).exists()
    today = timezone.localdate()
    assert [p.is_overdue(today) for p in later.order_by("pk")].count(True) == 1
    assert coming[1].status == MeetingStatus.PLANNED

    counts = (AgencyPart.objects.count(), AgencyPart.objects.filter(submitted_at__isnull=False).count())
    before = (Meeting.objects.count(), AgendaItem.objects.count(), Decision.objects.count())
    again = setup_demo()
    assert (Meeting.objects.count(), AgendaItem.objects.count(), Decision.objects.count()) == before
    assert (
        AgencyPart.objects.count(),
        AgencyPart.objects.filter(submitted_at__isnull=False).count(),
    ) == counts
    assert "会議の記録は既にあります" in again
    assert "会議資料の記入は既にあります" in again
