"""`manage.py case_digest [--date YYYY-MM-DD]`: the daily digest of due and overdue case items.

One text per staff member who has something due: as coordinator (cases they hold) and for their
organization (plan actions it carries, consents naming it). Each list is built from that recipient's own
`visible_cases`, so a digest never names a case its recipient may not open. Nothing is mailed: the texts
are printed (and returned by `build_digests` for callers and tests). Each digest is audited as a list
read on the system channel.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from tsunagu.access import audit
from tsunagu.access.permissions import CASEWORK
from tsunagu.accounts.models import Staff
from tsunagu.cases.due import DueLists, digest_text, due_for


def build_digests(today: dt.date) -> dict[Staff, tuple[DueLists, str]]:
    """Per active casework staff member with something due: their due lists and the digest text."""
    out: dict[Staff, tuple[DueLists, str]] = {}
    recipients = (
        Staff.objects.filter(
            is_active=True, role__in=list(CASEWORK), municipality__isnull=False, organization__isnull=False
        )
        .select_related("organization", "municipality")
        .order_by("municipality_id", "organization_id", "pk")
    )
    for staff in recipients:
        lists = due_for(staff, today)
        if not lists:
            continue
        with transaction.atomic():
            audit.record(
                actor=staff,
                action="list",
                channel="system",
                objects=[("case", pk) for pk in lists.case_ids()],
                detail={"kind": "case_digest", "date": today.isoformat()},
            )
        out[staff] = (lists, digest_text(staff, lists))
    return out


class Command(BaseCommand):
    help = "期限・予定の日次のお知らせ（束ね役ごと・機関ごと）を表示します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="基準日（YYYY-MM-DD、既定は今日）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options.get("date"):
            try:
                parsed = parse_date(options["date"])
            except ValueError:
                parsed = None
            if parsed is None:
                raise CommandError("--date は YYYY-MM-DD の形で指定してください。")
            today = parsed
        digests = build_digests(today)
        for _staff, (_lists, text) in digests.items():
            self.stdout.write(text)
            self.stdout.write("")
        self.stdout.write(f"{len(digests)} 人分のお知らせを作成しました。")
