"""会議の予定 (the calendar): one month at a time with 前月/翌月 and a jump to any month, each body's
sittings over the next 12 months, and the past sittings of a 年度 with links to their minutes.

The calendar carries no personal data (a body's name, a date, a place: policy.py), so every staff member of
the city sees it; agenda items appear only on the meeting pages, behind their gates. Bad query values
(month=13, year=²) get a Japanese message and the current month, never an error page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission, permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.core.wareki import fiscal_year, fiscal_year_label, wareki
from tsunagu.directory.models import MeetingBody

from .forms import CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, CalendarForm, MonthForm
from .models import Meeting, MeetingStatus
from .policy import visible_meetings

UPCOMING_LIMIT = 400  # sittings over the next 12 months, all bodies (a per-area body sits once per area)


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    return staff


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _add_months(first: dt.date, n: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_label(first: dt.date) -> str:
    return wareki(first).removesuffix("1日")


def _query(url_month: dt.date, fy: int) -> str:
    return f"?year={url_month.year}&month={url_month.month}&fy={fy}"


_FIELD_WORDS = {"year": "年", "month": "月", "fy": "年度"}


def _problem(field: str, message: str) -> str:
    """A message that names its field (「数が大きすぎます。」 alone does not say which)."""
    word = _FIELD_WORDS.get(field, "")
    return message if not word or message.startswith(f"{word}は") else f"{word}: {message}"


@dataclass
class BodyPlan:
    body: MeetingBody
    sittings: list[Meeting]


def _upcoming(staff: Staff, bodies: list[MeetingBody], now: dt.datetime) -> list[BodyPlan]:
    """Each active body with its planned sittings from now over the next 12 months."""
    today = timezone.localtime(now).date()
    # The same day next year (29 February: the 28th).
    until = _start_of(today.replace(year=today.year + 1, day=min(today.day, 28 if today.month == 2 else 31)))
    rows = list(
        visible_meetings(staff)
        .filter(starts_at__gte=now, starts_at__lt=until, status=MeetingStatus.PLANNED, body__in=bodies)
        .order_by("starts_at", "pk")[:UPCOMING_LIMIT]
    )
    by_body: dict[int, list[Meeting]] = {b.pk: [] for b in bodies}
    for m in rows:
        by_body[m.body_id].append(m)
    return [BodyPlan(b, by_body[b.pk]) for b in bodies]


@login_required
@permission("meetings.use")
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """会議の予定: the month asked for (default: this month), the next 12 months per body, past sittings."""
    staff = _staff(request)
    now = timezone.now()
    today = timezone.localdate()
    this_fy = fiscal_year(today)
    form = MonthForm(request.GET)
    problems: list[str] = []
    year, month, fy = today.year, today.month, this_fy
    if form.is_valid():
        d = form.cleaned_data
        year = d["year"] if d["year"] is not None else today.year
        month = d["month"] if d["month"] is not None else (today.month if d["year"] is None else 1)
        fy = d["fy"] if d["fy"] is not None else this_fy
    else:
        problems = list(
            dict.fromkeys(_problem(name, str(e)) for name, errs in form.errors.items() for e in errs)
        )
    form = MonthForm(initial={"year": year, "month": month, "fy": fy})
    first = dt.date(year, month, 1)
    prev_first, next_first = _add_months(first, -1), _add_months(first, 1)
    in_month = list(
        visible_meetings(staff)
        .filter(starts_at__gte=_start_of(first), starts_at__lt=_start_of(next_first))
        .order_by("starts_at", "pk")
    )
    bodies = list(MeetingBody.objects.filter(municipality=staff.municipality, active=True).order_by("pk"))
    upcoming = _upcoming(staff, bodies, now)
    past = list(
        visible_meetings(staff)
        .filter(
            starts_at__gte=_start_of(dt.date(fy, 4, 1)),
            starts_at__lt=min(_start_of(dt.date(fy + 1, 4, 1)), now),
        )
        .order_by("-starts_at", "-pk")
    )
    earliest = visible_meetings(staff).filter(starts_at__lt=now).aggregate(first=Min("starts_at"))["first"]
    first_fy = (
        max(fiscal_year(timezone.localtime(earliest).date()), CALENDAR_FIRST_YEAR) if earliest else this_fy
    )
    fiscal_years = [(y, fiscal_year_label(y)) for y in range(this_fy, min(first_fy, this_fy) - 1, -1)]
    shown = {m.pk for m in in_month} | {m.pk for p in upcoming for m in p.sittings} | {m.pk for m in past}
    audit.record(
        actor=staff,
        action="list",
        request=request,
        detail={"meetings": len(shown), "month": first.isoformat(), "fiscal_year": fy},
    )
    return render(
        request,
        "meetings/calendar.html",
        {
            "problems": problems,
            "month_form": form,
            "month_label": _month_label(first),
            "in_month": in_month,
            "prev_url": _query(prev_first, fy) if prev_first.year >= CALENDAR_FIRST_YEAR else "",
            "next_url": _query(next_first, fy) if next_first.year <= CALENDAR_LAST_YEAR else "",
            "prev_label": _month_label(prev_first),
            "next_label": _month_label(next_first),
            "this_month_url": _query(today.replace(day=1), fy),
            "upcoming": upcoming,
            "past": past,
            "fy": fy,
            "fy_label": fiscal_year_label(fy),
            "fiscal_years": fiscal_years,
            "fy_base": f"?year={first.year}&month={first.month}&fy=",
            "held": MeetingStatus.HELD,
            "cancelled": MeetingStatus.CANCELLED,
            "calendar_form": CalendarForm(
                bodies=MeetingBody.objects.filter(municipality=staff.municipality, active=True),
                initial={"year": this_fy + 1},
            ),
            "coordinates": has_permission(staff, "meetings.coordinate"),
            "can_call": has_permission(staff, "meetings.call"),
            "bodies": bodies,
        },
    )
