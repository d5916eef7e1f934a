"""[[community_groups]] and [[points_programs]]: loaded, updated in place, and refused with a Japanese
message naming the entry when a value is wrong (nothing is written then)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tsunagu.directory.models import CommunityGroup, PointsProgram
from tsunagu.directory.profiles import ProfileError, load_profile

BASE = """\
schema_version = 1

[municipality]
code = "011002"
name = "テスト市"
prefecture = "テスト県"

[[areas]]
key = "east"
name = "東地区"
kind = "地区"

[[organizations]]
key = "fukushi"
name = "福祉課"
kind = "department"
"""

GROUPS = """
[[community_groups]]
key = "salon"
name = "相談サロン"
kind = "consultation_salon"
business_line = "3hardship"
organization = "fukushi"
areas = ["east"]
sites = 7
venue = "コミュニティ・センター"
frequency = "monthly"

[[community_groups]]
key = "net"
name = "ほのぼのネット"
kind = "watch_network"
sites = 28

[[points_programs]]
key = "points"
name = "支え合いポイント"
business_line = "3i"
organization = "fukushi"
yearly_cap = 5000
redemption_unit = 500
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_groups_and_points_programs_are_loaded_and_updated_in_place(tmp_path):
    load_profile(write(tmp_path, BASE + GROUPS))
    salon = CommunityGroup.objects.get(key="salon")
    assert salon.organization is not None
    assert (salon.kind, salon.business_line, salon.sites, salon.organization.key) == (
        "consultation_salon",
        "3hardship",
        7,
        "fukushi",
    )
    assert [a.key for a in salon.areas.all()] == ["east"]
    net = CommunityGroup.objects.get(key="net")
    assert net.business_line == "" and net.business_line_label() == "区分の記載なし"
    assert PointsProgram.objects.get(key="points").redemption_unit == 500

    report = load_profile(write(tmp_path, BASE + GROUPS.replace("sites = 28", "sites = 27")))
    assert report.updated["community_groups"] == 1
    assert CommunityGroup.objects.get(key="net").sites == 27

    load_profile(write(tmp_path, BASE))
    assert not CommunityGroup.objects.filter(active=True).exists()
    assert CommunityGroup.objects.count() == 2  # marked inactive, never deleted


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("edit", "where", "message"),
    [
        (
            ('organization = "fukushi"\nareas', 'organization = "nowhere"\nareas'),
            "community_groups[1",
            "運営・事務局",
        ),
        (('areas = ["east"]', 'areas = ["west"]'), ".areas", '地区 "west"'),
        (('business_line = "3hardship"', 'business_line = "1i"'), ".business_line", ""),
        (('kind = "watch_network"', 'kind = "club"'), ".kind", ""),
        (("sites = 28", "sites = 0"), ".sites", ""),
        (("sites = 28", "sites = 99999999999999999999"), ".sites", ""),
        (('frequency = "monthly"', 'frequency = "per_year"'), ".per_year", "per_year"),
        (("redemption_unit = 500", "redemption_unit = 6000"), ".redemption_unit", "上限"),
        (('venue = "コミュニティ・センター"', 'venue = "a\\u0000b"'), ".venue", "制御文字"),
        (('key = "net"', 'key = "salon"'), "community_groups[2", "重複"),
    ],
)
def test_a_bad_entry_is_refused_in_japanese_and_nothing_is_written(tmp_path, edit, where, message):
    old, new = edit
    text = BASE + GROUPS
    assert old in text, old
    with pytest.raises(ProfileError) as err:
        load_profile(write(tmp_path, text.replace(old, new, 1)))
    problems = err.value.problems
    assert any(where in loc and message in msg for loc, msg in problems), problems
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in msg) for _, msg in problems), problems
    assert not CommunityGroup.objects.exists() and not PointsProgram.objects.exists()
