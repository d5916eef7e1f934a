"""Text widths and line breaking in IPAexGothic, and the outline of a union of rectangles."""

from __future__ import annotations

from tsunagu.documents import _ipaex_widths, textmetrics
from tsunagu.documents.geometry import Rect, inside_polygon, parse_path_d, path_d, union_outline
from tsunagu.documents.textmetrics import fit, text_width, wrap


def test_the_width_table_matches_the_installed_font():
    per_em, narrow = textmetrics.measure_font_widths()
    assert per_em == _ipaex_widths.UNITS_PER_EM
    assert {k: round(v * per_em) for k, v in textmetrics._narrow().items()} == narrow


def test_widths_of_japanese_latin_and_half_width_kana():
    assert text_width("山田", 10) == 20
    assert text_width("ｱｲｳ", 10) == 15  # half-width katakana: half an em
    assert 6 < text_width("1", 10) < 7  # proportional digits
    assert text_width("髙﨑", 10) == 20


def test_fit_and_wrap_keep_japanese_line_breaking_rules():
    assert fit("山田", 9, 100) == "山田"
    short = fit("勅使河原ジェニファー", 9, 50)
    assert short.endswith("…") and text_width(short, 9) <= 50
    assert wrap("地域包括支援センター東部", 8.5, 86, 2) == ["地域包括支援", "センター東部"]
    for lines in (wrap("ファーストフード店ー", 9, 45, 3), wrap("きゃっきゃっきゃっきゃっ", 9, 40, 3)):
        assert all(line[0] not in "ーっゃ）" for line in lines)
    lines = wrap("社会福祉協議会 生活支援コーディネーター（第2層）", 8.5, 86, 2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(text_width(x, 8.5) <= 86 for x in lines)


def test_union_outline_bends_around_a_gap_and_keeps_holes():
    rects = [Rect(0, 0, 10, 10), Rect(20, 0, 30, 10), Rect(0, 10, 30, 14)]
    loops = union_outline(rects)
    assert len(loops) == 1
    assert (
        inside_polygon((5, 5), loops)
        and inside_polygon((25, 5), loops)
        and not inside_polygon((15, 5), loops)
    )
    ring = [Rect(0, 0, 30, 5), Rect(0, 25, 30, 30), Rect(0, 0, 5, 30), Rect(25, 0, 30, 30)]
    loops = parse_path_d(path_d(union_outline(ring)))
    assert len(loops) == 2 and not inside_polygon((15, 15), loops) and inside_polygon((2, 15), loops)
