"""Packets (会議資料) as A4 PDF: sections in order, both diagrams with their Japanese text, and per
copy the recipient, the copy number and — for a 支援会議 — the 回収 notice on every page."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest

from tsunagu.documents.ecomap import EcoEntity, Ecomap, EcoMember, Flow, Tie, render_ecomap
from tsunagu.documents.genogram import render_genogram
from tsunagu.documents.kinship import with_captions
from tsunagu.documents.packet import (
    COLLECT_NOTICE,
    Diagram,
    Facts,
    Heading,
    Notice,
    Packet,
    PacketError,
    PageBreak,
    Paragraph,
    Printed,
    Recipient,
    Table,
    packet_data,
    render_packet,
)

from .families import family_8050, family_remarried

PRINTED = Printed(
    by="高橋 一郎",
    org="福祉総合相談課",
    at="令和8年5月14日 9時30分",
    retention_days=7,
    discard_by="令和8年5月21日",
)
ECOMAP = Ecomap(
    members=(EcoMember("山田 健一", 54, subject=True), EcoMember("山田 トシ子", 82, caption="母")),
    entities=(
        EcoEntity("a", "地域包括支援センター東部", "福祉・介護", "月1回訪問", Tie.STRONG, Flow.TO_HOUSEHOLD),
        EcoEntity("b", "近隣住民", "地域", "ごみ出しで苦情", Tie.STRESSFUL, Flow.BOTH),
    ),
)


def case_sections(label: str, name: str, genogram_svg: str) -> tuple:
    return (
        Heading(f"ケース {label}　{name} さん世帯"),
        Facts((("束ね役", "高橋（福祉総合相談課）"), ("ケースの状態", "支援中"), ("分野", "高齢・生活困窮"))),
        Paragraph("母の介護をきっかけに相談。\n本人は離職後ひきこもり状態。", label="相談の経過"),
        Diagram(genogram_svg, caption="ジェノグラム", note="続柄から推定した線を含みます"),
        Diagram(render_ecomap(ECOMAP), caption="エコマップ"),
        Heading("支援の経過", 2),
        Table(
            ("日付", "機関", "内容"),
            (("令和8年4月3日", "地域包括支援センター", "介護保険申請を支援"),),
            widths=(1, 1.4, 3),
        ),
        Heading("残っている支援", 2),
        Table(("内容", "担当", "期限"), ()),
        Notice("検討したいこと: 就労準備支援への参加をどう促すか。"),
        PageBreak(),
    )


def make_packet(collect: bool = True) -> Packet:
    sections = case_sections("2026-0007", "山田 健一", render_genogram(family_8050()))
    sections += case_sections("2026-0011", "鈴木 恵", render_genogram(with_captions(family_remarried())))
    return Packet(
        title="第3回 スクラムネット 会議資料",
        subtitle="令和8年5月15日（金）14時00分　市役所 第2会議室",
        municipality="土浦市",
        printed=PRINTED,
        sections=sections,
        collect=collect,
        meta=(("会議", "スクラムネット（支援会議）"), ("議題数", "2件")),
    )


def pages_text(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", "", p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


RECIPIENTS = [
    Recipient("佐藤 花子", "地域包括支援センター東部", 1, 3),
    Recipient("鈴木 次郎", "社会福祉協議会", 2, 3),
    Recipient("髙橋 﨑子", "民生委員", 3, 3),
]


def test_every_page_of_every_copy_names_its_recipient_number_and_the_collect_notice():
    pdf = render_packet(make_packet(), RECIPIENTS)
    pages = pages_text(pdf)
    notice = re.sub(r"\s+", "", COLLECT_NOTICE)
    copies: dict[int, list[str]] = {}
    for text in pages:
        found = [r for r in RECIPIENTS if f"配付先:{r.name.replace(' ', '')}様" in text]
        assert len(found) == 1, text[:200]
        r = found[0]
        assert f"No.{r.copy_no}/3" in text and r.organization in text
        assert notice in text  # 回収 on every page
        assert "取扱注意（要配慮個人情報）" in text and "出力者:高橋一郎（福祉総合相談課）" in text
        copies.setdefault(r.copy_no, []).append(text)
    assert sorted(copies) == [1, 2, 3]
    n = len(copies[1])
    assert n >= 4 and all(len(c) == n for c in copies.values())
    for c in copies.values():  # page numbers restart with each copy
        for i, text in enumerate(c, start=1):
            assert f"{i}/{n}ページ" in text
    first = "".join(copies[1])
    # Sections in order, for both cases.
    order = [
        "第3回スクラムネット会議資料",
        "ケース2026-0007山田健一さん世帯",
        "束ね役",
        "相談の経過",
        "ジェノグラム",
        "エコマップ",
        "支援の経過",
        "残っている支援",
        "記録はありません。",
        "検討したいこと",
        "ケース2026-0011鈴木恵さん世帯",
    ]
    positions = [first.index(s) for s in order]
    assert positions == sorted(positions)
    # Text inside the SVG diagrams comes out as text in the embedded font.
    for name in (
        "山田トシ子",
        "2019年没",
        "田中さくら",
        "地域包括支援",
        "ごみ出しで苦情",
        "夫の元妻",
        "鈴木結衣",
    ):
        assert name in first
    # Each case starts on a new page: nothing of the first case precedes the second case's heading.
    second = next(t for t in copies[1] if "ケース2026-0011" in t)
    assert "山田健一さん世帯" not in second and second.index("ケース2026-0011") < second.index("束ね役")


def test_fonts_are_embedded_and_rare_kanji_survive():
    pdf = render_packet(make_packet(), RECIPIENTS[2:])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "髙橋" in text and "﨑子" in text
    fonts = 0
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            inner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = inner["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            assert "IPAexGothic" in str(inner["/BaseFont"])
            fonts += 1
    assert fonts > 0


def test_a_collect_copy_needs_a_named_recipient_and_unique_numbers():
    with pytest.raises(PacketError, match="配付先"):
        render_packet(make_packet(), [])
    with pytest.raises(PacketError, match="配付先"):
        render_packet(make_packet(), [Recipient("  ", "", 1, 1)])
    with pytest.raises(PacketError, match="重複"):
        render_packet(make_packet(), [Recipient("甲", "", 1, 2), Recipient("乙", "", 1, 2)])


def test_a_packet_that_is_not_collected_prints_without_the_notice_or_recipient():
    pdf = render_packet(make_packet(collect=False))
    pages = pages_text(pdf)
    assert all("回収" not in t and "配付先" not in t for t in pages)
    assert f"1/{len(pages)}ページ" in pages[0]


def test_user_text_is_printed_literally_never_as_markup():
    nasty = '#panic("x") *太字* $x^2$ <lbl> @ref _斜体_ \\ ] ['
    packet = Packet(
        title="資料",
        municipality="テスト市",
        printed=PRINTED,
        sections=(
            Heading(nasty),
            Paragraph(nasty, label=nasty),
            Table(("列",), ((nasty,),)),
            Facts(((nasty, nasty),)),
        ),
    )
    text = "".join(pages_text(render_packet(packet)))
    assert text.count(re.sub(r"\s+", "", nasty)) == 6


def test_bad_sections_are_refused():
    bad = Packet(title="t", municipality="m", printed=PRINTED, sections=(Table(("a", "b"), (("1",),)),))
    with pytest.raises(PacketError, match="one cell per column"):
        packet_data(bad, [])
    bad = Packet(title="t", municipality="m", printed=PRINTED, sections=(Diagram("<p>not svg</p>"),))
    with pytest.raises(PacketError, match="SVG"):
        packet_data(bad, [])
