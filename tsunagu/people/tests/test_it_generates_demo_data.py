"""generate_demo and setup_demo: realistic, clearly fictitious, deterministic, never duplicated."""

from __future__ import annotations

import json
import re
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import F

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.kana import is_kana
from tsunagu.core.wareki import age_on
from tsunagu.directory.profiles import load_profile
from tsunagu.municipalities.models import Area, Municipality
from tsunagu.people.demo import (
    DEFAULT_AS_OF,
    DUMMY_PHONE,
    NOTE_PREFIX,
    DemoDataExists,
    content_digest,
    generate,
    leaf_areas,
)
from tsunagu.people.models import KEY_FIELDS, Household, HouseholdMember, Person, Relationship

pytestmark = pytest.mark.django_db

MITAKA = Path(settings.BASE_DIR) / "profiles" / "mitaka.toml"
N = 200

# A small city with nested areas: two 圏域 containing 地区, plus a separate division with fewer leaves.
TEST_PROFILE = """
schema_version = 1
[municipality]
code = "012025"
name = "架空市"
prefecture = "テスト県"

[[areas]]
key = "ken-kita"
name = "北圏域"
kind = "日常生活圏域"
[[areas]]
key = "ken-minami"
name = "南圏域"
kind = "日常生活圏域"
[[areas]]
key = "chiku-1"
name = "第一地区"
kind = "地区"
parent = "ken-kita"
[[areas]]
key = "chiku-2"
name = "第二地区"
kind = "地区"
parent = "ken-kita"
[[areas]]
key = "chiku-3"
name = "第三地区"
kind = "地区"
parent = "ken-minami"
[[areas]]
key = "chugaku-1"
name = "第一中学校区"
kind = "中学校区"
[[areas]]
key = "chugaku-2"
name = "第二中学校区"
kind = "中学校区"

[[organizations]]
key = "fukushi"
name = "福祉課"
kind = "department"

[[organizations]]
key = "hokatsu"
name = "架空市地域包括支援センター"
kind = "community_general_support_center"
department = "fukushi"

[[windows]]
key = "hokatsu"
name = "地域包括支援センター"
organization = "hokatsu"
"""


@pytest.fixture
def city(tmp_path: Path) -> Municipality:
    path = tmp_path / "kakuu.toml"
    path.write_text(TEST_PROFILE, encoding="utf-8")
    return load_profile(path).municipality


def age(p: Person) -> int:
    assert p.birth_date is not None
    return age_on(p.birth_date, DEFAULT_AS_OF)


def households_of(city: Municipality) -> list[tuple[str, dict[str, list[Person]]]]:
    """(kind label, {relationship: [persons]}) for every synthetic household of the city."""
    out = []
    members = HouseholdMember.objects.filter(municipality=city).select_related("person", "household")
    by_household: dict[int, tuple[str, dict[str, list[Person]]]] = {}
    for m in members:
        kind = m.household.note.removeprefix(NOTE_PREFIX)
        by_household.setdefault(m.household_id, (kind, {}))[1].setdefault(m.relationship, []).append(m.person)
    out = list(by_household.values())
    assert len(out) == Household.objects.filter(municipality=city).count()
    return out


def test_it_is_deterministic_for_the_same_profile_size_and_seed(city: Municipality) -> None:
    generate(city, households=N, seed=7)
    first = content_digest(city)
    generate(city, households=N, seed=7, replace=True)
    assert content_digest(city) == first
    generate(city, households=N, seed=8, replace=True)
    assert content_digest(city) != first


def test_the_command_is_deterministic_too_and_says_how_to_replace(city: Municipality, tmp_path: Path) -> None:
    profile = tmp_path / "kakuu.toml"
    call_command("generate_demo", profile=str(profile), households=N, seed=3, stdout=StringIO())
    first = content_digest(city)
    count = Person.objects.count()
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_demo", profile=str(profile), households=N, seed=3, stdout=StringIO())
    assert Person.objects.count() == count
    call_command("generate_demo", profile=str(profile), households=N, seed=3, replace=True, stdout=StringIO())
    assert Person.objects.count() == count
    assert content_digest(city) == first


def test_a_rerun_without_replace_changes_nothing(city: Municipality) -> None:
    generate(city, households=N, seed=1)
    counts = (Household.objects.count(), Person.objects.count(), HouseholdMember.objects.count())
    with pytest.raises(DemoDataExists):
        generate(city, households=N, seed=1)
    assert (Household.objects.count(), Person.objects.count(), HouseholdMember.objects.count()) == counts


def test_replace_keeps_real_records(city: Municipality) -> None:
    real = Person.objects.create(municipality=city, family_name="実在", family_kana="ジツザイ")
    generate(city, households=N, seed=1)
    generate(city, households=N, seed=2, replace=True)
    assert Person.objects.filter(pk=real.pk, synthetic=False).exists()
    assert Household.objects.filter(municipality=city).count() == N


def test_household_compositions_are_consistent_with_ages(city: Municipality) -> None:
    generate(city, households=1000, seed=11)
    kinds: Counter[str] = Counter()
    for kind, rel in households_of(city):
        kinds[kind] += 1
        assert len(rel[Relationship.HEAD]) == 1, kind
        head = rel[Relationship.HEAD][0]
        assert age(head) >= 18
        parents_of_children = [head, *rel.get(Relationship.SPOUSE, [])]
        for child in rel.get(Relationship.CHILD, []):
            assert all(age(p) - age(child) >= 15 for p in parents_of_children), kind
        for elder in rel.get(Relationship.PARENT, []):
            assert age(elder) - age(head) >= 18, kind
        for grandchild in rel.get(Relationship.GRANDCHILD, []):
            assert age(head) - age(grandchild) >= 30, kind
            assert all(age(c) - age(grandchild) >= 15 for c in rel.get(Relationship.CHILD, []))
        for spouse in rel.get(Relationship.SPOUSE, []):
            assert spouse.sex != head.sex and spouse.family_name == head.family_name
        everyone = [p for ps in rel.values() for p in ps]
        if kind.startswith("8050"):
            assert all(age(p) >= 75 for p in parents_of_children)
            assert [45 <= age(c) <= 59 for c in rel[Relationship.CHILD]] == [True]
        elif kind == "高齢単身":
            assert len(everyone) == 1 and age(head) >= 65
        elif kind == "高齢夫婦":
            assert len(everyone) == 2 and all(age(p) >= 65 for p in everyone)
        elif kind.startswith("ダブルケア"):
            assert any(age(c) < 12 for c in rel[Relationship.CHILD])
            elders = rel.get(Relationship.PARENT, []) + rel.get(Relationship.OTHER_RELATIVE, [])
            assert len(elders) == 1 and age(elders[0]) >= 75
        elif kind in {"夫婦と子", "ひとり親と子"}:
            assert rel[Relationship.CHILD]
        elif kind == "三世代同居":
            assert rel.get(Relationship.PARENT) or rel.get(Relationship.GRANDCHILD)
        elif kind == "外国籍住民の世帯":
            assert all(p.nationality and p.nationality != "日本" for p in everyone)
    # Every composition the brief asks for shows up in a city of 1,000 households.
    for wanted in ("高齢単身", "高齢夫婦", "夫婦と子", "ひとり親と子", "三世代同居", "外国籍住民の世帯"):
        assert kinds[wanted] > 0, wanted
    assert any(k.startswith("8050") for k in kinds) and any(k.startswith("ダブルケア") for k in kinds)


def test_names_have_kana_keys_are_filled_and_everything_is_synthetic(city: Municipality) -> None:
    generate(city, households=1000, seed=5, plant_duplicates=5)
    persons = list(Person.objects.filter(municipality=city))
    assert all(p.synthetic for p in persons)
    assert not Household.objects.filter(municipality=city, synthetic=False).exists()
    for p in persons:
        assert p.family_name and p.given_name and is_kana(p.family_kana) and is_kana(p.given_kana), p
        stored = {k: getattr(p, k) for k in KEY_FIELDS}
        p.refresh_keys()  # what Person.save() would have written
        assert stored == {k: getattr(p, k) for k in KEY_FIELDS}
    families = {p.family_name for p in persons}
    assert families & {
        "髙橋",
        "渡邊",
        "渡邉",
        "齋藤",
        "齊藤",
        "山﨑",
        "濱田",
        "櫻井",
        "廣瀬",
        "澤田",
        "髙木",
        "宮﨑",
    }
    foreign = [p for p in persons if p.nationality]
    assert foreign and any(p.language_needs for p in foreign)
    assert any(re.fullmatch(r"[ァ-ヴー・]+", p.family_name) for p in foreign)


def test_no_real_looking_identifiers(city: Municipality) -> None:
    generate(city, households=1000, seed=9, plant_duplicates=5)
    for p in Person.objects.filter(municipality=city):
        assert p.phone in {"", DUMMY_PHONE}
        assert "架空町" in p.address
        text = "".join([p.family_name, p.given_name, p.address, p.nationality, p.language_needs])
        assert not re.search(r"\d{6,}", text), text  # no マイナンバー- or phone-like digit runs
    assert Person.objects.filter(phone=DUMMY_PHONE).exists()
    assert all("架空町" in a for a in Household.objects.values_list("address", flat=True))


def test_areas_are_leaves_of_the_city(city: Municipality) -> None:
    generate(city, households=N, seed=4)
    leaves = {a.key for a in leaf_areas(city)}
    assert leaves == {"chiku-1", "chiku-2", "chiku-3"}  # the finest division, not the 圏域 or 中学校区
    used = set(Area.objects.filter(pk__in=Household.objects.values("area")).values_list("key", flat=True))
    assert used == leaves
    for h in Household.objects.filter(municipality=city).select_related("area"):
        assert h.area is not None and h.area.municipality_id == city.pk
        assert h.address.startswith(h.area.name)
    assert not HouseholdMember.objects.exclude(person__area=F("household__area")).exists()
    assert not HouseholdMember.objects.exclude(person__address=F("household__address")).exists()


def test_a_city_without_areas_leaves_area_empty() -> None:
    mitaka = load_profile(MITAKA).municipality
    generate(mitaka, households=50, seed=1)
    assert not Household.objects.filter(municipality=mitaka, area__isnull=False).exists()
    assert all(a.startswith("三鷹市 架空町") for a in Household.objects.values_list("address", flat=True))


def test_planted_duplicates_and_namesakes_come_with_ground_truth(city: Municipality, tmp_path: Path) -> None:
    truth = tmp_path / "truth.json"
    profile = tmp_path / "kakuu.toml"
    out = StringIO()
    call_command(
        "generate_demo",
        profile=str(profile),
        households=N,
        seed=2,
        plant_duplicates=6,
        truth_file=str(truth),
        stdout=out,
    )
    data = json.loads(truth.read_text("utf-8"))
    pairs = data["pairs"]
    assert Counter(p["kind"] for p in pairs) == {"duplicate": 6, "namesake": 6}
    assert Household.objects.filter(municipality=city).count() == N  # planted records live in no household
    for pair in pairs:
        a = Person.objects.get(pk=pair["original_id"])
        b = Person.objects.get(pk=pair["planted_id"])
        assert a.synthetic and b.synthetic and a.pk != b.pk
        assert not b.memberships.exists() and a.memberships.exists()
        assert a.sex == b.sex and pair["variants"]
        if pair["kind"] == "namesake":
            assert a.kana_key == b.kana_key  # same reading …
            assert (
                a.birth_date and b.birth_date and abs(a.birth_date.year - b.birth_date.year) >= 2
            )  # … other person
        else:
            variants = set(pair["variants"])
            if "missing_birth_date" in variants:
                assert b.birth_date is None and b.estimated_age
            else:
                assert b.birth_date == a.birth_date
            if "moved" in variants:
                assert b.address != a.address
            if "kanji_variant" in variants:
                assert b.family_name != a.family_name and b.name_key[:2] == a.name_key[:2]
            if variants <= {"missing_birth_date", "moved", "kana_form", "kanji_variant"}:
                assert (a.name_key, a.kana_key) == (b.name_key, b.kana_key)  # search_key folds these
    # The same seed plants the same records: the truth's stable references repeat.
    refs = [(p["kind"], p["original_ref"], p["variants"]) for p in pairs]
    call_command(
        "generate_demo",
        profile=str(profile),
        households=N,
        seed=2,
        plant_duplicates=6,
        truth_file=str(truth),
        replace=True,
        stdout=StringIO(),
    )
    again = json.loads(truth.read_text("utf-8"))["pairs"]
    assert [(p["kind"], p["original_ref"], p["variants"]) for p in again] == refs


def test_planting_does_not_change_the_households(city: Municipality) -> None:
    generate(city, households=N, seed=6)
    plain = sorted(Household.objects.values_list("address", "note"))
    generate(city, households=N, seed=6, plant_duplicates=4, replace=True)
    assert sorted(Household.objects.values_list("address", "note")) == plain


# ---------------------------------------------------------------------------------------------
# setup_demo


@pytest.fixture
def profiles_dir(tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    directory = tmp_path / "profiles"
    directory.mkdir()
    (directory / "mitaka.toml").write_text(MITAKA.read_text("utf-8"), encoding="utf-8")
    (directory / "kakuu.toml").write_text(TEST_PROFILE, encoding="utf-8")
    settings.PROFILES_DIR = directory
    return directory


def run_setup(**options: object) -> str:
    out = StringIO()
    call_command("setup_demo", households=60, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_setup_demo_runs_twice_and_the_second_run_changes_nothing(profiles_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TSUNAGU_DEMO_CITY", raising=False)
    first = run_setup()
    mitaka = Municipality.objects.get(code="132047")
    assert Household.objects.filter(municipality=mitaka, synthetic=True).count() == 60
    assert not Household.objects.exclude(municipality=mitaka).exists()  # only the demo city gets people
    # Inactive demo-recorder-* rows only name who recorded demo consultations; they cannot log in.
    staff = {s.username: s for s in Staff.objects.filter(is_active=True)}
    assert {s.role for s in staff.values() if s.municipality_id == mitaka.pk} == set(Role.values)
    isolation = [s for s in staff.values() if s.municipality_id != mitaka.pk]
    assert [s.role for s in isolation] == [Role.WINDOW_WORKER]
    assert all(s.check_password("tsunagu-demo-2026") for s in staff.values())
    agency_org, coordinator_org = (
        staff["mitaka-agency"].organization,
        staff["mitaka-coordinator"].organization,
    )
    assert agency_org is not None and agency_org.kind == "community_general_support_center"
    assert coordinator_org is not None and coordinator_org.name == "地域福祉課"
    for username in staff:
        assert username in first
    assert "tsunagu-demo-2026" in first and "束ね役" in first

    snapshot = (
        content_digest(mitaka),
        Person.objects.count(),
        sorted(
            Staff.objects.values_list("username", "password", "role", "organization_id", "municipality_id")
        ),
    )
    second = run_setup()
    assert (
        content_digest(mitaka),
        Person.objects.count(),
        sorted(
            Staff.objects.values_list("username", "password", "role", "organization_id", "municipality_id")
        ),
    ) == snapshot
    assert "既存" in second and "mitaka-window" in second


def test_setup_demo_never_resets_an_existing_password(profiles_dir: Path) -> None:
    load_profile(profiles_dir / "mitaka.toml")
    mitaka = Municipality.objects.get(code="132047")
    Staff.objects.create_user(
        username="mitaka-window", password="someone-elses-passphrase", municipality=mitaka
    )
    run_setup()
    assert Staff.objects.get(username="mitaka-window").check_password("someone-elses-passphrase")


def test_setup_demo_prints_each_logins_mfa_line(profiles_dir: Path) -> None:
    out = run_setup()
    assert "mitaka-auditor: 認証アプリの秘密鍵" in out


def test_setup_demo_takes_another_city_and_rejects_an_unknown_one(profiles_dir: Path) -> None:
    run_setup(city="kakuu")
    kakuu = Municipality.objects.get(code="012025")
    assert Household.objects.filter(municipality=kakuu).count() == 60
    assert Staff.objects.filter(username="kakuu-agency", organization__key="hokatsu").exists()
    with pytest.raises(CommandError, match="999999"):
        run_setup(city="999999")
