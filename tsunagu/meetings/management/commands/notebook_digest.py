"""`manage.py notebook_digest`: the 連絡帳 notice — per staff member, the threads with posts they have not
read yet.

Each notice is built from that recipient's own `visible_threads` (cases' policy and the item gates at this
moment), so it never names a thread its recipient may not read, and it carries case numbers and counts
only (no names, no text). Nothing is mailed: the texts are printed (and returned by `build_notices` for
callers and tests). Each notice is audited as a list read on the system channel.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from tsunagu.access import audit
from tsunagu.access.permissions import CASEWORK
from tsunagu.accounts.models import Staff
from tsunagu.meetings.notebook import visible_threads, with_unread
from tsunagu.meetings.notebook_models import NotebookThread


def _line(t: NotebookThread) -> str:
    where = f"ケース {t.case.label}"
    if t.item_id is not None and t.item is not None:
        where += f"・{t.item.meeting.title()}の議題"
    return f"  - {where}: 未読 {t.unread}件"  # type: ignore[attr-defined]


def build_notices() -> dict[Staff, str]:
    """Per active casework staff member with unread posts: the notice text."""
    out: dict[Staff, str] = {}
    recipients = (
        Staff.objects.filter(
            is_active=True, role__in=list(CASEWORK), municipality__isnull=False, organization__isnull=False
        )
        .select_related("organization", "municipality")
        .order_by("municipality_id", "organization_id", "pk")
    )
    for staff in recipients:
        threads = [t for t in with_unread(visible_threads(staff), staff) if t.unread]  # type: ignore[attr-defined]
        if not threads:
            continue
        with transaction.atomic():
            audit.record(
                actor=staff,
                action="list",
                channel="system",
                objects=[("notebook_thread", t.pk) for t in threads] + [("case", t.case_id) for t in threads],
                detail={"kind": "notebook_digest"},
            )
        lines = [f"{staff}（{staff.organization}）さん: 連絡帳に未読の投稿があります。", *map(_line, threads)]
        out[staff] = "\n".join(lines)
    return out


class Command(BaseCommand):
    help = "連絡帳の未読のお知らせ（職員ごと）を表示します。"

    def handle(self, *args: Any, **options: Any) -> None:
        notices = build_notices()
        for text in notices.values():
            self.stdout.write(text)
            self.stdout.write("")
        self.stdout.write(f"{len(notices)} 人分のお知らせを作成しました。")
