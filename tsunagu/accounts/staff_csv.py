"""Staff from a CSV file: read and check every line first, report every problem by line and column in
Japanese, and hand back rows only when the whole file is good (actions.import_staff then creates them
all in one transaction, or none).

The file is what a city's Excel writes: UTF-8 (with or without BOM) or Shift_JIS (cp932), a header
line, then one staff member per line:

    ログインID,氏名,所属機関,役割,メールアドレス
    mitaka-sato,佐藤 花子,地域福祉課,束ね役,
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tsunagu.municipalities.models import Municipality

from .staffing import (
    FieldError,
    NewStaff,
    clean_display_name,
    clean_email,
    clean_login_id,
    login_id_taken,
    resolve_organization,
    resolve_role,
)

T = TypeVar("T")

MAX_BYTES = 1_000_000
MAX_ROWS = 500
# Column key → the header names accepted for it (Japanese first, as the template file has them).
COLUMNS: dict[str, tuple[str, ...]] = {
    "login_id": ("ログインID", "login_id", "username"),
    "display_name": ("氏名", "display_name", "name"),
    "organization": ("所属機関", "所属", "organization"),
    "role": ("役割", "role"),
    "email": ("メールアドレス", "メール", "email"),
}
LABELS = {key: names[0] for key, names in COLUMNS.items()}
REQUIRED = ("login_id", "display_name", "organization", "role")
TEMPLATE_HEADER = ",".join(LABELS[k] for k in COLUMNS)


@dataclass(frozen=True)
class Issue:
    line: int  # 0 for the file as a whole
    column: str  # a column label, or "" for the whole line
    message: str


@dataclass
class ImportCheck:
    rows: list[NewStaff] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    lines: int = 0  # data lines read

    @property
    def ok(self) -> bool:
        return not self.issues and bool(self.rows)


NOT_TEXT = (
    "CSVとして読み取れません。文字以外のデータ（Excel形式・画像など）が含まれています。"
    "Excel では「CSV（コンマ区切り）」で保存したファイルを選んでください。"
)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # cp932 decodes almost any bytes (0xFD–0xFF become private-use characters): a spreadsheet or an
        # image "decodes" too, so control and private-use characters mean it was not text at all.
        if any((unicodedata.category(ch) in ("Cc", "Co") and ch not in "\t\r\n") for ch in text):
            raise FieldError(NOT_TEXT)
        return text
    raise FieldError(
        "文字コードを読み取れません。UTF-8 または Shift_JIS（Excel の「CSV（コンマ区切り）」）で保存してください。"
    )


def _header(cells: list[str]) -> tuple[dict[str, int], list[Issue]]:
    positions: dict[str, int] = {}
    issues: list[Issue] = []
    lookup = {name.lower(): key for key, names in COLUMNS.items() for name in names}
    for index, cell in enumerate(cells):
        name = cell.strip()
        if not name:
            continue
        key = lookup.get(name.lower())
        if key is None:
            shown = name if len(name) <= 20 else name[:20] + "…"
            issues.append(Issue(1, shown, f"見出し「{shown}」は使えません。使える見出し: {TEMPLATE_HEADER}"))
        elif key in positions:
            issues.append(Issue(1, LABELS[key], f"見出し「{LABELS[key]}」が2回あります。"))
        else:
            positions[key] = index
    for key in REQUIRED:
        if key not in positions:
            issues.append(Issue(1, LABELS[key], f"見出しに「{LABELS[key]}」の列がありません。"))
    return positions, issues


def check_csv(data: bytes, municipality: Municipality) -> ImportCheck:
    """Read the whole file and check every line; never raises for bad content."""
    result = ImportCheck()
    if not data.strip():
        result.issues.append(Issue(0, "", "ファイルが空です。"))
        return result
    if len(data) > MAX_BYTES:
        result.issues.append(
            Issue(0, "", f"ファイルが大きすぎます（{MAX_BYTES // 1000}KBまで）。分けて登録してください。")
        )
        return result
    try:
        text = _decode(data)
    except FieldError as exc:
        result.issues.append(Issue(0, "", str(exc)))
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (csv.Error, StopIteration):
        result.issues.append(Issue(1, "", "見出しの行を読み取れません。"))
        return result
    positions, issues = _header(header)
    if issues:
        result.issues.extend(issues)
        return result
    seen: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            result.issues.append(
                Issue(
                    reader.line_num,
                    "",
                    'この行を読み取れません（引用符「"」の閉じ忘れや、長すぎる値がないか確認してください）。',
                )
            )
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        result.lines += 1
        if result.lines > MAX_ROWS:
            result.issues.append(
                Issue(line, "", f"一度に登録できるのは{MAX_ROWS}人までです。ファイルを分けてください。")
            )
            break
        if len(cells) > len(header):
            result.issues.append(
                Issue(
                    line, "", f"列が見出しより多くあります（見出し {len(header)}列、この行 {len(cells)}列）。"
                )
            )
            continue
        row = _check_row(cells, positions, municipality, line, seen, result.issues)
        if row is not None:
            result.rows.append(row)
    if not result.lines and not result.issues:
        result.issues.append(Issue(0, "", "登録する職員の行がありません（見出しの行だけです）。"))
    if result.issues:
        result.rows = []
    return result


def _check_row(
    cells: list[str],
    positions: dict[str, int],
    municipality: Municipality,
    line: int,
    seen: dict[str, int],
    issues: list[Issue],
) -> NewStaff | None:
    def cell(key: str) -> str:
        index = positions.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    before = len(issues)

    def attempt(key: str, check: Callable[[str], T]) -> T | None:
        try:
            return check(cell(key))
        except FieldError as exc:
            issues.append(Issue(line, LABELS[key], str(exc)))
            return None

    login_id = attempt("login_id", clean_login_id)
    display_name = attempt("display_name", clean_display_name)
    organization = attempt("organization", lambda raw: resolve_organization(municipality, raw))
    role = attempt("role", resolve_role)
    email = attempt("email", clean_email)
    if login_id is not None:
        if login_id in seen:
            issues.append(Issue(line, LABELS["login_id"], f"{seen[login_id]}行目と同じログインIDです。"))
        elif login_id_taken(login_id):
            issues.append(
                Issue(line, LABELS["login_id"], f"ログインID「{login_id}」はすでに使われています。")
            )
        seen.setdefault(login_id, line)
    if (
        len(issues) > before
        or login_id is None
        or display_name is None
        or organization is None
        or role is None
    ):
        return None
    return NewStaff(login_id, display_name, organization, role, email or "")
