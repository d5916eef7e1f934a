"""`[[resources]]` in a profile: validated strictly, upserted by key, removed entries inactive — and only
the profile's own rows: resources kept on screen or imported stay as they are."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.directory.resource_models import Resource, ResourceSource

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
key = "shakyo"
name = "社会福祉協議会"
kind = "social_welfare_council"
"""

SALON = """
[[resources]]
key = "east-salon"
name = "東ふれあいサロン"
kind = "salon"
organization = "shakyo"
area = "east"
weekdays = ["wed", "mon"]
time_slots = ["afternoon"]
age_min = 65
cost_yen = 100
cost_note = "お茶代"
latitude = 35.5
longitude = 139.25
accessibility = ["step_free"]
"""

CAFETERIA = """
[[resources]]
key = "kodomo"
name = "こども食堂ひがし"
kind = "children_cafeteria"
operator = "有志の会"
"""


def write(tmp_path, text: str):
    path = tmp_path / "city.toml"
    path.write_text(text, "utf-8")
    return path


def test_resources_are_loaded_updated_and_retired(db, tmp_path):
    report = load_profile(write(tmp_path, BASE + SALON + CAFETERIA))
    assert report.created["resources"] == 2
    salon = Resource.objects.get(key="east-salon")
    assert salon.organization is not None and salon.area is not None
    assert (salon.organization.key, salon.area.key, salon.weekdays) == ("shakyo", "east", [0, 2])
    assert salon.latitude == Decimal("35.5") and salon.source == ResourceSource.PROFILE
    assert salon.cost_label() == "100円/回（お茶代）"
    # Loading the same file again changes nothing.
    again = load_profile(write(tmp_path, BASE + SALON + CAFETERIA))
    assert not again.changed
    # A resource kept on screen is not the profile's to retire.
    Resource.objects.create(municipality=salon.municipality, key="screen", name="画面で登録", kind="other")
    third = load_profile(write(tmp_path, BASE + SALON.replace("東ふれあいサロン", "東サロン")))
    assert third.updated["resources"] == 1 and third.deactivated["resources"] == 1
    assert not Resource.objects.get(key="kodomo").active
    assert Resource.objects.get(key="screen").active


@pytest.mark.parametrize(
    ("edit", "where", "message"),
    [
        ("age_min = 65", "age_min = 65\nage_max = 20", 'resources[1 key="east-salon"].age_max'),
        ('kind = "salon"', 'kind = "cafe"', 'resources[1 key="east-salon"].kind'),
        ('area = "east"', 'area = "west"', 'resources[1 key="east-salon"].area'),
        ('weekdays = ["wed", "mon"]', 'weekdays = ["水"]', 'resources[1 key="east-salon"].weekdays[1]'),
        ("latitude = 35.5", "latitude = 95.5", 'resources[1 key="east-salon"].latitude'),
        ("cost_yen = 100", "cost_yen = 100000000000", 'resources[1 key="east-salon"].cost_yen'),
        ('cost_note = "お茶代"', 'url = "javascript:alert(1)"', 'resources[1 key="east-salon"].url'),
        ('cost_note = "お茶代"', 'email = "not-an-address"', 'resources[1 key="east-salon"].email'),
        ('cost_note = "お茶代"', "starts_on = 1867-10-14", 'resources[1 key="east-salon"].starts_on'),
        ('cost_note = "お茶代"', 'cost_note = "a\\u0000b"', 'resources[1 key="east-salon"].cost_note'),
    ],
)
def test_a_bad_resource_is_refused_at_its_key(db, tmp_path, edit, where, message):
    assert edit in SALON
    with pytest.raises(ProfileError) as err:
        load_profile(write(tmp_path, BASE + SALON.replace(edit, where)))
    assert [loc for loc, _ in err.value.problems] == [message], err.value.problems
    assert all(msg for _, msg in err.value.problems)
    assert not Resource.objects.exists()
