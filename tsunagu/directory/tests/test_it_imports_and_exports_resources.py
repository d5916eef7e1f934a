"""Community resources to and from HSDS-layout CSV and Excel: every row validated first, nothing half loaded."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from tests.factories import make_area, make_municipality, make_organization, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.directory import resources_io
from tsunagu.directory.resource_actions import import_resources
from tsunagu.directory.resource_models import Resource

from .makers import make_resource

HEADER = "service.id,service.name,x_tsunagu.kind,schedule.byday,service.minimum_age,service.maximum_age,cost_option.amount\r\n"


@pytest.fixture
def world(db):
    muni = make_municipality("Ａ市", code="011002")
    area = make_area(muni, "北地区")
    org = make_organization(muni, "Ａ市社会福祉協議会", kind="social_welfare_council")
    coordinator = make_staff(muni, Role.COORDINATOR)
    return muni, area, org, coordinator


def load(world, raw: bytes, filename: str = "r.csv"):
    muni, _, _, coordinator = world
    parsed = resources_io.parse_upload(muni, filename, raw)
    if not parsed.problems:
        import_resources(actor=coordinator, rows=parsed.rows, file_format=parsed.file_format)
    return parsed


def test_csv_rows_are_loaded_and_upserted_by_key(world):
    muni, area, org, _ = world
    make_resource(muni, "old", name="旧名称")
    raw = (
        "service.id,service.name,x_tsunagu.kind,organization.id,service_area.id,schedule.byday,"
        "x_tsunagu.time_slots,location.latitude,location.longitude,cost_option.amount\r\n"
        f'old,新名称,salon,{org.key},{area.key},"MO,WE",morning,35.6812,139.7671,0\r\n'
        f"new,子ども食堂みなみ,children_cafeteria,,,FR,evening;afternoon,,,300\r\n"
    ).encode()
    parsed = load(world, raw)
    assert parsed.problems == []
    assert parsed.creates == ["子ども食堂みなみ"] and parsed.updates == ["新名称"]
    old = Resource.objects.get(municipality=muni, key="old")
    assert (old.name, old.organization, old.area, old.weekdays) == ("新名称", org, area, [0, 2])
    assert old.latitude == Decimal("35.6812") and old.cost_yen == 0 and old.version == 2
    new = Resource.objects.get(municipality=muni, key="new")
    assert new.time_slots == ["evening", "afternoon"] and new.cost_yen == 300 and new.source == "import"
    assert AuditEvent.objects.filter(detail__import="csv").count() == 1


def test_one_bad_row_loads_nothing_and_names_line_and_column(world):
    muni = world[0]
    raw = (
        (
            HEADER + "a,サロンA,salon,MO,10,20,0\r\n"
            "b,サロンB,salon,XX,10,20,0\r\n"  # bad day
            "c,サロンC,salon,TU,30,20,0\r\n"  # ages reversed
            "d,サロンD,cafe,TU,,,\r\n"  # unknown kind
            "a,重複,salon,,,,\r\n"  # duplicate key
        ).encode()
    )
    parsed = load(world, raw)
    rendered = [p.render() for p in parsed.problems]
    assert any(r.startswith("3行目・schedule.byday: 曜日 'XX'") for r in rendered), rendered
    assert any(r.startswith("4行目・service.maximum_age: 対象年齢の上限") for r in rendered), rendered
    assert any(r.startswith("5行目・x_tsunagu.kind: 使用できない値") for r in rendered), rendered
    assert any(r.startswith("6行目・service.id: キー 'a' は 2行目 と重複") for r in rendered), rendered
    assert not Resource.objects.filter(municipality=muni).exists()


@pytest.mark.parametrize(
    ("cell", "column", "message"),
    [
        ("²", "cost_option.amount", "半角数字の整数"),
        ("１２", "cost_option.amount", "半角数字の整数"),
        ("99999999999", "cost_option.amount", "大きすぎます"),
        ("-1", "cost_option.amount", "小さすぎます"),
        ("1e400", "cost_option.amount", "半角数字の整数"),
    ],
)
def test_bad_numbers_are_refused_in_japanese(world, cell, column, message):
    raw = (HEADER + f"a,サロンA,salon,MO,10,20,{cell}\r\n").encode()
    parsed = load(world, raw)
    assert [(p.place, p.column) for p in parsed.problems] == [("2行目", column)]
    assert message in parsed.problems[0].message
    assert not Resource.objects.exists()


def test_an_1867_date_and_a_nul_byte_are_refused(world):
    raw = "service.id,service.name,x_tsunagu.kind,x_tsunagu.starts_on\r\na,サロンA,salon,1867-10-14\r\n"
    parsed = load(world, raw.encode())
    assert [(p.place, p.column) for p in parsed.problems] == [("2行目", "x_tsunagu.starts_on")]
    parsed = load(world, (HEADER + "a,サロン\x00A,salon,MO,,,\r\n").encode())
    assert "NUL" in parsed.problems[0].message
    assert not Resource.objects.exists()


def test_shift_jis_and_bom_files_are_read(world):
    muni = world[0]
    text = HEADER + "sjis,ふれあいサロン髙島,salon,TH,65,,100\r\n"
    assert load(world, text.encode("cp932")).problems == []
    assert Resource.objects.get(municipality=muni, key="sjis").name == "ふれあいサロン髙島"
    assert load(world, (HEADER + "bom,いきいき体操,kayoi_no_ba,,,,\r\n").encode("utf-8-sig")).problems == []
    assert Resource.objects.filter(municipality=muni, key="bom").exists()


def test_unknown_and_missing_columns_stop_before_any_row(world):
    parsed = load(world, b"service.id,service.nam\r\na,b\r\n")
    columns = {p.column for p in parsed.problems}
    assert {"service.nam", "service.name", "x_tsunagu.kind"} <= columns
    assert not Resource.objects.exists()


def test_too_many_rows_are_refused(world, monkeypatch):
    monkeypatch.setattr(resources_io, "MAX_ROWS", 2)
    raw = (HEADER + "".join(f"k{i},n{i},salon,,,,\r\n" for i in range(3))).encode()
    parsed = load(world, raw)
    assert "行が多すぎます" in parsed.problems[0].message
    assert not Resource.objects.exists()


def test_export_escapes_formulas_and_round_trips_through_csv_and_xlsx(world):
    muni, area, org, _ = world
    make_resource(
        muni,
        "r1",
        name='=HYPERLINK("http://x")',
        description="+1 -2 @sum",
        organization=org,
        area=area,
        weekdays=[1, 4],
        time_slots=["afternoon"],
        age_min=6,
        age_max=18,
        accessibility=["step_free", "parking"],
        latitude=Decimal("35.100000"),
        longitude=Decimal("139.500000"),
        cost_yen=200,
        phone="0120-000-000",
        accepts_referrals=False,
        active=False,
    )
    resources = list(Resource.objects.filter(municipality=muni).select_related("organization", "area"))
    rows = list(csv.reader(io.StringIO(resources_io.export_csv(resources).decode("utf-8-sig"))))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["service.name"].startswith("'=") and record["service.description"].startswith("'+")
    assert record["schedule.byday"] == "TU,FR" and record["service.status"] == "inactive"
    xlsx = resources_io.export_xlsx(resources)
    cell = load_workbook(io.BytesIO(xlsx))["resources"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")
    before = {f.name: getattr(resources[0], f.name) for f in Resource._meta.concrete_fields}
    for raw, name in ((resources_io.export_csv(resources), "r.csv"), (xlsx, "r.xlsx")):
        parsed = load(world, raw, name)
        assert parsed.problems == [] and parsed.unchanged == 1 and not parsed.updates, name
    after = Resource.objects.get(pk=resources[0].pk)
    assert {f.name: getattr(after, f.name) for f in Resource._meta.concrete_fields} == before


def test_excel_problems_name_sheet_and_row(world):
    wb = Workbook()
    ws = wb.active
    ws.title = "resources"
    ws.append(["service.id", "service.name", "x_tsunagu.kind", "location.latitude", "location.longitude"])
    ws.append(["ok", "サロン", "salon", 35.5, 139.5])
    ws.append(["far", "サロン", "salon", 80, 139.5])
    out = io.BytesIO()
    wb.save(out)
    parsed = load(world, out.getvalue(), "r.xlsx")
    assert [(p.place, p.column) for p in parsed.problems] == [("resources シート 3行目", "location.latitude")]
    assert not Resource.objects.exists()


def test_a_file_that_is_not_excel_is_reported(world):
    parsed = load(world, b"PK\x03\x04garbage", "r.xlsx")
    assert "Excel" in parsed.problems[0].message
