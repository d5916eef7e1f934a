"""The community resource screens, per persona: everyone of the city reads, coordinators and the city's
administrator keep them; another city's resource is a 404; every change is audited and version-checked."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from tests.factories import make_area, make_municipality, make_organization
from tests.personas import staff_city
from tsunagu.access.models import AuditEvent
from tsunagu.directory.resource_models import Resource

from .makers import make_resource


@pytest.fixture
def world(db):
    a = make_municipality("Ａ市", code="011002")
    b = make_municipality("Ｂ市", code="012025")
    orgs = {m: make_organization(m, f"{m.name}福祉課") for m in (a, b)}
    staff = staff_city(a, window_org=orgs[a], coordination_org=orgs[a], agency_org=orgs[a])
    other = staff_city(b, window_org=orgs[b], coordination_org=orgs[b], agency_org=orgs[b])
    north = make_area(a, "北地区")
    salon = make_resource(a, "salon", name="北ふれあいサロン", area=north, weekdays=[2], cost_yen=100)
    cafeteria = make_resource(a, "kodomo", name="こども食堂みなみ", kind="children_cafeteria", weekdays=[4])
    b_resource = make_resource(b, "b-salon", name="Ｂ市のサロン")
    return staff, other, north, salon, cafeteria, b_resource


READERS = ["window_worker", "coordinator", "agency_worker", "manager", "auditor", "administrator"]
MAINTAINERS = ["coordinator", "administrator"]
NOT_MAINTAINERS = ["window_worker", "agency_worker", "manager", "auditor"]


def test_anonymous_is_sent_to_login(client, world):
    salon = world[3]
    for url in (
        reverse("directory:resources"),
        reverse("directory:resource", args=[salon.pk]),
        reverse("directory:resource_create"),
        reverse("directory:resource_edit", args=[salon.pk]),
        reverse("directory:resource_import"),
        reverse("directory:resource_export_csv"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", READERS)
def test_every_staff_role_reads_list_and_detail(client, world, persona):
    staff, _, _, salon, _, _ = world
    client.force_login(getattr(staff, persona))
    page = client.get(reverse("directory:resources")).content.decode()
    assert "北ふれあいサロン" in page and "こども食堂みなみ" in page and "Ｂ市のサロン" not in page
    detail = client.get(reverse("directory:resource", args=[salon.pk])).content.decode()
    assert "100円/回" in detail and "北地区" in detail
    assert ("編集する" in detail) == (persona in MAINTAINERS)


def test_another_citys_resource_is_404(client, world):
    staff, other, _, _, _, b_resource = world
    client.force_login(staff.coordinator)
    for name in ("directory:resource", "directory:resource_edit"):
        assert client.get(reverse(name, args=[b_resource.pk])).status_code == 404
    assert client.get(reverse("directory:resource", args=[999999])).status_code == 404
    response = client.post(reverse("directory:resource_set_active", args=[b_resource.pk]), {"version": 1})
    assert response.status_code == 404
    assert Resource.objects.get(pk=b_resource.pk).active
    client.force_login(other.window_worker)
    assert client.get(reverse("directory:resource", args=[b_resource.pk])).status_code == 200


@pytest.mark.parametrize("persona", NOT_MAINTAINERS)
def test_readers_may_not_change_anything(client, world, persona):
    staff, _, _, salon, _, _ = world
    client.force_login(getattr(staff, persona))
    assert client.get(reverse("directory:resource_create")).status_code == 403
    assert client.get(reverse("directory:resource_edit", args=[salon.pk])).status_code == 403
    assert client.get(reverse("directory:resource_import")).status_code == 403
    response = client.post(reverse("directory:resource_set_active", args=[salon.pk]), {"version": 1})
    assert response.status_code == 403
    assert Resource.objects.get(pk=salon.pk).active


def test_filters_by_kind_area_day_and_text(client, world):
    staff, _, north, _, _, _ = world
    client.force_login(staff.window_worker)

    def names(**params) -> set[str]:
        page = client.get(reverse("directory:resources"), params).content.decode()
        return {n for n in ("北ふれあいサロン", "こども食堂みなみ") if n in page}

    assert names(kind="children_cafeteria") == {"こども食堂みなみ"}
    # A resource without an area serves the whole city: it stays in the area's list.
    assert names(area=north.key) == {"北ふれあいサロン", "こども食堂みなみ"}
    assert names(day="wed") == {"北ふれあいサロン"}
    assert names(q="ｼｮｸﾄﾞｳ") == set()  # katakana folded, but 食堂 is kanji in the name
    assert names(q="食堂") == {"こども食堂みなみ"}
    page = client.get(reverse("directory:resources"), {"day": "水", "kind": "x"}).content.decode()
    assert "この値は選べません。" in page


def test_pages_of_thirty(client, world):
    staff = world[0]
    for i in range(40):
        make_resource(staff.muni, f"bulk-{i:02d}", name=f"通いの場{i:02d}")
    client.force_login(staff.window_worker)
    first = client.get(reverse("directory:resources")).content.decode()
    second = client.get(reverse("directory:resources"), {"page": "2"}).content.decode()
    assert "通いの場00" in first and "通いの場39" not in first and "通いの場39" in second


VALID = {
    "key": "new-ibasho",
    "name": "若者の居場所あおぞら",
    "kind": "ibasho",
    "weekdays": ["tue", "fri"],
    "time_slots": ["afternoon"],
    "age_min": "15",
    "age_max": "39",
    "latitude": "35.6812",
    "longitude": "139.7671",
    "cost_yen": "0",
    "phone": "0422-00-0000",
    "email": "aozora@example.jp",
    "url": "https://example.jp/aozora",
    "accepts_referrals": "on",
}


@pytest.mark.parametrize("persona", MAINTAINERS)
def test_maintainers_create_and_it_is_audited(client, world, persona):
    staff = world[0]
    client.force_login(getattr(staff, persona))
    response = client.post(reverse("directory:resource_create"), VALID)
    assert response.status_code == 302
    made = Resource.objects.get(municipality=staff.muni, key="new-ibasho")
    assert (made.weekdays, made.age_max, made.cost_yen, made.source) == ([1, 4], 39, 0, "screen")
    event = AuditEvent.objects.get(action="create", object_index__contains=f" resource:{made.pk} ")
    assert event.actor == getattr(staff, persona)
    # The same key again (a double submit) is refused in Japanese, nothing new.
    again = client.post(reverse("directory:resource_create"), VALID)
    assert "このキーは既に使われています。" in again.content.decode()
    assert Resource.objects.filter(municipality=staff.muni, key="new-ibasho").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("age_max", "10", "対象年齢の上限（10）が下限（15）より小さいです"),
        ("age_min", "²", "半角数字で入力してください。"),
        ("cost_yen", "99999999999999999999999", "数が大きすぎます。"),
        ("latitude", "95", "大きすぎます"),
        ("latitude", "３５", "半角数字の小数"),
        ("weekdays", ["水"], "正しく選択してください"),
        ("time_slots", ["midnight"], "正しく選択してください"),
        ("email", "not-mail", "メールアドレスの形ではありません"),
        ("url", "javascript:alert(1)", "http:// または https://"),
        ("phone", "電話", "電話番号は半角数字とハイフン"),
        ("name", "a\x00b", "Null"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_changes_nothing(client, world, field, value, message):
    staff = world[0]
    client.force_login(staff.coordinator)
    response = client.post(reverse("directory:resource_create"), VALID | {field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert "何も保存していません" in page
    if message != "Null":
        assert message in page, page[page.find("error") - 200 : page.find("error") + 400]
    assert not Resource.objects.filter(key="new-ibasho").exists()


def test_edit_saves_changed_fields_and_refuses_a_stale_version(client, world):
    staff, _, _, salon, _, _ = world
    client.force_login(staff.coordinator)
    url = reverse("directory:resource_edit", args=[salon.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data["organization"] = ""
    data["area"] = salon.area.pk
    data |= {"version": "1", "name": "北サロン（改称）", "cost_yen": "200"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    salon.refresh_from_db()
    assert (salon.name, salon.cost_yen, salon.version) == ("北サロン（改称）", 200, 2)
    event = AuditEvent.objects.filter(
        action="update", object_index__contains=f" resource:{salon.pk} "
    ).latest("seq")
    assert event.detail["fields"] == ["cost_yen", "name"]
    # Someone else's form, read at version 1, is refused and changes nothing.
    stale = client.post(url, data | {"name": "古い画面から"})
    assert "ほかの職員がこの社会資源を更新しました" in stale.content.decode()
    salon.refresh_from_db()
    assert salon.name == "北サロン（改称）"


def test_deactivate_and_reactivate(client, world):
    staff, _, _, salon, _, _ = world
    client.force_login(staff.administrator)
    url = reverse("directory:resource_set_active", args=[salon.pk])
    done = client.post(url, {"version": "1"}, follow=True).content.decode()
    assert "「北ふれあいサロン」を掲載終了にしました。" in done
    salon.refresh_from_db()
    assert not salon.active and salon.version == 2
    assert "北ふれあいサロン" not in client.get(reverse("directory:resources")).content.decode()
    listed = client.get(reverse("directory:resources"), {"inactive": "on"}).content.decode()
    assert "掲載終了" in listed
    # A stale click changes nothing.
    client.post(url, {"version": "1", "active": "on"})
    salon.refresh_from_db()
    assert not salon.active
    client.post(url, {"version": "2", "active": "on"})
    salon.refresh_from_db()
    assert salon.active


@pytest.mark.parametrize("persona", READERS)
def test_export_is_audited(client, world, persona):
    staff = world[0]
    client.force_login(getattr(staff, persona))
    response = client.get(reverse("directory:resource_export_csv"))
    body = response.content.decode("utf-8-sig")
    assert "service.name" in body and "北ふれあいサロン" in body and "Ｂ市のサロン" not in body
    assert client.get(reverse("directory:resource_export_xlsx"))["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert AuditEvent.objects.filter(action="export", actor=getattr(staff, persona)).count() == 2


def test_import_previews_then_loads_once(client, world):
    staff = world[0]
    client.force_login(staff.coordinator)
    csv_text = "service.id,service.name,x_tsunagu.kind\r\nsalon,北サロン（新）,salon\r\nnew,新しい通いの場,kayoi_no_ba\r\n"
    upload = io.BytesIO(csv_text.encode("cp932"))
    upload.name = "resources.csv"
    preview = client.post(reverse("directory:resource_import"), {"file": upload})
    page = preview.content.decode()
    assert "新しい通いの場" in page and "北サロン（新）" in page and "この内容で取り込む" in page
    assert not Resource.objects.filter(key="new").exists()
    token = preview.context["token"]
    done = client.post(reverse("directory:resource_import_confirm"), {"token": token})
    assert done.status_code == 302
    assert Resource.objects.get(municipality=staff.muni, key="new").name == "新しい通いの場"
    # The same confirmation again loads nothing twice.
    again = client.post(reverse("directory:resource_import_confirm"), {"token": token}, follow=True)
    assert "取込の確認が見つかりません" in again.content.decode()


def test_import_with_a_bad_row_shows_line_and_column_and_loads_nothing(client, world):
    staff = world[0]
    client.force_login(staff.coordinator)
    upload = io.BytesIO(
        "service.id,service.name,x_tsunagu.kind,cost_option.amount\r\nok,よい行,salon,0\r\nbad,悪い行,salon,²\r\n".encode()
    )
    upload.name = "resources.csv"
    page = client.post(reverse("directory:resource_import"), {"file": upload}).content.decode()
    assert "3行目・cost_option.amount" in page and "何も取り込んでいません" in page
    assert "この内容で取り込む" not in page
    assert not Resource.objects.filter(key__in=["ok", "bad"]).exists()


def test_the_audit_log_names_the_resource(world):
    from tsunagu.access.targets import describe

    staff, _, _, salon, _, b_resource = world
    found = describe(staff.muni.pk, [("resource", salon.pk), ("resource", b_resource.pk)])
    assert found[("resource", salon.pk)] == "社会資源「北ふれあいサロン」(salon)"
    # Another city's row is not described from this city.
    assert "Ｂ市のサロン" not in found.get(("resource", b_resource.pk), "")
