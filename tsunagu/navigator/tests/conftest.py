"""A small city profile for navigator tests: loaded through the real profile loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from tsunagu.directory.profiles import load_profile
from tsunagu.municipalities.models import Municipality

PROFILE = """
schema_version = 1
[municipality]
code = "999997"
name = "つなぐ市"
prefecture = "テスト県"
small_cell_threshold = 10

[[areas]]
key = "kita"
name = "北地区"
kind = "地区"

[[areas]]
key = "minami"
name = "南地区"
kind = "地区"

[[organizations]]
key = "fukushi"
name = "福祉課"
kind = "department"

[[organizations]]
key = "hokatsu"
name = "地域包括支援センター"
kind = "community_general_support_center"

[[organizations]]
key = "jiritsu"
name = "自立相談支援機関"
kind = "self_reliance_support"

[[organizations]]
key = "kosodate"
name = "子育て支援センター"
kind = "child_family_center"

[[windows]]
key = "sogo"
name = "福祉の総合相談窓口"
organization = "fukushi"
address = "つなぐ市役所1階"
hours = "平日 8:30〜17:15"
domains = ["elderly", "disability", "child", "hardship", "other"]
[windows.navigator]
general = true
bring = "お薬手帳（あれば）"
by_phone = true

[[windows]]
key = "hokatsu-kita"
name = "北地域包括支援センター"
organization = "hokatsu"
domains = ["elderly"]
concerns = ["care", "dementia"]
business_lines = ["1i"]
areas = ["kita"]
[windows.navigator]
home_visit = true

[[windows]]
key = "hokatsu-minami"
name = "南地域包括支援センター"
organization = "hokatsu"
domains = ["elderly"]
concerns = ["care", "dementia"]
business_lines = ["1i"]
areas = ["minami"]

[[windows]]
key = "jiritsu"
name = "くらし・しごと相談窓口"
organization = "jiritsu"
domains = ["hardship"]
concerns = ["poverty", "debt", "housing", "employment"]
business_lines = ["1ni"]

[[windows]]
key = "kosodate"
name = "子育て相談"
organization = "kosodate"
domains = ["child"]
concerns = ["parenting", "pregnancy"]
business_lines = ["1ha"]

[[windows]]
key = "kikan-muke"
name = "多機関協働（支援機関向け）"
organization = "fukushi"
domains = ["elderly", "disability", "child", "hardship", "other"]
concerns = ["poverty", "care"]
business_lines = ["5"]
[windows.navigator]
residents = false

[[help_lines]]
key = "kodomo-24"
name = "子ども家庭24時間電話"
phone = "0000-00-0000"
always_open = true
concerns = ["abuse-dv"]
"""


def load_test_city(directory: Path) -> Municipality:
    path = directory / "tsunagu-city.toml"
    path.write_text(PROFILE, "utf-8")
    return load_profile(path).municipality


@pytest.fixture
def city(tmp_path: Path) -> Municipality:
    return load_test_city(tmp_path)


@pytest.fixture
def city_without_general(tmp_path: Path) -> Municipality:
    text = PROFILE.replace("general = true\n", "").replace('code = "999997"', 'code = "999989"')
    text = text.replace('name = "つなぐ市"', 'name = "つなぎ町"').replace(
        "[[help_lines]]", "[[help_lines_x]]"
    )
    text = text[: text.index("[[help_lines_x]]")]
    path = tmp_path / "tsunagi-town.toml"
    path.write_text(text, "utf-8")
    return load_profile(path).municipality
