"""The household page's 連絡帳 panel: the threads of this household's cases (and their agenda items) that
the reader may read now, with the reader's unread counts. Nothing — not even a count — for anyone else."""

from __future__ import annotations

from django.http import HttpRequest

from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.panels import Panel

from .notebook import visible_threads, with_unread


def household_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    threads = list(with_unread(visible_threads(staff).filter(case__household=household), staff)[:10])
    if not threads:
        return None
    return Panel(
        template="meetings/_notebook_household.html",
        context={"threads": threads},
        audit_objects=tuple(("notebook_thread", t.pk) for t in threads),
    )
