"""`manage.py meeting_reminders [--date YYYY-MM-DD]`: what each staff member owes from meetings —
decisions' follow-ups due within a week or overdue (to the responsible organization and the case's
束ね役) and agencies' parts of coming materials not yet submitted.

Each list is built from its recipient's own reads (meetings policy, cases' visible_cases), so a reminder
never names a case its recipient may not open. Nothing is mailed (Tsunagu has no mail infrastructure):
the texts are printed, and returned by `build_reminders` for callers and tests. Each reminder is audited
as a list read on the system channel.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tsunagu.access.digests import DigestCommand, build_per_staff
from tsunagu.accounts.models import Staff
from tsunagu.meetings.follow_ups import Reminders, reminder_text, reminders_for


def build_reminders(today: dt.date) -> dict[Staff, tuple[Reminders, str]]:
    return build_per_staff(today, "meeting_reminders", reminders_for, reminder_text)


class Command(DigestCommand):
    help = "会議の決定の対応期限と、提出していない会議資料のお知らせを表示します。"

    def build(self, today: dt.date) -> dict[Staff, tuple[Any, str]]:
        return build_reminders(today)
