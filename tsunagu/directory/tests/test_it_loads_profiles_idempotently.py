"""Loading a profile is idempotent, edits update rows in place, and removed entries become inactive.

Rows are never deleted: staff, consultations and cases refer to organizations, windows and meeting
bodies with PROTECT, and a removed entry must keep its meaning for the records that name it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db.models import ProtectedError

from tests.factories import make_staff
from tsunagu.directory.models import CoordinatorPost, EscalationRule, MeetingBody, Organization, Window
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.municipalities.models import Area

from .snapshots import snapshot

PROFILES = Path(__file__).resolve().parents[3] / "profiles"


SMALL = """\
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
areas = ["east", "east-1"]

[[windows]]
key = "shakyo-madoguchi"
name = "社協の相談窓口"
organization = "shakyo"
areas = ["east-1"]

[[coordinators]]
key = "co"
title = "地域福祉コーディネーター"
organization = "shakyo"
area = "east-1"
count = 2

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
frequency = "bimonthly"
members = ["fukushi"]
tier = 2

[[escalation_rules]]
key = "up"
name = "支援会議から重層的支援会議へ"
trigger = "manual"
from_body = "shien"
from_windows = ["shakyo-madoguchi"]
target = "meeting_body"
to_body = "jusou"
"""

# The same city with 社協, its window and coordinator, 重層的支援会議, the rule and 東一丁目 removed.
SMALL_WITHOUT_SHAKYO = """\
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

[[meeting_bodies]]
key = "shien"
name = "支援会議"
kind = "confidential_conference"
legal_functions = ["confidential_conference"]
frequency = "monthly"
members = ["fukushi"]
tier = 1
"""


def write(tmp_path: Path, text: str, name: str = "city.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    "city", ["mitaka", "komaki", "tsuchiura", "matsumoto", "tono", "koga", "inagi", "kokubunji"]
)
def test_loading_the_same_city_profile_twice_changes_nothing(city):
    load_profile(PROFILES / f"{city}.toml")
    before = snapshot()
    report = load_profile(PROFILES / f"{city}.toml")
    assert not report.changed, report.summary()
    assert snapshot() == before


@pytest.mark.django_db
def test_loading_twice_changes_nothing_including_many_to_many_rows(tmp_path):
    path = write(tmp_path, SMALL)
    load_profile(path)
    before = snapshot()
    # The snapshot really covers the many-to-many tables this profile fills.
    assert len(before["directory.Organization_areas"]) == 2
    assert len(before["directory.MeetingBody_members"]) == 3
    assert len(before["directory.EscalationRule_from_windows"]) == 1
    assert not load_profile(path).changed
    assert snapshot() == before


@pytest.mark.django_db
def test_an_edited_profile_updates_rows_in_place(tmp_path):
    path = tmp_path / "tsuchiura.toml"
    shutil.copy(PROFILES / "tsuchiura.toml", path)
    first = load_profile(path)
    muni = first.municipality
    scrum = MeetingBody.objects.get(municipality=muni, key="scrum-net")
    fureai = MeetingBody.objects.get(municipality=muni, key="fureai-chosei")
    window = Window.objects.get(municipality=muni, key="kominkan-daiichi")
    counts = {m: m.objects.filter(municipality=muni).count() for m in (MeetingBody, Window, Organization)}

    text = path.read_text(encoding="utf-8")
    text = text.replace('name = "地区公民館（第一）"', 'name = "第一地区公民館"')
    text = text.replace('frequency = "monthly"', 'frequency = "bimonthly"')
    text = text.replace('members = ["iryo-kikan"]', 'members = ["iryo-kikan", "shakyo"]')
    text = text.replace("population = 140000", "population = 141000")
    path.write_text(text, encoding="utf-8")
    report = load_profile(path)

    assert report.updated["windows"] == 1
    assert report.updated["meeting_bodies"] == 1
    assert report.updated["meeting_bodies.members"] == 1
    assert report.updated["municipality"] == 1
    assert not report.created and not report.deactivated
    # Same rows (same primary keys), new values; nothing added or removed.
    assert Window.objects.get(pk=window.pk).name == "第一地区公民館"
    assert MeetingBody.objects.get(pk=scrum.pk).frequency == "bimonthly"
    assert set(MeetingBody.objects.get(pk=fureai.pk).members.values_list("key", flat=True)) == {
        "iryo-kikan",
        "shakyo",
    }
    muni.refresh_from_db()
    assert muni.population == 141000
    assert {m: m.objects.filter(municipality=muni).count() for m in counts} == counts


@pytest.mark.django_db
def test_removing_entries_marks_them_inactive_and_never_deletes_them(tmp_path):
    path = write(tmp_path, SMALL)
    muni = load_profile(path).municipality
    shakyo = Organization.objects.get(municipality=muni, key="shakyo")
    window = Window.objects.get(municipality=muni, key="shakyo-madoguchi")
    jusou = MeetingBody.objects.get(municipality=muni, key="jusou")
    rule = EscalationRule.objects.get(municipality=muni, key="up")
    street = Area.objects.get(municipality=muni, key="east-1")
    # A staff member belongs to 社協 (Staff.organization is PROTECT): the row must survive.
    staff = make_staff(municipality=muni, organization=shakyo)
    with pytest.raises(ProtectedError):
        Organization.objects.filter(pk=shakyo.pk).delete()

    write(tmp_path, SMALL_WITHOUT_SHAKYO)
    # Staff belong to 社協: removing it needs confirm=True (--confirm); without it nothing changes.
    before = snapshot()
    with pytest.raises(
        ProfileError, match="職員が所属している機関が無効になります: 「社会福祉協議会」（職員 1 人）"
    ):
        load_profile(path)
    assert snapshot() == before
    report = load_profile(path, confirm=True)

    assert dict(report.deactivated) == {
        "areas": 1,
        "organizations": 1,
        "windows": 1,
        "coordinators": 1,
        "meeting_bodies": 1,
        "escalation_rules": 1,
    }
    for obj in (shakyo, window, jusou, rule, street):
        obj.refresh_from_db()  # still there
        assert obj.active is False, obj
    assert CoordinatorPost.objects.get(municipality=muni, key="co").active is False
    staff.refresh_from_db()
    assert staff.organization_id == shakyo.pk
    # Rows that refer to the inactive entries keep pointing at them.
    assert window.organization_id == shakyo.pk
    assert rule.from_body is not None and street.parent is not None
    assert (rule.from_body.key, rule.to_body_id) == ("shien", jusou.pk)
    assert street.parent.key == "east"
    # The entries still in the file stay active.
    assert Organization.objects.get(municipality=muni, key="fukushi").active
    assert MeetingBody.objects.get(municipality=muni, key="shien").active

    # Loading the reduced file again changes nothing; restoring the entries reactivates the same rows.
    assert not load_profile(path).changed
    write(tmp_path, SMALL)
    restored = load_profile(path)
    assert not restored.created
    for obj in (shakyo, window, jusou, rule, street):
        obj.refresh_from_db()
        assert obj.active is True, obj


@pytest.mark.django_db
def test_two_cities_may_use_the_same_keys(tmp_path):
    load_profile(write(tmp_path, SMALL, "a.toml"))
    other = SMALL.replace('code = "011002"', 'code = "012025"').replace("テスト市", "別の市")
    load_profile(write(tmp_path, other, "b.toml"))
    assert Organization.objects.filter(key="shakyo").count() == 2
    # Removing 社協 from one city leaves the other city's 社協 alone.
    write(tmp_path, SMALL_WITHOUT_SHAKYO, "a.toml")
    load_profile(tmp_path / "a.toml")
    states = dict(Organization.objects.filter(key="shakyo").values_list("municipality__code", "active"))
    assert states == {"011002": False, "012025": True}
