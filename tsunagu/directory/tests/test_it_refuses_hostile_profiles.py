"""The loader distrusts its input: size and nesting are limited before TOML is parsed, lengths and ranges
are checked by the schema, and every refusal is Japanese, names file and key path, and changes nothing.

Found by a probe: a 100 KB file of one key with 50,000 dotted parts took 60 s and 9.6 GB; arrays nested
deep raised RecursionError; an over-long name or a huge population reached PostgreSQL as a DataError.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.directory import profile_input
from tsunagu.directory.models import Organization
from tsunagu.directory.profile_input import MAX_BYTES, UnreadableProfile, prescan, read_profile_data
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.municipalities.models import Municipality

from .snapshots import snapshot
from .test_it_rejects_bad_profiles import VALID, edit


def refused(tmp_path: Path, text: str | bytes) -> ProfileError:
    path = tmp_path / "city.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    return info.value


@pytest.fixture
def no_parser(monkeypatch):
    """Fails the test if tomllib is reached: these files must be refused before parsing."""

    def forbidden(*args, **kwargs):
        raise AssertionError("tomllib.loads was called on a file that should be refused first")

    monkeypatch.setattr(profile_input.tomllib, "loads", forbidden)


# name: file text, gist of the file-level message
BEFORE_PARSING = {
    "50000_dotted_key_parts": ("a" + ".a" * 50_000 + " = 1\n", "1 行目: キーの区切り（.）が多すぎます"),
    "deep_table_header": ("[" + ".".join(["x"] * 200) + "]\n", "キーの区切り（.）が多すぎます"),
    "deep_array": ("x = " + "[" * 5000 + "]" * 5000 + "\n", "配列や表の入れ子が深すぎます"),
    "deep_inline_table": ("x = " + "{a = " * 500 + "1" + "}" * 500 + "\n", "配列や表の入れ子が深すぎます"),
    "deep_array_on_line_3": (
        '# c\n\nnote = """\n[[[[[[\n"""\nx = [[[[[[1]]]]]]\n',
        "6 行目: 配列や表の入れ子が深すぎます",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BEFORE_PARSING))
def test_structural_excess_is_refused_before_parsing(case, tmp_path, no_parser):
    text, gist = BEFORE_PARSING[case]
    before = snapshot()
    error = refused(tmp_path, text)
    assert len(error.problems) == 1
    where, message = error.problems[0]
    assert where == "" and gist in message, message
    assert error.render().startswith(f"{tmp_path / 'city.toml'}: プロファイルに 1 件の誤りがあります")
    assert snapshot() == before


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, no_parser):
    text = VALID + "# " + "あ" * (MAX_BYTES // 3) + "\n"
    error = refused(tmp_path, text)
    assert error.problems[0][0] == ""
    assert "ファイルが大きすぎます" in error.problems[0][1] and "1,000,000 バイト" in error.problems[0][1]
    assert not Municipality.objects.exists()


def test_the_seed_profiles_pass_the_prescan():
    for path in (Path(__file__).resolve().parents[3] / "profiles").glob("*.toml"):
        assert prescan(path.read_text("utf-8")) is None, path


def test_strings_and_comments_do_not_count_as_structure():
    text = (
        '"a.b.c.d.e.f" = "[[[[[[[[ {{{{{ ....."\n'
        "# [[[[[[[[[ a.b.c.d.e.f.g\n"
        "x = '''\n[[[[[[[[\n'''\n"
        'y = """ \\""" [[[[[[[ """\n'
        "per_year = [2, 3]\n"
        "[[meeting_bodies]]\n"
    )
    assert prescan(text) is None
    assert tomllib.loads(text)  # and it is valid TOML


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("[]{}.=,\"'#\n ab1\\")), max_size=400))
def test_reading_never_fails_with_anything_but_a_japanese_refusal(tmp_path, text):
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    try:
        data, _raw = read_profile_data(path)
    except UnreadableProfile as exc:
        assert exc.message
    else:
        assert isinstance(data, dict)


# name: (profile text, exact key path, gist) — values that fit TOML but not the columns or the world.
OUT_OF_RANGE = {
    "name_longer_than_its_column": (
        edit('name = "福祉課"', 'name = "' + "福" * 121 + '"'),
        'organizations[1 key="fukushi"].name',
        "長すぎます（121文字、120文字まで）",
    ),
    "municipality_name_too_long": (
        edit('name = "テスト市"', 'name = "' + "長" * 50 + 'テスト市"'),
        "municipality.name",
        "長すぎます（54文字、50文字まで）",
    ),
    "huge_population": (
        edit('prefecture = "テスト県"', 'prefecture = "テスト県"\npopulation = 99999999999999999999'),
        "municipality.population",
        "大きすぎます",
    ),
    "population_beyond_any_city": (
        edit('prefecture = "テスト県"', 'prefecture = "テスト県"\npopulation = 5000001'),
        "municipality.population",
        "大きすぎます（5000001、限度 5000000）",
    ),
    "nul_character": (
        edit('name = "東地区"', 'name = "東\\u0000地区"'),
        'areas[1 key="east"].name',
        "制御文字",
    ),
    "huge_site_count": (
        edit('operation = "contracted"', 'operation = "contracted"\nsites = 2147483648'),
        'organizations[2 key="shakyo"].sites',
        "大きすぎます",
    ),
    "date_before_meiji": (
        edit('operation = "contracted"', 'operation = "contracted"\ncontract_starts_on = 1867-12-31'),
        'organizations[2 key="shakyo"].contract_starts_on',
        "小さすぎます（1867-12-31、限度 1950-01-01）",
    ),
    "date_as_string": (
        edit('operation = "contracted"', 'operation = "contracted"\ncontract_starts_on = "令和7年4月"'),
        'organizations[2 key="shakyo"].contract_starts_on',
        "日付は 2025-04-01 の形",
    ),
    "long_note": (
        edit('department = "fukushi"', 'department = "fukushi"\nnote = "' + "あ" * 4001 + '"'),
        'organizations[2 key="shakyo"].note',
        "長すぎます（4001文字、4000文字まで）",
    ),
    "too_many_entries": (
        VALID + "".join(f'\n[[areas]]\nkey = "a{i}"\nname = "地区{i}"\nkind = "地区"\n' for i in range(2001)),
        "areas",
        "多すぎます（2003件、2000件まで）",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(OUT_OF_RANGE))
def test_lengths_and_ranges_are_checked_by_the_schema(case, tmp_path):
    text, loc, gist = OUT_OF_RANGE[case]
    before = snapshot()
    error = refused(tmp_path, text)
    matching = [msg for where, msg in error.problems if where == loc]
    assert any(gist in msg for msg in matching), error.problems
    assert snapshot() == before


@pytest.mark.django_db
def test_a_value_at_the_column_limit_is_stored_whole(tmp_path):
    """The limits come from the columns: exactly max_length fits (no DataError on PostgreSQL)."""
    name = "福" * 120
    path = tmp_path / "city.toml"
    path.write_text(edit('name = "福祉課"', f'name = "{name}"'), encoding="utf-8")
    muni = load_profile(path).municipality
    assert Organization.objects.get(municipality=muni, key="fukushi").name == name


def test_a_flood_of_mistakes_is_reported_by_its_first_hundred(tmp_path):
    entries = "".join(
        f'\n[[areas]]\nkey = "a{i}"\nname = "地区{i}"\nkind = "地区"\nparnet = "x"\n' for i in range(150)
    )
    path = tmp_path / "city.toml"
    path.write_text(VALID + entries, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    rendered = info.value.render()
    assert len(info.value.problems) == 150
    assert rendered.count("\n") == 101  # the heading, 100 problems, and the rest counted
    assert "ほか 50 件" in rendered
