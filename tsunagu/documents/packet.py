"""会議資料 and other multi-section documents as one A4 PDF, one copy per recipient.

A packet is a list of sections — headings, key-value tables, paragraphs, tables, diagrams (genogram,
ecomap or any SVG), notices and page breaks — printed once per recipient in one PDF. Every page names
its recipient and copy number (「配付先 ○○ 様　No. 3 / 12」) and carries the footer of every form
(出力者, 出力日時, 廃棄期限, n / N ページ per copy). A packet marked `collect` (支援会議: 社会福祉法
第106条の6) also prints the 回収 notice on every page and the recipient's name faintly across it, and
refuses to print a copy without a named recipient.

Callers build the sections from records they have read through `tsunagu.access`, write one audit row
per recipient, and may render each recipient's copy on its own (`render_packet(p, [r])`) or all copies
in one file for the printer. Strings are set as text, never as Typst markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .pdf import render_pdf

COLLECT_NOTICE = (
    "【回収】この資料は会議の終了時に回収します。持ち帰り・複写・撮影・転送をしないでください。"
    "会議の構成員には社会福祉法第106条の6に基づく守秘義務があります。"
)


class PacketError(ValueError):
    """The packet cannot be printed as asked (a 回収 copy without a recipient, duplicate copy numbers …)."""


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 = section with a rule under it, 2 = sub-heading


@dataclass(frozen=True)
class Facts:
    """Label/value pairs, two pairs a row."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Paragraph:
    text: str  # line breaks are kept
    label: str = ""  # optional shaded label on the left (「本人の思い」)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()  # relative widths (fr); empty = equal
    empty: str = "記録はありません。"


@dataclass(frozen=True)
class Diagram:
    svg: str
    caption: str = ""
    note: str = ""  # small text under the drawing (「続柄から推定した線を含みます」)
    max_height_mm: float = 115.0  # about half a page: a genogram and an ecomap fit on one page


@dataclass(frozen=True)
class Notice:
    text: str


@dataclass(frozen=True)
class PageBreak:
    pass


Section = Heading | Facts | Paragraph | Table | Diagram | Notice | PageBreak


@dataclass(frozen=True)
class Recipient:
    name: str
    organization: str = ""
    copy_no: int = 0  # 0: no number printed
    copies: int = 0  # how many numbered copies exist in all


@dataclass(frozen=True)
class Printed:
    """Who printed the packet and until when it may be kept (already formatted, 和暦)."""

    by: str
    org: str
    at: str
    retention_days: int
    discard_by: str


@dataclass(frozen=True)
class Packet:
    title: str
    municipality: str
    printed: Printed
    sections: tuple[Section, ...]
    subtitle: str = ""
    program: str = "重層的支援体制整備事業"
    collect: bool = False  # 支援会議: 回収 notice on every page, named copies only
    collect_notice: str = COLLECT_NOTICE
    meta: tuple[tuple[str, str], ...] = field(default=())  # facts under the title (日時, 場所 …)


_VIEWBOX = re.compile(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*"')


def _svg_size(svg: str) -> tuple[float, float]:
    m = _VIEWBOX.search(svg[:600])
    if not m or not svg.lstrip().startswith("<svg"):
        raise PacketError("a diagram must be an SVG document with a viewBox")
    return float(m.group(1)), float(m.group(2))


def _section(s: Section) -> dict[str, Any]:
    if isinstance(s, Heading):
        return {"kind": "heading", "text": s.text, "level": s.level}
    if isinstance(s, Facts):
        return {"kind": "facts", "rows": [[str(k), str(v)] for k, v in s.rows]}
    if isinstance(s, Paragraph):
        return {"kind": "paragraph", "lines": s.text.splitlines() or [""], "label": s.label}
    if isinstance(s, Table):
        n = len(s.columns)
        if any(len(r) != n for r in s.rows):
            raise PacketError("every table row needs one cell per column")
        if s.widths and len(s.widths) != n:
            raise PacketError("table widths must match the columns")
        return {
            "kind": "table",
            "columns": list(s.columns),
            "rows": [[str(c) for c in r] for r in s.rows],
            "widths": list(s.widths) or [1.0] * n,
            "empty": s.empty,
        }
    if isinstance(s, Diagram):
        w, h = _svg_size(s.svg)
        return {
            "kind": "diagram",
            "svg": s.svg,
            "width": w,
            "height": h,
            "caption": s.caption,
            "note": s.note,
            "max_height": s.max_height_mm,
        }
    if isinstance(s, Notice):
        return {"kind": "notice", "text": s.text}
    if isinstance(s, PageBreak):
        return {"kind": "pagebreak"}
    raise PacketError(f"unknown section {type(s).__name__}")


def _trimmed(sections: tuple[Section, ...]) -> list[Section]:
    """Without trailing page breaks: a copy ends on its last printed page."""
    out = list(sections)
    while out and isinstance(out[-1], PageBreak):
        out.pop()
    return out


def packet_data(packet: Packet, recipients: Sequence[Recipient]) -> dict[str, Any]:
    """The JSON the Typst template reads (exposed for tests and callers that cache it)."""
    if packet.collect and (not recipients or any(not r.name.strip() for r in recipients)):
        raise PacketError("回収する資料は配付先を指定して印刷してください。")
    numbers = [r.copy_no for r in recipients if r.copy_no]
    if len(set(numbers)) != len(numbers):
        raise PacketError("資料番号が重複しています。")
    copies = [asdict(r) for r in recipients] or [asdict(Recipient(name=""))]
    return {
        "title": packet.title,
        "subtitle": packet.subtitle,
        "program": packet.program,
        "municipality": packet.municipality,
        "printed": asdict(packet.printed),
        "collect": packet.collect,
        "collect_notice": packet.collect_notice,
        "meta": [[k, v] for k, v in packet.meta],
        "sections": [_section(s) for s in _trimmed(packet.sections)],
        "copies": copies,
    }


def render_packet(packet: Packet, recipients: Sequence[Recipient] = ()) -> bytes:
    """One PDF holding a copy of `packet` for each recipient (page numbers restart with each copy)."""
    return render_pdf("packet", packet_data(packet, recipients))
