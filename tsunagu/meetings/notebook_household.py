"""The household page's 連絡帳 panel: the threads of this household's cases (and their agenda items) that
the reader may read now, with the reader's unread counts, and a way to start the thread of an open case
that has none yet. Nothing — not even a count — for anyone else."""

from __future__ import annotations

from django.http import HttpRequest

from tsunagu.accounts.models import Staff
from tsunagu.cases.household import case_statuses, household_cases
from tsunagu.cases.models import OPEN_STATUSES
from tsunagu.people.models import Household
from tsunagu.people.panels import Panel

from .notebook import visible_threads, with_unread


def household_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    # Every thread belongs to a case of the household: without a case there is nothing to ask about.
    if not case_statuses(household):
        return None
    threads = list(with_unread(visible_threads(staff).filter(case__household=household), staff)[:10])
    with_thread = {t.case_id for t in threads if t.item_id is None}
    to_start = sorted(
        (
            c
            for c in household_cases(staff, household)
            if c.status in OPEN_STATUSES and c.pk not in with_thread
        ),
        key=lambda c: c.pk,
    )
    if not threads and not to_start:
        return None
    return Panel(
        template="meetings/_notebook_household.html",
        context={"threads": threads, "to_start": to_start},
        audit_objects=tuple(("notebook_thread", t.pk) for t in threads)
        + tuple(("case", c.pk) for c in to_start),
    )
