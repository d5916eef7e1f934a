"""From concerns to windows: the general window always, why each fits, facts never invented."""

from __future__ import annotations

import pytest

from tsunagu.navigator.suggest import suggest

pytestmark = pytest.mark.django_db


def keys(s):
    return [w.window.key for w in s.windows]


def test_the_fitting_windows_come_with_the_general_window_and_reasons(city):
    s = suggest(city, ["care", "poverty"], lang="ja", age="elderly")
    assert "sogo" in keys(s)
    assert {"hokatsu-kita", "hokatsu-minami", "jiritsu"} <= set(keys(s))
    jiritsu = next(w for w in s.windows if w.window.key == "jiritsu")
    assert any("相談を受けています" in r for r in jiritsu.reasons)
    general = next(w for w in s.windows if w.window.key == "sogo")
    assert general.general and general.reasons[0].startswith("どんな困りごとも")


def test_a_window_for_support_agencies_is_never_shown_to_residents(city):
    assert "kikan-muke" not in keys(suggest(city, ["care", "poverty"], lang="ja"))


def test_nothing_picked_gives_the_general_window(city):
    s = suggest(city, [], lang="ja")
    assert keys(s) == ["sogo"]


def test_the_area_narrows_area_windows(city):
    s = suggest(city, ["care"], lang="ja", area_key="kita")
    assert "hokatsu-kita" in keys(s)
    assert "hokatsu-minami" not in keys(s)


def test_without_a_general_window_the_1ni_window_stands_in_and_says_so(city_without_general):
    s = suggest(city_without_general, ["care"], lang="ja")
    stand_in = next(w for w in s.windows if w.fallback_general)
    assert stand_in.window.key == "jiritsu"
    assert "資料に総合相談窓口の記載がない" in stand_in.reasons[0]


def test_danger_puts_110_119_and_the_citys_24_hour_line_first(city):
    s = suggest(city, ["care"], lang="ja", emergency=True)
    phones = [x.phone for x in s.emergency_lines]
    assert phones[:3] == ["110", "119", "0000-00-0000"]
    assert s.has_city_24h
    assert suggest(city, ["abuse-dv"], lang="ja").emergency  # picking 虐待・DV shows them too


def test_a_city_without_24_hour_lines_is_told_apart(city_without_general):
    s = suggest(city_without_general, ["care"], lang="en", emergency=True)
    assert not s.has_city_24h
    assert [x.phone for x in s.emergency_lines][:2] == ["110", "119"]


def test_the_national_line_follows_the_prefecture(city):
    city.prefecture = "岩手県"
    s = suggest(city, ["poverty"], lang="ja", emergency=True)
    assert "0120-279-226" in [x.phone for x in s.emergency_lines]


def test_when_unsure_a_line_that_takes_any_worry_is_offered(city):
    assert "0120-279-338" in [x.phone for x in suggest(city, [], lang="ja").lines]
    assert "0120-279-338" in [x.phone for x in suggest(city, ["care"], lang="ja", unsure=True).lines]
    assert "0120-279-338" not in [x.phone for x in suggest(city, ["care"], lang="ja").lines]
