"""The offline reader: spellings, typos, negation, danger, combinations, and the accuracy it must keep."""

from __future__ import annotations

import pytest

from tsunagu.navigator.evaluate import evaluate, load_set
from tsunagu.navigator.understanding import Analyzer, default_analyzer, normalise


@pytest.fixture(scope="module")
def reader() -> Analyzer:
    return default_analyzer()


def test_it_normalises_width_and_katakana():
    assert normalise("ｶｲｺﾞ　カイゴ ＤＶ") == "かいごかいごdv"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("介護がつらい", "care"),
        ("かいごが たいへん", "care"),  # kana for kanji
        ("カイゴがたいへん", "care"),
        ("息子がひきこもっりで", "hikikomori"),  # typo
        ("銭がねえで食うもんもねえ", "poverty"),  # dialect
        ("しゃっきんの とりたてが こわい", "debt"),
        ("My husband has too much debt", "debt"),
        ("在留カードの期限が切れそう", "residence-status"),
        ("ギャンブルがやめられない", "addiction-gambling"),
    ],
)
def test_it_understands_how_people_write(reader, text, code):
    assert code in reader.understand(text).codes


def test_a_negated_trouble_does_not_count(reader):
    codes = reader.understand("借金はないけど仕事がない").codes
    assert "employment" in codes
    assert "debt" not in codes


def test_a_suspicion_is_not_a_negation_of_danger(reader):
    understood = reader.understand("死にたいとは思っていない")
    assert understood.emergency  # safety first: danger words always show the emergency lines


def test_several_troubles_in_one_message_and_the_8050_pattern(reader):
    u = reader.understand("80代の母の年金で、50代の息子が20年ひきこもっています。介護も必要で、お金がない")
    assert {"8050", "hikikomori", "care", "poverty"} <= set(u.codes)
    assert not u.unsure


def test_care_with_a_baby_is_double_care_and_a_student_carer_is_a_young_carer(reader):
    assert reader.understand("赤ちゃんの育児と母の介護が重なっている").codes[0] == "double-care"
    assert "young-carer" in reader.understand("中学生です。毎日おばあちゃんの介護で宿題ができない").codes


def test_when_unsure_it_says_so(reader):
    u = reader.understand("どこに相談したらいいかわからない")
    assert u.unsure
    assert u.codes == []
    assert reader.understand("ゴミ屋敷").unsure is False


@pytest.mark.parametrize("text", ["殴られた", "しにたい", "消えたい", "包丁を持って", "首をしめられ"])
def test_danger_words_raise_the_emergency(reader, text):
    assert reader.understand(text).emergency


def test_polite_phrases_are_not_troubles(reader):
    assert reader.understand("いつもお世話になっております。").codes == []


def test_only_the_citys_concerns_are_returned(reader):
    assert reader.understand("介護と借金", known={"debt"}).codes == ["debt"]


def test_long_and_odd_input_is_read_without_error(reader):
    assert reader.understand("あ" * 10000).codes == []
    assert reader.understand("²³ 🙂 \x00 <script>").codes == []


def test_the_accuracy_recorded_in_docs_is_kept():
    """A regression floor under the figures in docs/navigator.md (tuning set; the report set is measured there)."""
    result = evaluate(default_analyzer(), "tune", load_set("tune"))
    assert result.n >= 90
    assert result.top1 / result.labelled >= 0.9
    assert result.danger_found == result.danger
    assert result.false_alarms == 0
    report = load_set("report")
    assert len(report) + result.n >= 150
