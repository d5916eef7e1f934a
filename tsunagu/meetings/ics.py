"""iCalendar (RFC 5545) for one sitting: the body's name, time and place — never a case or a person."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Meeting


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r", "")
        .replace("\n", "\\n")
    )


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets; a continuation line starts with a space (RFC 5545 3.1)."""
    parts, current = [], ""
    for ch in line:
        if len((current + ch).encode()) > 75:
            parts.append(current)
            current = " "
        current += ch
    return [*parts, current]


def meeting_ics(meeting: Meeting, host: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tsunagu//meetings//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host.split(':')[0] or 'tsunagu'}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.ends_at)}",
        f"SUMMARY:{_escape(meeting.title())}",
        "CLASS:CONFIDENTIAL" if meeting.body.closed else "CLASS:PUBLIC",
    ]
    if meeting.place:
        lines.append(f"LOCATION:{_escape(meeting.place)}")
    if meeting.status == "cancelled":
        lines.append("STATUS:CANCELLED")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    folded = [part for line in lines for part in _fold(line)]
    return "\r\n".join(folded) + "\r\n"
