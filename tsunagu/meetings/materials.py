"""Agencies' parts of an item's materials (機関の記入) — asking for them with a due date, filling them —
and the reads that say who owes what by when.

The item's 束ね役 asks organizations selected for the item; a staff member of that organization fills
its part once they may see the item (policy.can_see_item: consent for 重層的支援会議, 守秘義務 acknowledged
for 支援会議). Each write is one transaction with its audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.scope import get_for
from tsunagu.accounts.models import Staff
from tsunagu.directory.models import Organization

from .actions import MeetingError, StaleMeeting
from .material_models import AgencyPart
from .models import AgendaItem, ItemStatus, MeetingStatus
from .policy import can_see_item, visible_items

OPEN_ITEM = (ItemStatus.PROPOSED, ItemStatus.PLACED)


@transaction.atomic
def request_parts(
    *, actor: Staff, item: AgendaItem, organizations: Sequence[Organization], due_on: dt.date
) -> list[AgencyPart]:
    """Ask each organization selected for the item for its part, due on `due_on` (on or before the
    meeting day). Organizations already asked keep their part and due date."""
    if item.municipality_id != actor.municipality_id or item.case.coordinator_id != actor.pk:
        raise MeetingError("この議題の束ね役だけが記入を依頼できます。")
    if item.status not in OPEN_ITEM or item.meeting.status != MeetingStatus.PLANNED:
        raise MeetingError("予定中の会議の議題にだけ記入を依頼できます。")
    if not organizations:
        raise MeetingError("記入を依頼する機関を選んでください。")
    selected = set(item.organizations.values_list("pk", flat=True))
    if any(o.pk not in selected for o in organizations):
        raise MeetingError("この議題の構成機関にだけ依頼できます。")
    meeting_day = timezone.localtime(item.meeting.starts_at).date()
    if due_on > meeting_day:
        raise MeetingError("提出期限は会議の日までにしてください。")
    if due_on < timezone.localdate():
        raise MeetingError("提出期限に過ぎた日は選べません。")
    made = []
    for org in organizations:
        part, created = AgencyPart.objects.get_or_create(
            item=item,
            organization=org,
            defaults={"municipality_id": item.municipality_id, "due_on": due_on, "requested_by": actor},
        )
        if created:
            made.append(part)
    if made:
        audit.record(
            actor=actor,
            action="create",
            objects=[("agenda_item", item.pk), *[("agency_part", p.pk) for p in made]],
            detail={"due_on": due_on.isoformat()},
        )
    return made


@transaction.atomic
def submit_part(
    *, actor: Staff, part: AgencyPart, version: int, situation: str, done: str, question: str
) -> AgencyPart:
    """The agency's own part, filled (or corrected) until the item is discussed."""
    item = part.item
    if actor.organization_id != part.organization_id or not can_see_item(actor, item):
        raise MeetingError("この機関の記入欄ではありません。")
    if item.status not in OPEN_ITEM:
        raise MeetingError("この議題は協議済みのため、記入は締め切られました。")
    texts = {"situation": situation.strip(), "done": done.strip(), "question": question.strip()}
    if not any(texts.values()):
        raise MeetingError("いずれかの欄を記入してください。")
    now = timezone.now()
    if (
        AgencyPart.objects.filter(pk=part.pk, version=version).update(
            **texts, submitted_by=actor, submitted_at=now, version=F("version") + 1
        )
        != 1
    ):
        raise StaleMeeting()
    part.refresh_from_db()
    audit.record(
        actor=actor,
        action="update",
        objects=[("agency_part", part.pk), ("agenda_item", item.pk), ("case", item.case_id)],
        reason=item.legal_basis(),
    )
    return part


# ---- reads ------------------------------------------------------------------------------------------


def parts_of(items: Sequence[AgendaItem]) -> dict[int, list[AgencyPart]]:
    """The parts of items the caller has already fetched through `policy` (item id → parts)."""
    out: dict[int, list[AgencyPart]] = {i.pk: [] for i in items}
    for p in AgencyPart.objects.filter(item__in=list(out)).select_related("organization", "submitted_by"):
        out[p.item_id].append(p)
    return out


def owed_parts(staff: Staff) -> QuerySet[AgencyPart]:
    """Parts the reader's organization owes, on items the reader may see (soonest due first)."""
    if staff.organization_id is None:
        return AgencyPart.objects.none()
    return (
        AgencyPart.objects.filter(
            organization_id=staff.organization_id,
            submitted_at__isnull=True,
            item__in=visible_items(staff).filter(status__in=OPEN_ITEM),
        )
        .select_related("item__case", "item__meeting__body", "item__meeting__area", "organization")
        .order_by("due_on", "pk")
    )


def get_part_to_fill(staff: Staff, part_id: object) -> AgencyPart:
    """The reader's own organization's part of an item they may see; anything else is a 404."""
    if staff.organization_id is None:
        raise Http404
    return get_for(
        AgencyPart.objects.filter(
            organization_id=staff.organization_id, item__in=visible_items(staff)
        ).select_related("item__case", "item__meeting__body", "organization"),
        part_id,
    )
