"""会議資料: the packet of a sitting as an A4 PDF, one copy per recipient.

Each recipient's copy holds only the items that recipient may see under the gates (policy.can_see_item
for staff; for an invited individual without an account, `guest_items`), and never an item the printer
may not see. Every page names the recipient and copy number with the print time and the discard date
(settings.PRINT_RETENTION_DAYS); a copy with a 支援会議 item carries the 回収 notice. Each copy is one
audit row (recipient, copy number, items, cases, persons drawn, legal bases) in the transaction that
renders it. Summary sheets are drawn once per item and shared by the copies that hold it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.core.wareki import wareki
from tsunagu.directory.models import MemberSelection
from tsunagu.documents.packet import (
    Notice,
    Packet,
    PageBreak,
    Printed,
    Recipient,
    Section,
    Table,
    render_packet,
)

from .models import DUTY_FUNCTIONS, AgendaItem, Invitation, Meeting
from .policy import can_see_item
from .summary_sheet import CaseSheet, case_sheets


def at_text(moment: dt.datetime) -> str:
    """「令和8年12月2日 14時05分」 in local time."""
    local = timezone.localtime(moment)
    return f"{wareki(local.date())} {local.hour}時{local.minute:02d}分"


def printed_by(staff: Staff, now: dt.datetime) -> Printed:
    """The footer of every meeting print: who printed it, when, and the day it must be destroyed by."""
    days = int(settings.PRINT_RETENTION_DAYS)
    return Printed(
        by=staff.display_name or staff.username,
        org=staff.organization.name if staff.organization else "",
        at=at_text(now),
        retention_days=days,
        discard_by=wareki(timezone.localtime(now).date() + dt.timedelta(days=days)),
    )


@dataclass(frozen=True)
class PacketRecipient:
    """Someone a copy is printed for: a staff member (`staff_id`) or an invited individual (`invitation_id`)."""

    key: str  # "s<staff id>" or "g<invitation id>": the form's value
    name: str
    organization: str
    items: tuple[AgendaItem, ...]
    staff_id: int | None = None
    invitation_id: int | None = None


def guest_items(invitation: Invitation, items: Sequence[AgendaItem], at: dt.datetime) -> list[AgendaItem]:
    """An invited individual without an account (主治医, 民生委員): only items under a statutory duty
    (支援会議, 地域協議会 — consent names organizations, never them), only after the secretariat recorded
    their signed 守秘義務, only the item they were invited for (or every item of a body with fixed members
    when invited to the whole sitting), not when recorded absent, and not after the follow-up window."""
    if (
        not invitation.guest_post
        or invitation.guest_duty_acknowledged_at is None
        or invitation.attended is False
    ):
        return []
    meeting = invitation.meeting
    if at > meeting.follow_up_until():
        return []
    fixed = meeting.body.member_selection == MemberSelection.FIXED
    return [
        i
        for i in items
        if i.legal_function in DUTY_FUNCTIONS
        and (invitation.item_id == i.pk or (invitation.item_id is None and fixed))
    ]


def packet_recipients(
    meeting: Meeting, items: Sequence[AgendaItem], at: dt.datetime
) -> list[PacketRecipient]:
    """Everyone who could receive a copy, each with the items (of `items`, those the printer may see) they
    may see; people who may see none of them are left out."""
    item_ids = [i.pk for i in items]
    orgs = set(
        meeting.invitations.filter(organization__isnull=False, staff__isnull=True).values_list(
            "organization_id", flat=True
        )
    ) | set(
        AgendaItem.organizations.through.objects.filter(agendaitem_id__in=item_ids).values_list(
            "organization_id", flat=True
        )
    )
    named = meeting.invitations.filter(staff__isnull=False).values("staff_id")
    staff = (
        Staff.objects.filter(municipality_id=meeting.municipality_id, is_active=True)
        .filter(
            Q(organization_id__in=orgs)
            | Q(pk__in=named)
            | Q(pk__in=[i.case.coordinator_id for i in items])
            | Q(pk__in=[i.proposed_by_id for i in items])
        )
        .select_related("organization")
        .order_by("organization__name", "display_name", "pk")
    )
    out = []
    for s in staff:
        seen = tuple(i for i in items if can_see_item(s, i, at))
        if seen:
            out.append(
                PacketRecipient(
                    key=f"s{s.pk}",
                    name=s.display_name or s.username,
                    organization=s.organization.name if s.organization else "",
                    items=seen,
                    staff_id=s.pk,
                )
            )
    for inv in meeting.invitations.filter(guest_post__gt="").select_related("meeting__body").order_by("pk"):
        seen = tuple(guest_items(inv, items, at))
        if seen:
            out.append(
                PacketRecipient(
                    key=f"g{inv.pk}",
                    name=inv.guest_name or inv.guest_post,
                    organization=inv.guest_post if inv.guest_name else "",
                    items=seen,
                    invitation_id=inv.pk,
                )
            )
    return out


def meeting_packet(meeting: Meeting, sheets: Sequence[CaseSheet], printer: Staff, now: dt.datetime) -> Packet:
    """The packet holding `sheets` (already limited to what its recipients may see)."""
    sections: list[Section] = [
        Table(
            columns=("#", "ケース", "目的", "時間", "検討の根拠"),
            rows=tuple(
                (
                    str(n),
                    f"ケース {s.item.case.label}",
                    s.item.get_purpose_display(),
                    f"{s.item.minutes}分",
                    s.item.legal_basis(),
                )
                for n, s in enumerate(sheets, 1)
            ),
            widths=(0.4, 1.6, 1.2, 0.8, 3.4),
            empty="この配付先が閲覧できる議題はありません。",
        )
    ]
    if not sheets:
        sections.append(Notice("この配付先が閲覧できる議題はありません。"))
    for s in sheets:
        sections += [PageBreak(), *s.sections]
    return Packet(
        title=f"会議資料 {meeting.title()}",
        municipality=meeting.municipality.name,
        printed=printed_by(printer, now),
        sections=tuple(sections),
        collect=any(s.item.legal_function in DUTY_FUNCTIONS for s in sheets),
        meta=(("日時", at_text(meeting.starts_at)), ("場所", meeting.place or "—")),
    )


def _audit_copy(
    *,
    printer: Staff,
    meeting: Meeting,
    sheets: Sequence[CaseSheet],
    recipient: PacketRecipient,
    copy_no: int,
    request: object,
) -> None:
    audit.record(
        actor=printer,
        action="print",
        channel="print",
        request=request,
        objects=[
            ("meeting", meeting.pk),
            *[("agenda_item", s.item.pk) for s in sheets],
            *[("case", s.item.case_id) for s in sheets],
            *[("person", p) for s in sheets for p in s.person_ids],
        ],
        reason="、".join(sorted({s.item.legal_basis() for s in sheets})),
        detail={
            "form": "meeting_packet",
            "copy_no": copy_no,
            "recipient": recipient.name,
            "recipient_staff": recipient.staff_id,
            "recipient_invitation": recipient.invitation_id,
        },
    )


def print_copies(
    *, printer: Staff, meeting: Meeting, recipients: Sequence[PacketRecipient], request: object = None
) -> bytes:
    """One PDF with a numbered copy for each recipient (copies with the same items rendered together)."""
    import pypdf

    now = timezone.now()
    every_item = {i.pk: i for r in recipients for i in r.items}
    sheets = {
        s.item.pk: s for s in case_sheets(sorted(every_item.values(), key=lambda i: (i.sort_order, i.pk)))
    }
    groups: dict[tuple[int, ...], list[tuple[int, PacketRecipient]]] = {}
    for n, r in enumerate(recipients, 1):
        groups.setdefault(tuple(sorted(i.pk for i in r.items)), []).append((n, r))
    rendered: dict[int, bytes] = {}  # first copy number of a group → its PDF
    with transaction.atomic():
        for ids, members in groups.items():
            own = sorted((sheets[i] for i in ids), key=lambda s: (s.item.sort_order, s.item.pk))
            for n, r in members:
                _audit_copy(
                    printer=printer, meeting=meeting, sheets=own, recipient=r, copy_no=n, request=request
                )
            rendered[members[0][0]] = render_packet(
                meeting_packet(meeting, own, printer, now),
                [
                    Recipient(name=r.name, organization=r.organization, copy_no=n, copies=len(recipients))
                    for n, r in members
                ],
            )
    if len(rendered) == 1:
        return next(iter(rendered.values()))
    # Groups one after another, each group's copies in copy-number order.
    writer = pypdf.PdfWriter()
    for _first, pdf in sorted(rendered.items()):
        writer.append(pypdf.PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def print_own_copy(
    *, staff: Staff, meeting: Meeting, items: Sequence[AgendaItem], request: object = None
) -> bytes:
    """The reader's own copy: the items they may see (fetched through policy), named to them."""
    me = PacketRecipient(
        key=f"s{staff.pk}",
        name=staff.display_name or staff.username,
        organization=staff.organization.name if staff.organization else "",
        items=tuple(items),
        staff_id=staff.pk,
    )
    return print_copies(printer=staff, meeting=meeting, recipients=[me], request=request)
