"""Community resources (社会資源) to and from files in the Open Referral HSDS layout (CSV and Excel).

The file is ONE flattened table, one row per resource, the columns named `<HSDS table>.<HSDS 3.0 field>`
(`service.name`, `organization.id`, `schedule.byday`, `cost_option.amount` …). A city's staff keep and
check one sheet far more easily than the ten linked tables of an HSDS Tabular Data Package, and one
resource of ours is exactly one service at one location. What HSDS has no field for (our kinds, time
slots, group size …) is in `x_tsunagu.*` columns, as HSDS allows extension fields. Export writes every
column; import needs `service.id` (the key), `service.name` and `x_tsunagu.kind` and ignores nothing
silently: an unknown column is an error. Lists are separated by `;` (`schedule.byday` by `,` as in
RRULE).

Import validates EVERY row before anything is written (`parse_upload` → `ParsedImport`), reports each
bad cell with its place — CSV line or Excel sheet and row — and column, in Japanese; the caller loads
the rows in one transaction only when there is no problem (resource_actions.import_resources).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from tsunagu.municipalities.choices import Domain
from tsunagu.municipalities.models import Area

from .models import Organization
from .profile_keys import translate
from .profile_schema import WEEKDAY_CODES, ResourceEntry
from .resource_actions import ImportRow
from .resource_entries import entry_values, resource_entry
from .resource_models import Resource

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_PROBLEMS = 200  # reported; the count says how many more there were

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = Weekday value


@dataclass(frozen=True)
class Column:
    header: str  # HSDS-style column name
    field: str  # ResourceEntry field
    kind: str = "text"  # text, int, decimal, date, list, days, bool, status
    label: str = ""  # Japanese name for messages and the header help


COLUMNS: tuple[Column, ...] = (
    Column("service.id", "key", label="キー"),
    Column("service.name", "name", label="名称"),
    Column("service.description", "description", label="内容"),
    Column("service.status", "active", "status", "状態（active / inactive）"),
    Column("service.url", "url", label="ウェブサイト"),
    Column("service.email", "email", label="メール"),
    Column("service.eligibility_description", "welcomes", label="対象"),
    Column("service.minimum_age", "age_min", "int", "対象年齢（下限）"),
    Column("service.maximum_age", "age_max", "int", "対象年齢（上限）"),
    Column("organization.id", "organization", label="運営主体（関係機関のキー）"),
    Column("organization.name", "operator", label="運営主体（名称）"),
    Column("service_area.id", "area", label="地区（キー）"),
    Column("service_area.name", "", label="地区（名称・参考）"),
    Column("address.address_1", "address", label="所在地"),
    Column("location.latitude", "latitude", "decimal", "緯度"),
    Column("location.longitude", "longitude", "decimal", "経度"),
    Column("schedule.byday", "weekdays", "days", "開催曜日（MO,TU…）"),
    Column("schedule.description", "schedule", label="日時"),
    Column("accessibility.description", "accessibility_note", label="アクセシビリティ（補足）"),
    Column("language.code", "languages", "list", "対応言語"),
    Column("service_capacity.maximum", "capacity", "int", "定員"),
    Column("cost_option.amount", "cost_yen", "int", "費用（円/回）"),
    Column("cost_option.amount_description", "cost_note", label="費用（補足）"),
    Column("phone.number", "phone", label="電話"),
    Column("contact.name", "contact_name", label="連絡先（担当）"),
    Column("x_tsunagu.kind", "kind", label="種類"),
    Column("x_tsunagu.time_slots", "time_slots", "list", "時間帯"),
    Column("x_tsunagu.group_size", "group_size", label="人数規模"),
    Column("x_tsunagu.accessibility", "accessibility", "list", "アクセシビリティ"),
    Column("x_tsunagu.activities", "activities", "list", "活動内容"),
    Column("x_tsunagu.domains", "domains", "list", "分野"),
    Column("x_tsunagu.business_lines", "business_lines", "list", "事業区分"),
    Column("x_tsunagu.accepts_referrals", "accepts_referrals", "bool", "参加支援の受け入れ"),
    Column("x_tsunagu.starts_on", "starts_on", "date", "開始日"),
    Column("x_tsunagu.ends_on", "ends_on", "date", "終了日"),
)
HEADERS = [c.header for c in COLUMNS]
BY_HEADER = {c.header: c for c in COLUMNS}
BY_FIELD = {c.field: c for c in COLUMNS if c.field}
REQUIRED = ("service.id", "service.name", "x_tsunagu.kind")
SHEET = "resources"

_ASCII_INT = re.compile(r"-?[0-9]{1,12}")
_ASCII_DECIMAL = re.compile(r"-?[0-9]{1,4}(\.[0-9]{1,12})?")
_LIST_SPLIT = re.compile(r"[;；、]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TRUE, FALSE = {"true", "1", "yes", "はい", "可"}, {"false", "0", "no", "いいえ", "不可"}


# ---------------------------------------------------------------------------------------------
# Export


def _safe_cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula (CSV/formula injection): a leading = + - @ tab or CR
    gets a quote in front. Import takes that quote off again, so a round trip keeps the text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _cell(column: Column, r: Resource, data: dict[str, Any]) -> str:
    if column.header == "service_area.name":
        return r.area.name if r.area is not None else ""
    if column.kind == "status":
        return "active" if r.active else "inactive"
    value = data.get(column.field)
    if value is None:
        return ""
    if column.kind == "days":
        return ",".join(RRULE_DAYS[WEEKDAY_CODES.index(d)] for d in value)
    if column.kind == "list":
        return ";".join(value)
    if column.kind == "bool":
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def export_rows(resources: Iterable[Resource]) -> Iterator[list[str]]:
    """The header and one row per resource, every cell formula-safe text."""
    yield list(HEADERS)
    for r in resources:
        data = resource_entry(r)
        data.setdefault("accepts_referrals", r.accepts_referrals)
        yield [_safe_cell(_cell(c, r, data)) for c in COLUMNS]


def export_csv(resources: Iterable[Resource]) -> bytes:
    """UTF-8 with BOM (Excel opens it as UTF-8), CRLF lines."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows(export_rows(resources))
    return buf.getvalue().encode("utf-8-sig")


def export_xlsx(resources: Iterable[Resource]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for row in export_rows(resources):
        # Every cell is a string: openpyxl writes it as text, never a formula or a number.
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Import


@dataclass(frozen=True)
class Problem:
    place: str  # "3行目" or "resources シート 3行目"
    column: str  # header, "" for the whole row or file
    message: str

    def render(self) -> str:
        where = f"{self.place}・{self.column}" if self.column else self.place
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ParsedImport:
    """Every row validated. `rows` is usable only when `problems` is empty."""

    file_format: str
    rows: list[ImportRow] = field(default_factory=list)
    creates: list[str] = field(default_factory=list)  # names, for the preview
    updates: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1


class UnreadableFile(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first, then Shift_JIS (cp932, what Excel writes for Japanese CSV)."""
    if b"\x00" in raw:
        raise UnreadableFile("ファイルにNUL文字（\\0）が含まれています。CSVとして保存し直してください")
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("文字コードが読み取れません。UTF-8 または Shift_JIS（CP932）のCSVにしてください")


def _csv_records(raw: bytes) -> Iterator[tuple[str, list[str]]]:
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for record in reader:
            yield f"{reader.line_num}行目", record
    except csv.Error as exc:
        raise UnreadableFile(f"{reader.line_num}行目: CSVとして読めません（{exc}）") from None


def _xlsx_records(raw: bytes) -> Iterator[tuple[str, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UnreadableFile("Excelファイル（.xlsx）として読めません") from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if i > MAX_ROWS + 1:
            raise UnreadableFile(f"行が多すぎます（{MAX_ROWS}行まで）")
        yield f"{ws.title} シート {i}行目", [_xlsx_text(v) for v in values]
    wb.close()


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _convert(column: Column, text: str) -> Any:
    """A cell's text as the entry expects it; ValueError with a Japanese message when it cannot be."""
    if column.kind == "int":
        if not _ASCII_INT.fullmatch(text):
            raise ValueError(f"半角数字の整数で書いてください（{text!r}）")
        return int(text)
    if column.kind == "decimal":
        if not _ASCII_DECIMAL.fullmatch(text):
            raise ValueError(f"半角数字の小数で書いてください（例: 35.6812）（{text!r}）")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(f"数値として読めません（{text!r}）") from None
    if column.kind == "date":
        try:
            return dt.date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else None
        except ValueError:
            pass
        raise ValueError(f"日付は 2025-04-01 の形で書いてください（{text!r}）")
    if column.kind == "list":
        return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]
    if column.kind == "days":
        days = []
        for part in re.split(r"[,;、]", text.upper()):
            if not part.strip():
                continue
            if part.strip() not in RRULE_DAYS:
                raise ValueError(f"曜日 {part.strip()!r} は MO・TU・WE・TH・FR・SA・SU で書いてください")
            days.append(WEEKDAY_CODES[RRULE_DAYS.index(part.strip())])
        return days
    if column.kind in ("bool", "status"):
        low = text.lower()
        if column.kind == "status":
            if low not in ("active", "inactive"):
                raise ValueError(f"active か inactive で書いてください（{text!r}）")
            return low == "active"
        if low in TRUE or low in FALSE:
            return low in TRUE
        raise ValueError(f"true か false で書いてください（{text!r}）")
    return text


def _unquote(text: str) -> str:
    """Take off the quote export put before a formula-looking value."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def parse_upload(municipality: Any, filename: str, raw: bytes) -> ParsedImport:
    """Read and validate a whole file against the city's directory; write nothing."""
    file_format = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    parsed = ParsedImport(file_format=file_format)
    if len(raw) > MAX_BYTES:
        parsed.add(Problem("", "", f"ファイルが大きすぎます（{MAX_BYTES // 1024 // 1024}MBまで）"))
        return parsed
    try:
        records = list(_xlsx_records(raw) if file_format == "xlsx" else _csv_records(raw))
    except UnreadableFile as exc:
        parsed.add(Problem("", "", exc.message))
        return parsed
    records = [(place, rec) for place, rec in records if any(cell.strip() for cell in rec)]
    if not records:
        parsed.add(Problem("", "", "見出し行がありません"))
        return parsed
    if len(records) - 1 > MAX_ROWS:
        parsed.add(Problem("", "", f"行が多すぎます（{len(records) - 1}行、{MAX_ROWS}行まで）"))
        return parsed
    header_place, header = records[0]
    headers = [h.strip().lstrip("\ufeff") for h in header]
    for h in headers:
        if h and h not in BY_HEADER:
            parsed.add(
                Problem(header_place, h, "この列名は使えません（書き出したファイルの見出しを使ってください）")
            )
    for h in REQUIRED:
        if h not in headers:
            parsed.add(Problem(header_place, h, "必須の列がありません"))
    if len(set(h for h in headers if h)) != len([h for h in headers if h]):
        parsed.add(Problem(header_place, "", "同じ列名が2回以上あります"))
    if parsed.problems:
        return parsed
    context = _Context.of(municipality)
    seen: dict[str, str] = {}
    for place, record in records[1:]:
        _parse_row(parsed, context, seen, place, headers, record)
    return parsed


@dataclass(frozen=True)
class _Context:
    organizations: dict[str, Organization]
    areas: dict[str, Area]
    domains: set[str]
    existing: dict[str, Resource]

    @classmethod
    def of(cls, municipality: Any) -> _Context:
        return cls(
            organizations={
                o.key: o for o in Organization.objects.filter(municipality=municipality, active=True)
            },
            areas={a.key: a for a in Area.objects.filter(municipality=municipality, active=True)},
            domains=set(Domain.values) | {d.get("code", "") for d in municipality.domains or []},
            existing={
                r.key: r
                for r in Resource.objects.filter(municipality=municipality).select_related(
                    "organization", "area"
                )
            },
        )


def _parse_row(
    parsed: ParsedImport,
    ctx: _Context,
    seen: dict[str, str],
    place: str,
    headers: list[str],
    record: list[str],
) -> None:
    if len(record) > len(headers) and any(cell.strip() for cell in record[len(headers) :]):
        parsed.add(Problem(place, "", "見出しより列が多い行です"))
        return
    data: dict[str, Any] = {}
    bad = False
    for header, raw_cell in zip(headers, record, strict=False):
        column = BY_HEADER.get(header)
        text = _unquote(raw_cell.strip())
        if column is None or not column.field or not text:
            continue
        if _CONTROL.search(text):
            parsed.add(Problem(place, header, "制御文字（\\u0000 など）は書けません"))
            bad = True
            continue
        try:
            data[column.field] = _convert(column, text)
        except ValueError as exc:
            parsed.add(Problem(place, header, str(exc)))
            bad = True
    active = data.pop("active", True)
    try:
        entry = ResourceEntry.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            name = getattr(err.get("ctx", {}).get("error"), "field", None) or (
                str(err["loc"][0]) if err["loc"] else ""
            )
            column = BY_FIELD.get(name)
            parsed.add(Problem(place, column.header if column else name, translate(err, ResourceEntry)))
        return
    if bad:
        return
    problems_before = len(parsed.problems) + parsed.more_problems
    if entry.key in seen:
        parsed.add(Problem(place, "service.id", f"キー {entry.key!r} は {seen[entry.key]} と重複しています"))
    seen.setdefault(entry.key, place)
    if entry.organization and entry.organization not in ctx.organizations:
        parsed.add(Problem(place, "organization.id", f"関係機関のキー {entry.organization!r} がありません"))
    if entry.area and entry.area not in ctx.areas:
        parsed.add(Problem(place, "service_area.id", f"地区のキー {entry.area!r} がありません"))
    for code in entry.domains:
        if code not in ctx.domains:
            parsed.add(Problem(place, "x_tsunagu.domains", f"分野 {code!r} は定義されていません"))
    if len(parsed.problems) + parsed.more_problems > problems_before:
        return
    values = entry_values(entry, ctx.organizations, ctx.areas)
    values["active"] = active
    parsed.rows.append(ImportRow(key=entry.key, values=values))
    current = ctx.existing.get(entry.key)
    if current is None:
        parsed.creates.append(entry.name)
    elif any(getattr(current, k) != v for k, v in values.items()):
        parsed.updates.append(entry.name)
    else:
        parsed.unchanged += 1
