"""Profiles say what real 要綱 say: the municipality's kind, jointly run programs (共同事業体), the city's own
concern list, dates of programs, posts and contracts, the domains its rules count — and an unknown key
that names a concept Tsunagu lacks is told so, while a typo gets the closest key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tsunagu.directory.models import CoordinatorPost, EscalationRule, Organization, Program
from tsunagu.directory.profile_keys import UNSUPPORTED, _unwrap
from tsunagu.directory.profile_schema import Profile
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.municipalities.models import ConcernType

from .test_it_rejects_bad_profiles import VALID, edit


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> dict[str, str]:
    with pytest.raises(ProfileError) as info:
        load_profile(write(tmp_path, text))
    return dict(info.value.problems)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "kind", "stored", "word"),
    [
        ("テスト町", None, "town", "町"),
        ("テスト村", None, "village", "村"),
        ("テスト区", None, "special_ward", "区"),
        ("テスト市", "designated_city", "designated_city", "市"),
        ("テスト市", None, "city", "市"),
    ],
)
def test_the_kind_comes_from_the_profile_or_the_name(tmp_path, name, kind, stored, word):
    text = edit('name = "テスト市"', f'name = "{name}"' + (f'\nkind = "{kind}"' if kind else ""))
    muni = load_profile(write(tmp_path, text)).municipality
    assert (muni.kind, muni.kind_label) == (stored, word)
    # The organization kind 所管課 is said in the municipality's word.
    assert Organization.objects.get(municipality=muni, key="fukushi").get_kind_display() == f"{word}の所管課"


@pytest.mark.django_db
def test_a_kind_that_contradicts_the_name_is_refused(tmp_path):
    found = problems(tmp_path, edit('name = "テスト市"', 'name = "テスト市"\nkind = "town"'))
    assert found["municipality.kind"] == '名称「テスト市」と種別 kind = "town"（町）が合いません'
    found = problems(tmp_path, edit('name = "テスト市"', 'name = "テストシティ"'))
    assert "名称から種別が分かりません" in found["municipality.kind"]


JOINT = edit(
    "[[windows]]",
    """[[organizations]]
key = "npo"
name = "NPO法人テスト"
kind = "npo"

[[programs]]
key = "sanka"
name = "参加支援事業"
business_lines = ["2"]
organizations = ["shakyo", "npo"]
organization = "npo"
consortium = "テスト参加支援共同事業体"
operation = "contracted"
starts_on = 2025-10-01
ends_on = 2028-03-31
contract_starts_on = 2025-10-01
contract_ends_on = 2026-03-31

[[coordinators]]
key = "banso"
title = "伴走コーディネーター"
starts_on = 2025-10-01

[[windows]]""",
)


@pytest.mark.django_db
def test_a_program_run_jointly_keeps_every_operator_and_its_dates(tmp_path):
    muni = load_profile(write(tmp_path, JOINT)).municipality
    program = Program.objects.get(municipality=muni, key="sanka")
    assert program.operator_names() == ["NPO法人テスト", "社会福祉協議会"]  # the lead first
    assert program.consortium_name == "テスト参加支援共同事業体"
    assert (program.starts_on, program.ends_on) == (dt.date(2025, 10, 1), dt.date(2028, 3, 31))
    assert program.period_label() == "令和7年10月1日〜令和10年3月31日"
    assert program.contract_period_label() == "令和7年10月1日〜令和8年3月31日"
    assert program.is_current(dt.date(2026, 4, 1)) and not program.is_current(dt.date(2025, 9, 30))
    post = CoordinatorPost.objects.get(municipality=muni, key="banso")
    assert post.period_label() == "令和7年10月1日〜" and post.is_current(dt.date(2099, 1, 1))
    # Loading the same file again changes nothing (the operators are a set that stays put).
    assert not load_profile(tmp_path / "city.toml").changed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "loc", "gist"),
    [
        ('organizations = ["shakyo", "npo"]', 'organizations = ["shakyo"]', "organizations", "2つ以上"),
        (
            'organization = "npo"',
            'organization = "fukushi"',
            "organization",
            "organizations（共同で実施する機関）にも含めて",
        ),
        (
            'organizations = ["shakyo", "npo"]',
            'organizations = ["shakyo", "npo", "npo2"]',
            "organizations",
            '"npo2" は organizations にありません',
        ),
        ("ends_on = 2028-03-31", "ends_on = 2025-03-31", "ends_on", "より前です"),
        (
            'operation = "contracted"\nstarts_on',
            'operation = "direct"\nstarts_on',
            "contract_starts_on",
            "委託期間は",
        ),
    ],
)
def test_joint_programs_and_periods_are_checked(tmp_path, old, new, loc, gist):
    assert JOINT.count(old) == 1, old
    found = problems(tmp_path, JOINT.replace(old, new))
    assert gist in found[f'programs[1 key="sanka"].{loc}'], found


CONCERN_LIST = edit(
    '[[areas]]\nkey = "east"\n',
    """[concern_list]
order = ["poverty", "8050", "local-x"]
hide = ["reoffending", "young-carer"]

[[concerns]]
code = "local-x"
name = "地域の困りごと"
domains = ["other"]

[[areas]]
key = "east"
""",
)


@pytest.mark.django_db
def test_the_city_orders_and_hides_concerns_to_match_its_referral_sheet(tmp_path):
    muni = load_profile(write(tmp_path, CONCERN_LIST)).municipality
    offered = list(
        ConcernType.objects.filter(municipality=muni, active=True)
        .order_by("sort_order")
        .values_list("code", flat=True)
    )
    assert offered[:3] == ["poverty", "8050", "local-x"]
    assert "reoffending" not in offered and "young-carer" not in offered
    assert ConcernType.objects.filter(municipality=muni, code="reoffending", active=False).exists()
    assert not load_profile(tmp_path / "city.toml").changed
    # Taking a concern off the hide list offers it again, as the same row.
    row = ConcernType.objects.get(municipality=muni, code="young-carer")
    write(tmp_path, CONCERN_LIST.replace(', "young-carer"', ""))
    load_profile(tmp_path / "city.toml")
    row.refresh_from_db()
    assert row.active


@pytest.mark.django_db
def test_a_hidden_concern_cannot_be_used_by_a_window(tmp_path):
    text = CONCERN_LIST.replace('areas = ["east"]', 'areas = ["east"]\nconcerns = ["young-carer"]')
    found = problems(tmp_path, text)
    assert "concern_list.hide で使わないことにしています" in found['windows[1 key="madoguchi"].concerns']
    found = problems(tmp_path, CONCERN_LIST.replace('"8050", "local-x"]', '"8050", "nothing"]'))
    assert found["concern_list.order"] == '課題コード "nothing" は 課題の分類 にありません'


DOMAINS = (
    edit(
        '[[areas]]\nkey = "east"\n',
        """[[domains]]
code = "elderly"
name = "高齢者"

[[domains]]
code = "child"
name = "こども"

[[domains]]
code = "foreign"
name = "外国籍"

[[domains]]
code = "medical"
name = "医療"

[[concerns]]
code = "foreign-language"
domains = ["foreign"]

[[concerns]]
code = "hospital"
name = "入退院"
domains = ["medical"]

[[areas]]
key = "east"
""",
    )
    + """
[[escalation_rules]]
key = "three"
name = "3分野以上"
trigger = "domains_at_least"
min_domains = 3
target = "case"
"""
)


@pytest.mark.django_db
def test_a_city_counts_its_own_domains_in_its_own_words(tmp_path):
    muni = load_profile(write(tmp_path, DOMAINS)).municipality
    assert [(d.code, d.label) for d in muni.counted_domains()] == [
        ("elderly", "高齢者"),
        ("child", "こども"),
        ("foreign", "外国籍"),
        ("medical", "医療"),
    ]
    rule = EscalationRule.objects.get(municipality=muni, key="three")
    assert rule.condition_text() == "課題が3分野以上（高齢者・こども・外国籍・医療）"
    assert rule.is_met_by({"elderly", "foreign", "medical"}, set())
    # その他 is not counted here: a household with 孤独・孤立 (その他) does not tip over.
    assert not rule.is_met_by({"elderly", "child", "other"}, {"isolation"})
    foreign = ConcernType.objects.get(municipality=muni, code="foreign-language")
    assert (foreign.name, foreign.domain_labels()) == ("外国籍・言語", ["外国籍"])
    # A domain the city does not count keeps its national label.
    assert muni.domain_label("other") == "その他" and muni.domain_label("hardship") == "生活困窮"
    assert not load_profile(tmp_path / "city.toml").changed


@pytest.mark.django_db
def test_without_domains_a_city_counts_the_national_five(tmp_path):
    muni = load_profile(write(tmp_path, VALID)).municipality
    assert [(d.code, d.label) for d in muni.counted_domains()] == [
        ("elderly", "高齢"),
        ("disability", "障害"),
        ("child", "子ども"),
        ("hardship", "生活困窮"),
        ("other", "その他"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "loc", "gist"),
    [
        (
            'code = "medical"\nname = "医療"',
            'code = "medical"',
            'domains[4 code="medical"].name',
            "name（名称）が必要です",
        ),
        (
            'domains = ["medical"]',
            'domains = ["medicine"]',
            'concerns[2 code="hospital"].domains',
            '分野 "medicine" は定義されていません',
        ),
        (
            "min_domains = 3",
            "min_domains = 5",
            'escalation_rules[2 key="three"].min_domains',
            "数える分野は 4 個です",
        ),
        (
            "min_domains = 3",
            'min_domains = 2\ncounted_domains = ["other", "child"]',
            'escalation_rules[2 key="three"].counted_domains',
            '分野 "other" はこの自治体が数える分野',
        ),
    ],
)
def test_domains_are_checked(tmp_path, old, new, loc, gist):
    assert DOMAINS.count(old) == 1, old
    found = problems(tmp_path, DOMAINS.replace(old, new))
    assert gist in found.get(loc, ""), found


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "loc", "message"),
    [
        (
            "tier = 1",
            'tier = 1\nagenda = "8050"',
            'meeting_bodies[1 key="shien"].agenda',
            "この項目はまだ対応していません（議題）",
        ),
        (
            "tier = 1",
            "tier = 1\nfollow_up_day = 30",
            'meeting_bodies[1 key="shien"].follow_up_day',
            '未知の項目です。"follow_up_days" の書き間違いではありませんか',
        ),
        (
            "tier = 1",
            'tier = 1\neligible_members = ["fukushi"]',
            'meeting_bodies[1 key="shien"].eligible_members',
            'eligible_members（事案ごとに選ぶ機関の別表）は member_selection = "per_case" のときだけ書けます',
        ),
        (
            "tier = 1",
            'tier = 1\nmember_selection = "per_case"\neligible_members = ["nowhere"]',
            'meeting_bodies[1 key="shien"].eligible_members',
            '構成員の候補 "nowhere" は organizations にありません',
        ),
        (
            "tier = 2",
            'tier = 2\nscreened_by = "jusou"',
            'meeting_bodies[2 key="jusou"].screened_by',
            "事前に協議する会議体に自分自身は指定できません",
        ),
        (
            'kind = "department"',
            'kind = "department"\nbudget = 1000',
            'organizations[1 key="fukushi"].budget',
            "この項目はまだ対応していません（予算・交付金）",
        ),
        (
            "schema_version = 1",
            'schema_version = 1\n[[resource]]\nname = "子ども食堂"',
            "resource",
            '未知の項目です。"resources" の書き間違いではありませんか',
        ),
        (
            'operation = "contracted"',
            'operaton = "contracted"',
            'organizations[2 key="shakyo"].operaton',
            '未知の項目です。"operation" の書き間違いではありませんか',
        ),
        (
            "tier = 2",
            "teir = 2",
            'meeting_bodies[2 key="jusou"].teir',
            '未知の項目です。"tier" の書き間違いではありませんか',
        ),
    ],
)
def test_unknown_keys_say_whether_the_concept_is_missing_or_the_key_is_misspelt(
    tmp_path, old, new, loc, message
):
    found = problems(tmp_path, edit(old, new))
    assert found[loc].startswith(message), found


def test_unsupported_keys_are_not_fields():
    """When a concept becomes a field, remove it from UNSUPPORTED (profile_keys.py)."""
    for section, keys in UNSUPPORTED.items():
        if section == "*":
            continue
        owner = Profile if section == "" else _unwrap(Profile.model_fields[section].annotation)
        assert owner is not None, section
        clash = set(keys) & set(owner.model_fields)
        assert not clash, f"{section}: {clash} are fields now; remove them from UNSUPPORTED"
