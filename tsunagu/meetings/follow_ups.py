"""Reminders after a meeting (issue 11 part 6: "reminders follow to those responsible").

What a staff member owes from meetings, soonest first:
- decisions whose responsible organization is theirs (担当機関) with a follow-up date within a week or
  past, not yet marked done — also listed to the case's 束ね役, who holds the case;
- parts of coming meetings' materials their organization owes (materials.owed_parts).
Every list starts from what the reader may see: the decision's item (meetings policy) or its case
(cases' `visible_cases`). Marking a follow-up done is an action (one transaction, one audit row).
Nothing is mailed (there is no mail infrastructure): `manage.py meeting_reminders` prints the texts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.scope import get_for
from tsunagu.accounts.models import Staff
from tsunagu.cases.policy import visible_cases
from tsunagu.core.wareki import wareki

from .actions import MeetingError
from .material_models import AgencyPart
from .materials import owed_parts
from .models import Decision
from .policy import visible_items

SOON_DAYS = 7


@dataclass
class Reminders:
    today: dt.date
    decisions: list[Decision] = field(default_factory=list)
    parts: list[AgencyPart] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.decisions or self.parts)

    def case_ids(self) -> list[int]:
        return sorted({d.item.case_id for d in self.decisions} | {p.item.case_id for p in self.parts})


def _readable(staff: Staff) -> QuerySet[Decision]:
    return Decision.objects.filter(Q(item__in=visible_items(staff)) | Q(item__case__in=visible_cases(staff)))


def open_follow_ups(staff: Staff) -> QuerySet[Decision]:
    """Follow-ups not yet done, for the responsible organization or the case's 束ね役, among decisions the
    reader may see."""
    mine = Q(item__case__coordinator=staff)
    if staff.organization_id is not None:
        mine |= Q(responsible_id=staff.organization_id)
    return (
        _readable(staff)
        .filter(mine, followed_up_at__isnull=True, follow_up_on__isnull=False)
        .select_related("item__case", "item__meeting__body", "responsible")
        .order_by("follow_up_on", "pk")
    )


def due_follow_ups(staff: Staff, today: dt.date) -> QuerySet[Decision]:
    """Open follow-ups due within SOON_DAYS, or overdue."""
    return open_follow_ups(staff).filter(follow_up_on__lte=today + dt.timedelta(days=SOON_DAYS))


def reminders_for(staff: Staff, today: dt.date) -> Reminders:
    return Reminders(today=today, decisions=list(due_follow_ups(staff, today)), parts=list(owed_parts(staff)))


def get_follow_up_for(staff: Staff, decision_id: object) -> Decision:
    return get_for(open_follow_ups(staff), decision_id)


@transaction.atomic
def complete_follow_up(*, actor: Staff, decision: Decision) -> Decision:
    """対応済み: by a staff member of the responsible organization or the case's 束ね役."""
    if decision.item.municipality_id != actor.municipality_id or (
        actor.organization_id != decision.responsible_id and decision.item.case.coordinator_id != actor.pk
    ):
        raise MeetingError("担当機関の職員か、このケースの束ね役だけが記録できます。")
    updated = Decision.objects.filter(pk=decision.pk, followed_up_at__isnull=True).update(
        followed_up_at=timezone.now(), followed_up_by=actor
    )
    if updated != 1:
        raise MeetingError("すでに対応済みです。")
    decision.refresh_from_db()
    audit.record(
        actor=actor,
        action="update",
        objects=[
            ("decision", decision.pk),
            ("agenda_item", decision.item_id),
            ("case", decision.item.case_id),
        ],
        detail={"followed_up": True},
    )
    return decision


def reminder_text(staff: Staff, r: Reminders) -> str:
    """The reminder as plain text: case numbers and dates only (no names, no decision text)."""
    lines = [f"{staff.display_name or staff.username} 様　会議の後の対応と会議資料（{wareki(r.today)}）"]
    for d in r.decisions:
        late = "【期限切れ】" if d.follow_up_on and d.follow_up_on < r.today else ""
        lines.append(
            f"・{late}対応の期限 {wareki(d.follow_up_on)} ケース {d.item.case.label}（{d.item.meeting.body.name}の決定）"
        )
    for p in r.parts:
        late = "【期限切れ】" if p.is_overdue(r.today) else ""
        lines.append(
            f"・{late}会議資料の提出期限 {wareki(p.due_on)} ケース {p.item.case.label}（{p.item.meeting.body.name}）"
        )
    return "\n".join(lines)
