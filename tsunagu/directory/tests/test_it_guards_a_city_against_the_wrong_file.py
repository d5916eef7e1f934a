"""A profile with another city's 団体コード does not silently overwrite that city, and a load that would
leave staff in a deactivated organization says so and needs to be confirmed.

The probe that found it: inagi.toml with 三鷹's code turned 三鷹 into 稲城 and deactivated 12 of its
organizations, staff and all.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_staff
from tsunagu.directory.models import Organization
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.municipalities.models import Municipality

from .snapshots import snapshot

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
MITAKA_CODE = "132047"


def inagi_with_mitakas_code(tmp_path: Path) -> Path:
    text = (PROFILES / "inagi.toml").read_text("utf-8")
    text = re.sub(r'code = "132250"', f'code = "{MITAKA_CODE}"', text, count=1)
    path = tmp_path / "inagi-wrong-code.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_a_file_naming_another_city_by_its_code_is_refused(tmp_path):
    mitaka = load_profile(PROFILES / "mitaka.toml").municipality
    make_staff(
        municipality=mitaka, organization=Organization.objects.get(municipality=mitaka, key="koreisha-shien")
    )
    before = snapshot()

    with pytest.raises(ProfileError) as info:
        load_profile(inagi_with_mitakas_code(tmp_path))

    problems = dict(info.value.problems)
    assert "団体コード 132047 はすでに「東京都三鷹市」のものです" in problems["municipality.code"]
    assert "「東京都稲城市」です" in problems["municipality.code"]
    assert "--rename" in problems["municipality.code"]
    # The same file would also deactivate the organization the staff member belongs to: said at once.
    assert "「高齢者支援課」（職員 1 人）" in problems["organizations"]
    assert snapshot() == before
    mitaka.refresh_from_db()
    assert mitaka.name == "三鷹市"


@pytest.mark.django_db
def test_rename_allows_a_new_name_for_the_same_code_and_says_so(tmp_path):
    path = tmp_path / "mitaka.toml"
    shutil.copy(PROFILES / "mitaka.toml", path)
    muni = load_profile(path).municipality
    path.write_text(
        path.read_text("utf-8").replace('name = "三鷹市"', 'name = "新三鷹市"', 1), encoding="utf-8"
    )

    with pytest.raises(ProfileError, match="--rename"):
        load_profile(path)
    report = load_profile(path, rename=True)

    assert report.municipality.pk == muni.pk
    assert Municipality.objects.get(pk=muni.pk).name == "新三鷹市"
    assert "名称を「東京都三鷹市」から「東京都新三鷹市」に変更しました" in report.summary()
    # No organization was removed, so no confirmation was needed; nothing was deactivated.
    assert not report.deactivated


@pytest.mark.django_db
def test_staff_in_a_removed_organization_need_confirm_and_inactive_staff_do_not(tmp_path):
    path = tmp_path / "koga.toml"
    shutil.copy(PROFILES / "koga.toml", path)
    muni = load_profile(path).municipality
    shakyo = Organization.objects.get(municipality=muni, key="shakyo")  # referred to by no other entry
    text = path.read_text("utf-8")
    start = text.index('[[organizations]]\nkey = "shakyo"')
    end = text.index("[[", start + 5)
    path.write_text(text[:start] + text[end:], encoding="utf-8")

    # Only a disabled account belongs to it: nobody is stranded, the load goes through.
    make_staff(municipality=muni, organization=shakyo, is_active=False)
    report = load_profile(path)
    assert report.deactivated["organizations"] == 1
    shakyo.refresh_from_db()
    assert not shakyo.active

    # Put it back, add an active member of staff, and remove it again: now it needs confirming.
    path.write_text(text, encoding="utf-8")
    load_profile(path)
    shakyo.refresh_from_db()
    assert shakyo.active
    make_staff(municipality=muni, organization=shakyo)
    make_staff(municipality=muni, organization=shakyo)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_profile", str(path), stdout=io.StringIO(), stderr=err)
    assert (
        f"{path}: organizations: このファイルを読み込むと、職員が所属している機関が無効になります"
        in err.getvalue()
    )
    assert f"「{shakyo.name}」（職員 2 人）" in err.getvalue()
    shakyo.refresh_from_db()
    assert shakyo.active

    out = io.StringIO()
    call_command("load_profile", str(path), "--confirm", stdout=out)
    shakyo.refresh_from_db()
    assert not shakyo.active
    assert "無効化 organizations 1" in out.getvalue()
    # The staff keep their organization (PROTECT): the row is inactive, not gone.
    assert shakyo.staff.count() == 3
