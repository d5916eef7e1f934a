"""What meetings put on the cases dashboard (cases' due-source registry, `tsunagu/cases/due.py`).

- 会議で決まった対応: a decision's follow-up (`Decision.follow_up_on`), not yet marked done, for the staff
  of the responsible organization and the case's 束ね役 (`follow_ups.open_follow_ups`);
- 会議資料の提出: a part of a coming sitting's materials the reader's organization owes
  (`materials.owed_parts`);
- 終結の見直し: the day a decision set for reviewing whether the case can close, for the case's 束ね役.

Each starts from what the reader may see under meetings' and cases' policies, so a reader who may not
see an item gets neither the item nor a count. Counts are one SQL aggregate each.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from tsunagu.accounts.models import Staff
from tsunagu.cases.due import DueSource, SourceCounts, SourceItem, register_due_source
from tsunagu.cases.policy import visible_cases

from .follow_ups import open_follow_ups
from .material_models import AgencyPart
from .materials import owed_parts
from .models import Decision


def _counts(qs: QuerySet, day_field: str, today: dt.date, until: dt.date) -> SourceCounts:
    agg = (
        qs.filter(**{f"{day_field}__lte": until})
        .order_by()
        .aggregate(
            overdue=Count("pk", filter=Q(**{f"{day_field}__lt": today})),
            upcoming=Count("pk", filter=Q(**{f"{day_field}__gte": today})),
        )
    )
    return SourceCounts(overdue=agg["overdue"] or 0, upcoming=agg["upcoming"] or 0)


# ---- 会議で決まった対応 ---------------------------------------------------------------------------


def follow_up_counts(staff: Staff, today: dt.date, until: dt.date) -> SourceCounts:
    return _counts(open_follow_ups(staff), "follow_up_on", today, until)


def follow_up_items(staff: Staff, today: dt.date, until: dt.date, limit: int) -> list[SourceItem]:
    rows: list[Decision] = list(open_follow_ups(staff).filter(follow_up_on__lte=until)[:limit])
    return [
        SourceItem(
            case=d.item.case,
            on=d.follow_up_on,
            url=f"{reverse('meetings:todo')}#decision-{d.pk}",
            what=f"{d.item.meeting.title()}の決定: {d.note[:40]}",
            organization=d.responsible.name if d.responsible else "",
            audit_objects=(("decision", d.pk), ("agenda_item", d.item_id)),
        )
        for d in rows
        if d.follow_up_on is not None
    ]


# ---- 会議資料の提出 -------------------------------------------------------------------------------


def part_counts(staff: Staff, today: dt.date, until: dt.date) -> SourceCounts:
    return _counts(owed_parts(staff), "due_on", today, until)


def part_items(staff: Staff, today: dt.date, until: dt.date, limit: int) -> list[SourceItem]:
    rows: list[AgencyPart] = list(owed_parts(staff).filter(due_on__lte=until)[:limit])
    return [
        SourceItem(
            case=p.item.case,
            on=p.due_on,
            url=reverse("meetings:fill_part", args=[p.pk]),
            what=f"{p.item.meeting.title()}の資料（記入）",
            organization=p.organization.name,
            audit_objects=(("agency_part", p.pk), ("agenda_item", p.item_id)),
        )
        for p in rows
    ]


# ---- 終結の見直し ---------------------------------------------------------------------------------


def _closure_reviews(staff: Staff) -> QuerySet[Decision]:
    """Closure reviews a decision set, on open cases the reader holds as 束ね役 and may open."""
    return (
        Decision.objects.filter(
            closure_review_on__isnull=False,
            item__case__in=visible_cases(staff).filter(coordinator=staff, closed_at__isnull=True),
        )
        .select_related("item__case", "item__meeting__body", "item__meeting__area")
        .order_by("closure_review_on", "pk")
    )


def closure_counts(staff: Staff, today: dt.date, until: dt.date) -> SourceCounts:
    return _counts(_closure_reviews(staff), "closure_review_on", today, until)


def closure_items(staff: Staff, today: dt.date, until: dt.date, limit: int) -> list[SourceItem]:
    rows = list(_closure_reviews(staff).filter(closure_review_on__lte=until)[:limit])
    return [
        SourceItem(
            case=d.item.case,
            on=d.closure_review_on,
            url=reverse("meetings:item", args=[d.item_id]),
            what=f"{d.item.meeting.title()}で決めた終結の見直し",
            audit_objects=(("decision", d.pk), ("agenda_item", d.item_id)),
        )
        for d in rows
        if d.closure_review_on is not None
    ]


def register() -> None:
    register_due_source(
        DueSource(
            key="meetings.follow_up",
            label="会議で決まった対応",
            counts=follow_up_counts,
            items=follow_up_items,
            more_url="meetings:todo",
        )
    )
    register_due_source(
        DueSource(
            key="meetings.part",
            label="会議資料の提出",
            counts=part_counts,
            items=part_items,
            more_url="meetings:todo",
        )
    )
    register_due_source(
        DueSource(
            key="meetings.closure_review",
            label="終結の見直し（会議の決定）",
            counts=closure_counts,
            items=closure_items,
        )
    )
