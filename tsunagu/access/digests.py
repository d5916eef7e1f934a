"""Daily texts per staff member (cases' digest, meetings' reminders): who receives one, each built from
that recipient's own reads and audited as a list read on the system channel; and the command that
prints them. Nothing is mailed (Tsunagu has no mail infrastructure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from tsunagu.accounts.models import Staff

from . import audit
from .permissions import CASEWORK


class Lists(Protocol):
    def __bool__(self) -> bool: ...
    def case_ids(self) -> list[int]: ...


L = TypeVar("L", bound=Lists)


def build_per_staff(
    today: dt.date, kind: str, lists_for: Callable[[Staff, dt.date], L], text: Callable[[Staff, L], str]
) -> dict[Staff, tuple[L, str]]:
    """Per active casework staff member with something in `lists_for`: the lists and their text."""
    out: dict[Staff, tuple[L, str]] = {}
    recipients = (
        Staff.objects.filter(
            is_active=True, role__in=list(CASEWORK), municipality__isnull=False, organization__isnull=False
        )
        .select_related("organization", "municipality")
        .order_by("municipality_id", "organization_id", "pk")
    )
    for staff in recipients:
        lists = lists_for(staff, today)
        if not lists:
            continue
        with transaction.atomic():
            audit.record(
                actor=staff,
                action="list",
                channel="system",
                objects=[("case", pk) for pk in lists.case_ids()],
                detail={"kind": kind, "date": today.isoformat()},
            )
        out[staff] = (lists, text(staff, lists))
    return out


class DigestCommand(BaseCommand):
    """`--date YYYY-MM-DD` (default today); subclasses say what to build."""

    def build(self, today: dt.date) -> dict[Staff, tuple[Any, str]]:
        raise NotImplementedError

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
        texts = self.build(today)
        for _staff, (_lists, text) in texts.items():
            self.stdout.write(text)
            self.stdout.write("")
        self.stdout.write(f"{len(texts)} 人分のお知らせを作成しました。")
