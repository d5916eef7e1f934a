"""The machinery of the "no input gives a 500" walk (tests/test_it_no_input_breaks_a_page.py).

- `PageParser` reads a rendered page the way a browser would submit it: every <form> (action, method and
  the value each field would send untouched), htmx requests (hx-get/hx-post with the page's fields) and
  links carrying a query string.
- `value_strategy` generates what a probe sends: dates of every era and none, Unicode digits, huge
  numbers, 20,000-character and zero-width strings, lone surrogates, ids of other cities' records.
- `encode` turns the values into a query string or a form body the way the HTTP layer would deliver them
  (a lone surrogate arrives as the bytes ED A0 80, which Django decodes with errors="replace").
- `WriteLog` and `fingerprint` show that a 4xx changed nothing but the audit log: every write statement is
  seen, and each table one touched is compared with its fingerprint before the request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from django.db import connection
from hypothesis import strategies as st

# ---- reading pages --------------------------------------------------------------------------------


@dataclass
class FieldInfo:
    """One named control: what it sends untouched (`default`, possibly several values) and what values
    the page offers (`options`: select options, checkbox and radio values, hidden values)."""

    default: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)

    def merge(self, other: FieldInfo) -> None:
        for v in other.default:
            if v not in self.default:
                self.default.append(v)
        for v in other.options:
            if v not in self.options:
                self.options.append(v)


@dataclass
class FoundRequest:
    """A request a page can make: a form submission, an htmx request or a link."""

    method: str  # GET or POST
    path: str
    fields: dict[str, FieldInfo]


class PageParser(HTMLParser):
    """Forms, htmx requests and query links of one HTML page (relative URLs resolved against `base`)."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.found: list[FoundRequest] = []
        self.page_fields: dict[str, FieldInfo] = {}
        self._hx: list[tuple[str, str]] = []
        self._form: FoundRequest | None = None
        self._select: str | None = None
        self._select_multiple = False
        self._in_option = False
        self._option: str | None = None
        self._option_selected = False
        self._option_text = ""
        self._select_first: str | None = None
        self._select_has_selected = False
        self._textarea: str | None = None
        self._textarea_text = ""

    # -- helpers
    def _add(self, name: str, *, default: list[str], options: list[str]) -> None:
        info = FieldInfo(list(default), list(options))
        targets = [self.page_fields]
        if self._form is not None:
            targets.append(self._form.fields)
        for fields in targets:
            fields.setdefault(name, FieldInfo()).merge(info)

    def _url(self, raw: str) -> str:
        return urljoin(self.base, raw)

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        for hx in ("hx-get", "hx-post"):
            if attrs.get(hx):
                self._hx.append(("GET" if hx == "hx-get" else "POST", self._url(attrs[hx])))
        if tag == "form":
            method = (attrs.get("method") or "GET").upper()
            action = self._url(attrs.get("action") or self.base)
            self._form = FoundRequest(method if method in ("GET", "POST") else "GET", action, {})
            split = urlsplit(action)
            for k, v in parse_qsl(split.query, keep_blank_values=True):
                self._form.fields.setdefault(k, FieldInfo()).merge(FieldInfo([v], [v]))
        elif tag == "input":
            name = attrs.get("name")
            if not name:
                return
            kind = (attrs.get("type") or "text").lower()
            value = attrs.get("value", "")
            if kind in ("checkbox", "radio"):
                value = attrs.get("value", "on")
                self._add(name, default=[value] if "checked" in attrs else [], options=[value])
            elif kind in ("submit", "button", "image", "reset"):
                self._add(name, default=[], options=[value])
            elif kind == "file":
                self._add(name, default=[], options=[])
            else:
                self._add(name, default=[value], options=[value] if value else [])
        elif tag == "button" and attrs.get("name"):
            self._add(attrs["name"], default=[], options=[attrs.get("value", "")])
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._select_multiple = "multiple" in attrs
            self._select_first = None
            self._select_has_selected = False
            self._add(self._select, default=[], options=[])
        elif tag == "option" and self._select is not None:
            self._in_option = True
            self._option = attrs.get("value")
            self._option_selected = "selected" in attrs
            self._option_text = ""
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._textarea_text = ""
        elif tag == "a" and attrs.get("href") and "?" in attrs["href"]:
            url = self._url(attrs["href"])
            split = urlsplit(url)
            fields: dict[str, FieldInfo] = {}
            for k, v in parse_qsl(split.query, keep_blank_values=True):
                fields.setdefault(k, FieldInfo()).merge(FieldInfo([v], [v]))
            self.found.append(FoundRequest("GET", split.path, fields))

    def handle_data(self, data: str) -> None:
        if self._in_option:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._in_option and self._select is not None:
            self._in_option = False
            value = self._option if self._option is not None else self._option_text.strip()
            selected = self._option_selected
            if self._select_first is None:
                self._select_first = value
            self._add(self._select, default=[value] if selected else [], options=[value])
            self._select_has_selected |= selected
        elif tag == "select" and self._select is not None:
            if not self._select_has_selected and not self._select_multiple and self._select_first is not None:
                self._add(self._select, default=[self._select_first], options=[])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._add(self._textarea, default=[self._textarea_text.strip("\n")], options=[])
            self._textarea = None
        elif tag == "form" and self._form is not None:
            split = urlsplit(self._form.path)
            self.found.append(FoundRequest(self._form.method, split.path, self._form.fields))
            self._form = None

    def close(self) -> None:
        super().close()
        for method, url in self._hx:
            self.found.append(FoundRequest(method, urlsplit(url).path, dict(self.page_fields)))


def requests_on_page(base: str, html: str) -> list[FoundRequest]:
    parser = PageParser(base)
    parser.feed(html)
    parser.close()
    return [r for r in parser.found if r.path.startswith("/") and not r.path.startswith("//")]


# ---- generating values ----------------------------------------------------------------------------

HUGE = "9" * 30
SURROGATE = "\ud800"
# Each stands for a class of input that once broke a page or commonly breaks parsers.
NASTY: list[str] = [
    # dates of every era and none
    "0001-01-01",
    "0202-11-20",
    "1867-12-31",
    "1868-01-25",
    "1900-01-01",
    "1989-01-07",
    "2019-04-30",
    "2019-05-01",
    "2026-02-29",
    "2026-13-01",
    "2026-04-31",
    "9999-12-31",
    "10000-01-01",
    "明治1年1月1日",
    "明治45年7月30日",
    "昭和64年1月8日",
    "平成31年5月1日",
    "令和元年5月1日",
    "R0.1.1",
    "S33.4.7",
    "H99.1.1",
    "0001-01-01T00:00",
    "0226-11-01T10:00",
    "9999-12-31T23:59",
    "2026-04-01T25:00",
    "2026-04-01 10:30",
    # Unicode digits, huge and odd numbers
    "²",
    "٣",
    "３",
    "①",
    "Ⅻ",
    HUGE,
    "-" + HUGE,
    str(2**31),
    str(2**31 - 1),
    str(2**63),
    str(2**64),
    "-1",
    "0",
    "00",
    "1e3",
    "1.5",
    "NaN",
    "Infinity",
    "0x10",
    " 1 ",
    "1\u200b",
    "+1",
    # strings: long, zero-width, control, bidi, surrogates, markup, SQL, path
    "x" * 20_000,
    "あ" * 20_000,
    "\u200b",
    "\u200b" * 100,
    "\ufeff",
    "\u202e",
    "\x00",
    "a\x00b",
    "\r\n",
    SURROGATE,
    "\udfff",
    "a\ud800b",
    "𠮷野家",
    "髙﨑",
    "ｱｲｳ",
    "🙂",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "%00",
    "../../etc/passwd",
    "{{ 7*7 }}",
    "",
    " ",
]


# The sweep: each field of a target gets each of these once (row k gives field i SWEEP[(i + k) % len]),
# so that len(SWEEP) requests try every field with every kind of bad value.
SWEEP: list[str] = [
    "²",
    HUGE,
    "0001-01-01",
    "1867-12-31",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "x" * 20_000,
    "\u200b",
    SURROGATE,
    "\x00",
    "-1",
    "",
    "٣",
    "明治1年1月1日",
    "{foreign}",
]


def sweep_rows(names: list[str], foreign_ids: list[int]) -> list[list[tuple[str, str]]]:
    rows = []
    for k in range(len(SWEEP)):
        pairs = []
        for i, name in enumerate(names):
            value = SWEEP[(i + k) % len(SWEEP)]
            if value == "{foreign}":
                value = str(foreign_ids[(i + k) % len(foreign_ids)]) if foreign_ids else "1"
            pairs.append((name, value))
        rows.append(pairs)
    return rows


@st.composite
def _iso_datetime(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59)))
    return moment.isoformat()[:16]


def value_strategy(options: Iterable[str], foreign_ids: Iterable[int]) -> st.SearchStrategy[str]:
    """One value for a field: one the page offers, a nasty one, or a generated one of any shape."""
    options = [o for o in options if o is not None]
    parts: list[st.SearchStrategy[str]] = [
        st.sampled_from(NASTY),
        st.text(max_size=40),
        st.text(st.characters(codec=None, categories=["Nd", "No", "Cf", "Zs", "Cs", "Co"]), max_size=8),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
        _iso_datetime(),
    ]
    ids = sorted(set(foreign_ids))
    if ids:
        parts.append(st.sampled_from(ids).map(str))
    if options:
        parts.insert(0, st.sampled_from(options))
    return st.one_of(*parts)


def _quote(value: str) -> str:
    # What a browser sends for a lone surrogate: its UTF-8-like bytes, which are not valid UTF-8.
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs)


def show(pairs: list[tuple[str, str]]) -> str:
    """A readable, bounded rendering of a request's parameters for failure reports."""
    out = []
    for k, v in pairs:
        text = v if len(v) <= 40 else f"{v[:20]}…({len(v)} chars)"
        out.append(f"{k}={text!r}")
    return "&".join(out)


# ---- what a request wrote -------------------------------------------------------------------------

# Allowed to change on any response: the audit log with its object index (reads are recorded even when the
# answer is 404) and the sessions (the session row is saved on every request).
AUDIT_TABLE = "access_auditevent"
AUDIT_INDEX_TABLE = "access_auditobject"
CHAIN_HEAD_TABLE = "access_auditchainhead"
VOLATILE_TABLES = frozenset({AUDIT_TABLE, AUDIT_INDEX_TABLE, CHAIN_HEAD_TABLE, "django_session"})
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.IGNORECASE)


class WriteLog:
    """Every INSERT, UPDATE and DELETE sent through Django's connection while active, with the number of
    rows it touched (connection.execute_wrapper: ORM, raw SQL and the audit log alike)."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str, int]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        match = _WRITE.match(sql)
        if match:
            verb = match.group(1).split()[0].upper()
            rowcount = getattr(context.get("cursor"), "rowcount", -1)
            self.writes.append((verb, match.group(2), rowcount))
        return result

    def tables_written(self) -> set[str]:
        """Tables (beyond the audit log and sessions) in which a statement touched a row."""
        return {t for _v, t, n in self.writes if n != 0 and t not in VOLATILE_TABLES}

    def audit_rewritten(self) -> bool:
        audit_tables = (AUDIT_TABLE, AUDIT_INDEX_TABLE)
        return any(v != "INSERT" and t in audit_tables and n != 0 for v, t, n in self.writes)

    def audit_appended(self) -> bool:
        return any(v == "INSERT" and t == AUDIT_TABLE for v, t, _n in self.writes)


def fingerprint(tables: Iterable[str] | None = None) -> dict[str, str]:
    """A hash of the content of each table (all tables but the audit log and sessions when None)."""
    qn = connection.ops.quote_name
    out: dict[str, str] = {}
    with connection.cursor() as cursor:
        if tables is None:
            tables = [
                t
                for t in connection.introspection.table_names(cursor)
                if not t.startswith("sqlite_") and t not in VOLATILE_TABLES
            ]
        for name in tables:
            cursor.execute(f"SELECT * FROM {qn(name)}")  # noqa: S608 — names from introspection/SQL seen
            rows = sorted(repr(row) for row in cursor.fetchall())
            out[name] = hashlib.sha256("\n".join(rows).encode("utf-8", "surrogatepass")).hexdigest()
    return out


def chain_head_is_intact() -> bool:
    """The chain head names the last audit row (rows may be appended, never rewritten or dropped)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {qn(AUDIT_TABLE)}")  # noqa: S608
        (last,) = cursor.fetchone()
        cursor.execute(f"SELECT COALESCE(MAX(last_seq), 0) FROM {qn(CHAIN_HEAD_TABLE)}")  # noqa: S608
        (head,) = cursor.fetchone()
    return int(last) == int(head)


def changes(log: WriteLog, baseline: dict[str, str]) -> list[str]:
    """What a request changed beyond audit rows appended to an intact chain (empty: nothing).

    Only tables a statement actually touched are fingerprinted again: a write rolled back inside the
    view (an action that refused) leaves its table as the baseline has it and is no change."""
    written = log.tables_written()
    after = fingerprint(written) if written else {}
    changed = sorted(t for t in written if after.get(t) != baseline.get(t))
    if log.audit_rewritten():
        changed.append(f"{AUDIT_TABLE} (updated or deleted)")
    if log.audit_appended() and not chain_head_is_intact():
        changed.append(f"{CHAIN_HEAD_TABLE} (does not name the last audit row)")
    return changed
