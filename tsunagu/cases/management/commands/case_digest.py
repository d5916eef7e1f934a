"""`manage.py case_digest [--date YYYY-MM-DD]`: the daily digest of due and overdue case items.

One text per staff member who has something due: as coordinator (cases they hold) and for their
organization (plan actions it carries, consents naming it). Each list is built from that recipient's own
`visible_cases`, so a digest never names a case its recipient may not open. Nothing is mailed: the texts
are printed (and returned by `build_digests` for callers and tests). Each digest is audited as a list
read on the system channel.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from tsunagu.access.digests import DigestCommand, build_per_staff
from tsunagu.accounts.models import Staff
from tsunagu.cases.due import DueLists, digest_text, due_for


def build_digests(today: dt.date) -> dict[Staff, tuple[DueLists, str]]:
    """Per active casework staff member with something due: their due lists and the digest text."""
    # The registered due sources (a meeting's follow-ups ...) are left out: each app mails its own.
    return build_per_staff(today, "case_digest", partial(due_for, sources=False), digest_text)


class Command(DigestCommand):
    help = "期限・予定の日次のお知らせ（束ね役ごと・機関ごと）を表示します。"

    def build(self, today: dt.date) -> dict[Staff, tuple[Any, str]]:
        return build_digests(today)
