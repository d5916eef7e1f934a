"""A malformed profile is refused with a precise Japanese message and changes nothing.

Each message names the file and the key path (1-based array positions with the entry's key), so a
person can find the line to fix; the database is left exactly as it was, also when the bad file is an
edited version of a profile that was loaded before.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.municipalities.models import Municipality

from .snapshots import snapshot

REPO = Path(__file__).resolve().parents[3]


VALID = """\
schema_version = 1

[municipality]
code = "011002"
name = "テスト市"
prefecture = "テスト県"

[[areas]]
key = "east"
name = "東地区"
kind = "地区"

[[areas]]
key = "east-1"
name = "東一丁目"
kind = "町丁"
parent = "east"

[[organizations]]
key = "fukushi"
name = "福祉課"
kind = "department"

[[organizations]]
key = "shakyo"
name = "社会福祉協議会"
kind = "social_welfare_council"
operation = "contracted"
department = "fukushi"

[[windows]]
key = "madoguchi"
name = "総合相談窓口"
organization = "fukushi"
areas = ["east"]

[[meeting_bodies]]
key = "shien"
name = "支援会議"
kind = "confidential_conference"
legal_functions = ["confidential_conference"]
frequency = "monthly"
members = ["fukushi", "shakyo"]
tier = 1

[[meeting_bodies]]
key = "jusou"
name = "重層的支援会議"
kind = "consented_conference"
legal_functions = ["consented_conference"]
frequency = "per_year"
per_year = 4
tier = 2

[[escalation_rules]]
key = "up"
name = "支援会議から重層的支援会議へ"
trigger = "manual"
from_body = "shien"
target = "meeting_body"
to_body = "jusou"
"""


def edit(old: str, new: str) -> str:
    assert VALID.count(old) == 1, old
    return VALID.replace(old, new)


# name: (bad profile text, exact key path, gist of the message)
BAD = {
    "toml_syntax_error": (edit("[[windows]]", "[[windows]"), "", "TOML の構文エラー"),
    "missing_required_key": (
        edit('kind = "social_welfare_council"\n', ""),
        'organizations[2 key="shakyo"].kind',
        "必須の項目がありません",
    ),
    "unknown_meeting_kind": (
        edit('kind = "consented_conference"', 'kind = "jusou_kaigi"'),
        'meeting_bodies[2 key="jusou"].kind',
        "使用できない値 'jusou_kaigi'",
    ),
    "duplicate_organization_key": (
        edit('key = "shakyo"', 'key = "fukushi"'),
        'organizations[2 key="fukushi"].key',
        'key "fukushi" が重複しています',
    ),
    "per_year_without_value": (
        edit("per_year = 4\n", ""),
        'meeting_bodies[2 key="jusou"].per_year',
        'frequency = "per_year" のときは per_year',
    ),
    "per_year_with_another_frequency": (
        edit('frequency = "monthly"', 'frequency = "monthly"\nper_year = 12'),
        'meeting_bodies[1 key="shien"].per_year',
        'per_year は frequency = "per_year" のときだけ書けます',
    ),
    "unknown_frequency": (
        edit('frequency = "monthly"', 'frequency = "weekly"'),
        'meeting_bodies[1 key="shien"].frequency',
        "使用できない値 'weekly'",
    ),
    "rule_names_unknown_body": (
        edit('to_body = "jusou"', 'to_body = "jusou-kaigi"'),
        'escalation_rules[1 key="up"].to_body',
        '会議体 "jusou-kaigi" は meeting_bodies にありません',
    ),
    "unknown_key_typo": (
        edit('operation = "contracted"', 'operaton = "contracted"'),
        'organizations[2 key="shakyo"].operaton',
        "未知の項目です",
    ),
    "bad_code_check_digit": (
        edit('code = "011002"', 'code = "011003"'),
        "municipality.code",
        "検査数字が合いません（01100 の検査数字は 2）",
    ),
    "confidential_conference_without_duty": (
        edit('frequency = "monthly"', 'frequency = "monthly"\nconfidentiality_duty = false'),
        'meeting_bodies[1 key="shien"].confidentiality_duty',
        "守秘義務があります",
    ),
    "cyclic_area_parent": (
        edit('kind = "地区"\n', 'kind = "地区"\nparent = "east-1"\n'),
        'areas[1 key="east"].parent',
        "親子関係が循環しています",
    ),
}


def refused(path: Path) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    return info.value


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD))
def test_it_rejects_a_bad_profile_naming_file_and_key(case, tmp_path):
    text, loc, gist = BAD[case]
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    before = snapshot()

    error = refused(path)

    assert error.path == str(path)
    matching = [msg for where, msg in error.problems if where == loc]
    assert matching, error.problems
    assert any(gist in msg for msg in matching), matching
    rendered = error.render()
    assert rendered.startswith(
        f"{path}: プロファイルに {len(error.problems)} 件の誤りがあります。何も変更していません。"
    )
    assert (f"{path}: {loc}: " if loc else f"{path}: {gist}") in rendered
    assert snapshot() == before
    assert not Municipality.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_edit_of_a_loaded_profile_changes_nothing(case, tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(VALID, encoding="utf-8")
    load_profile(path)
    before = snapshot()
    text, loc, _gist = BAD[case]
    path.write_text(text, encoding="utf-8")

    error = refused(path)

    assert loc in {where for where, _ in error.problems}
    assert snapshot() == before


def test_the_syntax_error_message_gives_the_line(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(BAD["toml_syntax_error"][0], encoding="utf-8")
    error = refused(path)
    line = VALID.splitlines().index("[[windows]]") + 1
    assert error.problems == [("", error.problems[0][1])]
    assert f"line {line}" in error.problems[0][1]


def test_all_problems_are_reported_at_once(tmp_path):
    text = VALID.replace('kind = "social_welfare_council"\n', "").replace(
        'to_body = "jusou"', 'to_body = "jusou-kaigi"'
    )
    text = text.replace('frequency = "monthly"', 'frequency = "weekly"')
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    locs = {where for where, _ in refused(path).problems}
    # Shape errors come first; references are checked once the shapes are right.
    assert {'organizations[2 key="shakyo"].kind', 'meeting_bodies[1 key="shien"].frequency'} <= locs


def test_a_missing_file_is_reported(tmp_path):
    path = tmp_path / "nowhere.toml"
    error = refused(path)
    assert error.problems[0][0] == "" and "読み込めません" in error.problems[0][1]


@pytest.mark.django_db
def test_the_command_loads_good_files_and_reports_bad_ones(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(VALID, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD["unknown_frequency"][0].replace("011002", "012025"), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="読み込めなかったプロファイルがあります"):
        call_command("load_profile", str(good), str(bad), stdout=out, stderr=err)

    # Each file is its own transaction: the good one is loaded, the bad one changed nothing.
    assert list(Municipality.objects.values_list("code", flat=True)) == ["011002"]
    assert "テスト県テスト市: 追加" in out.getvalue()
    assert f"{bad}: meeting_bodies[1 key=\"shien\"].frequency: 使用できない値 'weekly'" in err.getvalue()

    out = io.StringIO()
    call_command("load_profile", str(good), stdout=out)
    assert out.getvalue().strip() == "テスト県テスト市: 変更なし"


def test_the_command_exits_with_status_1_and_explains_on_stderr(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD["confidential_conference_without_duty"][0], encoding="utf-8")
    # The profile is refused before any database access; a scratch database keeps the test's own clean.
    env = {**os.environ, "TSUNAGU_DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.sqlite3'}"}
    result = subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", "load_profile", str(bad)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert f'{bad}: meeting_bodies[1 key="shien"].confidentiality_duty: 支援会議' in result.stderr
    assert "何も変更していません" in result.stderr
    assert "読み込めなかったプロファイルがあります" in result.stderr
