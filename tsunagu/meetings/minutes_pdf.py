"""議事録 as an A4 PDF through documents' packet builder: attendance, then per item (only those the
printer may see) the review of last actions and the decisions. A sitting with a 支援会議 item prints the
回収 notice and the printer's name on every page; every print is audited with the items' legal bases."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.core.wareki import wareki
from tsunagu.documents.packet import (
    Facts,
    Heading,
    Notice,
    Packet,
    Recipient,
    Section,
    Table,
    render_packet,
)

from .models import DUTY_FUNCTIONS, AgendaItem, Decision, Meeting
from .packet_pdf import at_text, printed_by


def _attended(value: bool | None) -> str:
    return {True: "出席", False: "欠席"}.get(value, "未記録")  # type: ignore[arg-type]


def _decision_row(d: Decision) -> tuple[str, str, str, str]:
    """One decision: what, the action assigned, who by when, and the dates, body or plan version it set."""
    content = d.note + (f"　支援内容: {d.action_description}" if d.action_description else "")
    who = d.responsible.name if d.responsible else ""
    if d.follow_up_on:
        who += f"（{wareki(d.follow_up_on)}まで）"
    where = [
        f"次回モニタリング {wareki(d.next_monitoring_on)}" if d.next_monitoring_on else "",
        f"終結の見直し {wareki(d.closure_review_on)}" if d.closure_review_on else "",
        f"{d.to_body.name}へ" if d.to_body else "",
        f"支援プラン第{d.plan.version_no}版に反映" + ("（協議済）" if d.plan_agreed else "")
        if d.plan
        else "",
    ]
    return (d.get_kind_display(), content, who, "、".join(w for w in where if w))


def minutes_packet(meeting: Meeting, items: list[AgendaItem], staff: Staff, now: dt.datetime) -> Packet:
    sections: list[Section] = [
        Heading("出席"),
        Table(
            columns=("招待", "出欠"),
            rows=tuple((i.label(), _attended(i.attended)) for i in meeting.invitations.all()),
            widths=(3, 1),
        ),
    ]
    for n, item in enumerate(items, 1):
        sections += [
            Heading(f"{n}. ケース {item.case.label}（{item.get_purpose_display()}）"),
            Facts(rows=(("検討の根拠", item.legal_basis()), ("時間", f"{item.minutes}分"))),
            Heading("前回の役割分担の振り返り", level=2),
            Table(
                columns=("支援内容", "担当機関", "振り返り", "補足"),
                rows=tuple(
                    (r.action.description, r.action.organization.name, r.get_outcome_display(), r.note)
                    for r in item.reviews.select_related("action__organization")
                ),
                widths=(3, 2, 1.4, 3),
            ),
            Heading("決定", level=2),
            Table(
                columns=("決定", "内容", "担当機関・期限", "日程・会議体・プラン"),
                rows=tuple(
                    _decision_row(d) for d in item.decisions.select_related("to_body", "responsible", "plan")
                ),
                widths=(2, 4, 2, 2),
            ),
        ]
    if not items:
        sections.append(Notice("この出力者が閲覧できる議題はありません。"))
    return Packet(
        title=f"議事録 {meeting.title()}",
        municipality=meeting.municipality.name,
        printed=printed_by(staff, now),
        sections=tuple(sections),
        collect=any(i.legal_function in DUTY_FUNCTIONS for i in items),
        meta=(("日時", at_text(meeting.starts_at)), ("場所", meeting.place or "—")),
    )


def print_minutes(
    *, staff: Staff, meeting: Meeting, items: list[AgendaItem], request: object = None
) -> bytes:
    now = timezone.now()
    packet = minutes_packet(meeting, items, staff, now)
    recipient = Recipient(
        name=staff.display_name or staff.username,
        organization=staff.organization.name if staff.organization else "",
        copy_no=1,
        copies=1,
    )
    with transaction.atomic():
        audit.record(
            actor=staff,
            action="print",
            channel="print",
            request=request,
            objects=[
                ("meeting", meeting.pk),
                *[("agenda_item", i.pk) for i in items],
                *[("case", i.case_id) for i in items],
            ],
            reason="、".join(sorted({i.legal_basis() for i in items})),
            detail={"form": "minutes"},
        )
        return render_packet(packet, [recipient])
