"""Part 1 of issue 11: every seed city's bodies load with the schema's meeting settings (their ladders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tsunagu.directory.models import MeetingBody
from tsunagu.directory.profiles import load_profile

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
pytestmark = pytest.mark.django_db


def _bodies(city: str) -> dict[str, MeetingBody]:
    muni = load_profile(PROFILES / f"{city}.toml").municipality
    return {b.key: b for b in MeetingBody.objects.filter(municipality=muni, active=True)}


@pytest.mark.parametrize("city", sorted(p.stem for p in PROFILES.glob("*.toml")))
def test_every_seed_profile_loads_with_its_bodies(city):
    assert _bodies(city), city


def test_koga_main_meeting_is_screened_by_the_core_members():
    b = _bodies("koga")
    assert b["jusoteki-shien-kaigi"].screened_by == b["core-member"]
    assert b["core-member"].referral_only and b["jusoteki-shien-kaigi"].closed


def test_kokubunji_emergency_meeting_is_called_by_managers_and_coordinators():
    b = _bodies("kokubunji")
    assert b["kinkyu-kaigi"].emergency
    assert set(b["kinkyu-kaigi"].ad_hoc_callers) == {"manager", "coordinator"}
    assert b["shien-kaigi"].member_selection == "per_case"
    assert b["tantosha-kaigi"].ad_hoc_callers == ["coordinator"]


def test_tsuchiura_scrum_net_selects_members_per_case_and_is_closed_by_its_function():
    b = _bodies("tsuchiura")
    assert b["scrum-net"].member_selection == "per_case"
    assert b["scrum-net"].closed  # 支援会議 → 非公開 when the profile does not say
    assert not b["scrum-net"].eligible_members.exists()  # empty 別表: any organization of the city


def test_defaults_are_documented_values_not_guesses():
    b = _bodies("tono")["shien-kaigi"]
    assert b.follow_up_days is None and b.follow_up_window().days == 90
    assert b.acknowledgement == "per_meeting"
    assert not _bodies("tono")["jusoteki-shien-kaigi"].closed


def test_a_per_case_body_with_its_list_areas_and_posts_loads(tmp_path):
    text = (PROFILES / "tsuchiura.toml").read_text(encoding="utf-8")
    first_area = text.split("[[areas]]", 1)[1].split('key = "', 1)[1].split('"', 1)[0]
    first_org = text.split("[[organizations]]", 1)[1].split('key = "', 1)[1].split('"', 1)[0]
    seed = 'members_note = "関連団体"\nmember_selection = "per_case"'
    assert seed in text
    text = text.replace(
        seed,
        seed
        + f'\neligible_members = ["{first_org}"]\nareas = ["{first_area}"]\ninvited = ["主治医", "民生委員"]\n'
        'vice_chair = "福祉課長"\nfollow_up_days = 60\nmonitoring_interval_days = 30\n'
        'acknowledgement = "per_term"\nad_hoc_callers = ["coordinator", "manager"]',
    )
    path = tmp_path / "tsuchiura.toml"
    path.write_text(text, encoding="utf-8")
    muni = load_profile(path).municipality
    b = MeetingBody.objects.get(municipality=muni, key="scrum-net")
    assert [o.key for o in b.eligible_members.all()] == [first_org]
    assert [a.key for a in b.areas.all()] == [first_area]
    assert b.invited_posts == ["主治医", "民生委員"] and b.vice_chair == "福祉課長"
    assert (b.follow_up_days, b.monitoring_interval_days, b.acknowledgement) == (60, 30, "per_term")
