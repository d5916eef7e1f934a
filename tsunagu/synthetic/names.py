"""Names for a city of a million: the demo's common surnames and given names, extended with plausible
two-kanji surnames and given names so that, as in Japan, the commonest surname holds about 1.5 % of
residents and most full names are rare. (The demo's short lists alone would give every full name
dozens of holders in a city this size, which no real city has and which would swamp 名寄せ with
namesakes.) Readings are written here, never derived from kanji.
"""

from __future__ import annotations

import random

from tsunagu.people import demo
from tsunagu.people.models import Sex

# Parts (kanji, reading) combined into surnames for the long tail.
_HEADS = [
    ("山", "ヤマ"),
    ("川", "カワ"),
    ("田", "タ"),
    ("中", "ナカ"),
    ("小", "コ"),
    ("大", "オオ"),
    ("石", "イシ"),
    ("松", "マツ"),
    ("竹", "タケ"),
    ("梅", "ウメ"),
    ("森", "モリ"),
    ("林", "ハヤシ"),
    ("岡", "オカ"),
    ("西", "ニシ"),
    ("東", "ヒガシ"),
    ("北", "キタ"),
    ("南", "ミナミ"),
    ("上", "カミ"),
    ("下", "シモ"),
    ("金", "カネ"),
    ("木", "キ"),
    ("水", "ミズ"),
    ("野", "ノ"),
    ("宮", "ミヤ"),
    ("村", "ムラ"),
    ("藤", "フジ"),
    ("吉", "ヨシ"),
    ("福", "フク"),
    ("長", "ナガ"),
    ("平", "ヒラ"),
    ("本", "モト"),
    ("原", "ハラ"),
    ("桜", "サクラ"),
    ("柳", "ヤナギ"),
    ("杉", "スギ"),
    ("今", "イマ"),
    ("浅", "アサ"),
    ("荒", "アラ"),
    ("髙", "タカ"),
    ("齋", "サイ"),
    ("澤", "サワ"),
    ("濱", "ハマ"),
    ("﨑", "サキ"),
    ("邊", "ナベ"),
]
_TAILS = [
    ("田", "タ"),
    ("川", "カワ"),
    ("山", "ヤマ"),
    ("本", "モト"),
    ("野", "ノ"),
    ("村", "ムラ"),
    ("井", "イ"),
    ("口", "グチ"),
    ("島", "シマ"),
    ("沢", "サワ"),
    ("原", "ハラ"),
    ("谷", "タニ"),
    ("崎", "サキ"),
    ("橋", "ハシ"),
    ("木", "キ"),
    ("尾", "オ"),
    ("内", "ウチ"),
    ("岡", "オカ"),
    ("部", "ベ"),
    ("瀬", "セ"),
    ("池", "イケ"),
    ("浜", "ハマ"),
    ("森", "モリ"),
    ("坂", "サカ"),
    ("塚", "ツカ"),
    ("辺", "ベ"),
    ("宮", "ミヤ"),
]
_GIVEN_HEADS = [
    ("健", "ケン"),
    ("雄", "ユウ"),
    ("和", "カズ"),
    ("正", "マサ"),
    ("秀", "ヒデ"),
    ("信", "ノブ"),
    ("幸", "ユキ"),
    ("美", "ミ"),
    ("恵", "メグ"),
    ("真", "マ"),
    ("智", "トモ"),
    ("裕", "ヒロ"),
    ("直", "ナオ"),
    ("典", "ノリ"),
    ("光", "ミツ"),
    ("春", "ハル"),
    ("千", "チ"),
    ("明", "アキ"),
    ("清", "キヨ"),
    ("達", "タツ"),
    ("孝", "タカ"),
    ("義", "ヨシ"),
    ("康", "ヤス"),
    ("英", "ヒデ"),
    ("俊", "トシ"),
    ("晴", "ハル"),
    ("武", "タケ"),
    ("昌", "マサ"),
    ("友", "トモ"),
    ("喜", "キ"),
    ("久", "ヒサ"),
    ("文", "フミ"),
    ("良", "ヨシ"),
    ("勝", "カツ"),
]
_GIVEN_TAILS = {
    Sex.MALE: [
        ("一", "イチ"),
        ("二", "ジ"),
        ("也", "ヤ"),
        ("夫", "オ"),
        ("男", "オ"),
        ("彦", "ヒコ"),
        ("樹", "キ"),
        ("介", "スケ"),
        ("太", "タ"),
        ("人", "ト"),
        ("司", "ジ"),
        ("郎", "ロウ"),
        ("之", "ユキ"),
        ("志", "シ"),
        ("平", "ヘイ"),
        ("斗", "ト"),
    ],
    Sex.FEMALE: [
        ("子", "コ"),
        ("美", "ミ"),
        ("江", "エ"),
        ("代", "ヨ"),
        ("恵", "エ"),
        ("香", "カ"),
        ("奈", "ナ"),
        ("絵", "エ"),
        ("佳", "カ"),
        ("乃", "ノ"),
        ("里", "リ"),
        ("枝", "エ"),
        ("花", "ハナ"),
        ("音", "ネ"),
        ("菜", "ナ"),
        ("世", "ヨ"),
    ],
}


class NamePool:
    """Weighted surnames (Zipf-like, 佐藤 ≈ 1.5 %) and given names per sex, with readings."""

    def __init__(self, rng: random.Random):
        surnames: list[tuple[str, str]] = []
        for kanji, kana, variants in demo.SURNAMES:
            surnames.append((kanji, kana))
            surnames.extend((v, kana) for v in variants)
        seen = {s for s, _k in surnames}
        for hk, hr in _HEADS:
            for tk, tr in _TAILS:
                if hk + tk not in seen and hk != tk:
                    seen.add(hk + tk)
                    surnames.append((hk + tk, hr + tr))
        self.surnames = surnames
        # Zipf with an offset: the head about 1.5 % each, the tail thin, as in real surname counts.
        self.cumulative: list[float] = []
        total = 0.0
        for rank in range(len(surnames)):
            total += 1.0 / (rank + 5) ** 0.9
            self.cumulative.append(total)
        self.given = {
            str(sex): sorted({hk + tk: hr + tr for hk, hr in _GIVEN_HEADS for tk, tr in tails}.items())
            for sex, tails in _GIVEN_TAILS.items()
        }
        self.rng = rng

    def surname(self) -> tuple[str, str]:
        return self.rng.choices(self.surnames, cum_weights=self.cumulative)[0]

    def given_name(self, sex: str) -> tuple[str, str]:
        names = self.given.get(str(sex)) or self.given[str(Sex.FEMALE)]
        return names[self.rng.randrange(len(names))]


class CityGenerator(demo._Generator):
    """The demo's households (kinds, ages, relationships, fictitious addresses) with the wider name pool:
    a fifth of the given names from the demo's lists by generation, the rest from the pool."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.pool = NamePool(self.rng)

    def surname(self) -> tuple[str, str]:
        return self.pool.surname()

    def given(self, sex: str, age: int) -> tuple[str, str]:
        if self.rng.random() < 0.2:
            return super().given(sex, age)
        return self.pool.given_name(sex)
