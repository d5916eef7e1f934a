"""The profile's navigator facts: loaded as written, unknown left unknown, bad phone numbers refused."""

from __future__ import annotations

import pytest

from tsunagu.directory.models import HelpLine, Window
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.navigator.tests.conftest import PROFILE

pytestmark = pytest.mark.django_db


def test_facts_are_loaded_and_unknown_stays_unknown(city):
    sogo = Window.objects.get(municipality=city, key="sogo")
    assert (sogo.general, sogo.bring, sogo.by_phone, sogo.home_visit) == (
        True,
        "お薬手帳（あれば）",
        True,
        None,
    )
    assert Window.objects.get(municipality=city, key="kikan-muke").for_residents is False
    line = HelpLine.objects.get(municipality=city, key="kodomo-24")
    assert line.always_open and line.concerns == ["abuse-dv"]
    assert city.small_cell_threshold == 10


@pytest.mark.parametrize("phone", ["110番", "03-xxxx-xxxx", "０３－１２３４", "-123", "1"])
def test_a_bad_phone_number_is_refused_and_nothing_changes(tmp_path, phone):
    path = tmp_path / "bad.toml"
    path.write_text(PROFILE.replace('phone = "0000-00-0000"', f'phone = "{phone}"'), "utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert "電話番号は半角数字" in str(err.value) or "help_lines" in str(err.value)
    assert not HelpLine.objects.exists()


def test_an_unknown_concern_on_a_help_line_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(PROFILE.replace('concerns = ["abuse-dv"]', 'concerns = ["no-such"]'), "utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert 'help_lines[1 key="kodomo-24"].concerns' in str(err.value)


def test_a_small_cell_threshold_below_three_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(PROFILE.replace("small_cell_threshold = 10", "small_cell_threshold = 1"), "utf-8")
    with pytest.raises(ProfileError):
        load_profile(path)
