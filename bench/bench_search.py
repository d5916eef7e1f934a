"""Person search benchmark: p50/p95/p99 of `tsunagu.people.search.search_persons` over a realistic query mix.

PostgreSQL (default 1,000,000 persons in one municipality, the worst case for a municipality-scoped
queryset) in a separate database that is created and dropped by this script, and SQLite (default
100,000 persons) in a temporary directory, for comparison. Every query goes through the real code path
(Django ORM, the same function the views call); EXPLAIN output for one query of each kind is printed so
index use can be checked.

    .venv/bin/python bench/bench_search.py                      # both backends, default sizes
    .venv/bin/python bench/bench_search.py --backend postgresql --size 1000000
    .venv/bin/python bench/bench_search.py --backend sqlite --size 100000
    .venv/bin/python bench/bench_search.py --backend postgresql --runs 3   # 3 timed runs, medians
    .venv/bin/python bench/bench_search.py --backend postgresql --keep     # keep/reuse the loaded DB
    .venv/bin/python bench/bench_search.py --backend postgresql --drop     # drop the kept DB
    .venv/bin/python bench/bench_search.py --backend postgresql --keep --http   # + the search POST over HTTP

Names: surnames and given names with readings from tsunagu.people.demo when present, extended with
synthetic two-kanji surnames so that a common surname such as 佐藤 holds about 1.5 % of people, as in
Japan, rather than a few percent of a short list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "tsunagu_bench"

# --------------------------------------------------------------------------------------- synthetic names

# Extra surname parts (kanji, reading) combined into plausible two-kanji surnames for the long tail.
_HEADS = [
    ("山", "ヤマ"),
    ("川", "カワ"),
    ("田", "タ"),
    ("中", "ナカ"),
    ("小", "コ"),
    ("大", "オオ"),
    ("石", "イシ"),
    ("松", "マツ"),
    ("竹", "タケ"),
    ("梅", "ウメ"),
    ("森", "モリ"),
    ("林", "ハヤシ"),
    ("岡", "オカ"),
    ("西", "ニシ"),
    ("東", "ヒガシ"),
    ("北", "キタ"),
    ("南", "ミナミ"),
    ("上", "カミ"),
    ("下", "シモ"),
    ("金", "カネ"),
    ("木", "キ"),
    ("水", "ミズ"),
    ("野", "ノ"),
    ("宮", "ミヤ"),
    ("村", "ムラ"),
    ("藤", "フジ"),
    ("吉", "ヨシ"),
    ("福", "フク"),
    ("長", "ナガ"),
    ("平", "ヒラ"),
    ("本", "モト"),
    ("原", "ハラ"),
    ("桜", "サクラ"),
    ("柳", "ヤナギ"),
    ("杉", "スギ"),
    ("今", "イマ"),
    ("浅", "アサ"),
    ("荒", "アラ"),
    ("髙", "タカ"),
    ("齋", "サイ"),
    ("澤", "サワ"),
    ("濱", "ハマ"),
    ("﨑", "サキ"),
    ("邊", "ナベ"),
]
_TAILS = [
    ("田", "タ"),
    ("川", "カワ"),
    ("山", "ヤマ"),
    ("本", "モト"),
    ("野", "ノ"),
    ("村", "ムラ"),
    ("井", "イ"),
    ("口", "グチ"),
    ("島", "シマ"),
    ("沢", "サワ"),
    ("原", "ハラ"),
    ("谷", "タニ"),
    ("崎", "サキ"),
    ("橋", "ハシ"),
    ("木", "キ"),
    ("尾", "オ"),
    ("内", "ウチ"),
    ("岡", "オカ"),
    ("部", "ベ"),
    ("瀬", "セ"),
    ("池", "イケ"),
    ("浜", "ハマ"),
    ("森", "モリ"),
    ("坂", "サカ"),
    ("塚", "ツカ"),
    ("辺", "ベ"),
    ("宮", "ミヤ"),
]
_GIVEN_HEADS = [
    ("健", "ケン"),
    ("雄", "ユウ"),
    ("和", "カズ"),
    ("正", "マサ"),
    ("秀", "ヒデ"),
    ("信", "ノブ"),
    ("幸", "ユキ"),
    ("美", "ミ"),
    ("恵", "メグ"),
    ("真", "マ"),
    ("智", "トモ"),
    ("裕", "ヒロ"),
    ("直", "ナオ"),
    ("典", "ノリ"),
    ("光", "ミツ"),
    ("春", "ハル"),
    ("千", "チ"),
    ("明", "アキ"),
    ("清", "キヨ"),
    ("達", "タツ"),
]
_GIVEN_TAILS_M = [
    ("一", "イチ"),
    ("二", "ジ"),
    ("也", "ヤ"),
    ("夫", "オ"),
    ("男", "オ"),
    ("彦", "ヒコ"),
    ("樹", "キ"),
    ("介", "スケ"),
    ("太", "タ"),
    ("人", "ト"),
    ("司", "ジ"),
    ("郎", "ロウ"),
]
_GIVEN_TAILS_F = [
    ("子", "コ"),
    ("美", "ミ"),
    ("江", "エ"),
    ("代", "ヨ"),
    ("恵", "エ"),
    ("香", "カ"),
    ("奈", "ナ"),
    ("絵", "エ"),
    ("佳", "カ"),
    ("乃", "ノ"),
    ("里", "リ"),
    ("枝", "エ"),
]
_TOWNS = [
    "下連雀",
    "上連雀",
    "井口",
    "深大寺",
    "野崎",
    "大沢",
    "牟礼",
    "北野",
    "新川",
    "中原",
    "井の頭",
    "野川",
    "緑町",
    "本町",
    "栄町",
    "東町",
    "西町",
    "南町",
    "旭町",
    "桜台",
    "若葉台",
    "霞ヶ丘",
    "自由が丘",
    "日の出",
]


@dataclass(frozen=True)
class Name:
    family: str
    family_kana: str
    given: str
    given_kana: str
    sex: str


class NamePool:
    """Weighted surnames (Zipf-like, 佐藤 ≈ 1.5 %) and given names per sex, with readings."""

    def __init__(self, rng: random.Random):
        surnames: list[tuple[str, str]] = []
        given: dict[str, list[tuple[str, str]]] = {"male": [], "female": []}
        try:
            from tsunagu.people import demo

            for kanji, kana, variants in demo.SURNAMES:
                surnames.append((kanji, kana))
                surnames.extend((v, kana) for v in variants)
            for _year, by_sex in demo.GIVEN_NAMES:
                for sex, names in by_sex.items():
                    given[str(sex)].extend(names)
        except ImportError:
            pass
        seen = {s for s, _k in surnames}
        for hk, hr in _HEADS:
            for tk, tr in _TAILS:
                if hk + tk not in seen and hk != tk:
                    seen.add(hk + tk)
                    surnames.append((hk + tk, hr + tr))
        for hk, hr in _GIVEN_HEADS:
            given["male"].extend((hk + tk, hr + tr) for tk, tr in _GIVEN_TAILS_M)
            given["female"].extend((hk + tk, hr + tr) for tk, tr in _GIVEN_TAILS_F)
        self.surnames = surnames
        # Zipf with an offset: the head is about 1.5 % each, the tail thin, as in real surname counts.
        self.surname_weights = [1.0 / (rank + 5) ** 0.9 for rank in range(len(surnames))]
        self.given = {sex: sorted(set(names)) for sex, names in given.items()}
        self.rng = rng

    def draw(self, n: int) -> list[Name]:
        rng = self.rng
        families = rng.choices(self.surnames, weights=self.surname_weights, k=n)
        out = []
        for family, family_kana in families:
            sex = "female" if rng.random() < 0.52 else "male"
            given, given_kana = rng.choice(self.given[sex])
            out.append(Name(family, family_kana, given, given_kana, sex))
        return out


def synthetic_address(rng: random.Random) -> str:
    town = rng.choice(_TOWNS)
    return f"三鷹市{town}{rng.randint(1, 6)}丁目{rng.randint(1, 30)}番{rng.randint(1, 25)}号"


def synthetic_birth(rng: random.Random) -> dt.date:
    return dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 95))


# --------------------------------------------------------------------------------------------- loading


def _setup_django(database_url: str | None, var_dir: str | None = None) -> None:
    sys.path.insert(0, str(ROOT))
    if database_url:
        os.environ["TSUNAGU_DATABASE_URL"] = database_url
    else:
        os.environ.pop("TSUNAGU_DATABASE_URL", None)
    if var_dir:
        os.environ["TSUNAGU_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")
    import django

    django.setup()


def _load_persons(size: int, seed: int) -> tuple[int, list[dict]]:
    """Insert `size` persons into one municipality; return its id and a sample to build queries from."""
    from django.core.management import call_command
    from django.db import connection

    from tsunagu.municipalities.models import Municipality
    from tsunagu.people.models import person_keys

    call_command("migrate", verbosity=0, interactive=False)
    muni, _ = Municipality.objects.get_or_create(
        code="132047", defaults={"name": "ベンチ市", "prefecture": "東京都"}
    )
    rng = random.Random(seed)
    pool = NamePool(rng)
    names = pool.draw(size)
    key_cache: dict[tuple[str, str, str, str], dict[str, str]] = {}
    columns = [
        "municipality_id",
        "family_name",
        "given_name",
        "family_kana",
        "given_kana",
        "name_key",
        "kana_key",
        "address_key",
        "phonetic_key",
        "birth_date",
        "estimated_age",
        "sex",
        "address",
        "phone",
        "nationality",
        "language_needs",
        "deceased",
        "synthetic",
        "created_at",
        "version",
    ]
    now = dt.datetime.now(dt.UTC)
    sample: list[dict] = []

    def rows():
        for i, n in enumerate(names):
            keys = key_cache.get((n.family, n.given, n.family_kana, n.given_kana))
            if keys is None:
                keys = key_cache[(n.family, n.given, n.family_kana, n.given_kana)] = person_keys(
                    n.family, n.given, n.family_kana, n.given_kana
                )
            address = synthetic_address(rng)
            birth = synthetic_birth(rng) if rng.random() > 0.05 else None
            estimated = rng.randint(20, 90) if birth is None and rng.random() < 0.5 else None
            row = (
                muni.pk,
                n.family,
                n.given,
                n.family_kana,
                n.given_kana,
                keys["name_key"],
                keys["kana_key"],
                person_keys("", "", "", "", address)["address_key"],
                keys["phonetic_key"],  # 名寄せ's key (not null since the matching work)
                birth,
                estimated,
                n.sex,
                address,
                "",
                "",
                "",
                False,
                True,
                now,
                1,
            )
            if i % max(size // 2000, 1) == 0:
                sample.append({"name": n, "birth_date": birth})
            yield row

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'people_person' "
                "AND indexname NOT LIKE '%%_pkey'"
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            raw = cursor.cursor
            with raw.copy(f"COPY people_person ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("ANALYZE people_person")
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO people_person ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
        batch: list[tuple] = []
        with connection.cursor() as cursor:
            for row in rows():
                batch.append(row)
                if len(batch) == 10000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
            cursor.execute("ANALYZE")
    print(f"loaded {size:,} persons in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return muni.pk, sample


# --------------------------------------------------------------------------------------------- queries

_HALF = str.maketrans(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンー",
    "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｰ",
)
_VOICED_HALF = {
    chr(ord(c) + 1): h + "ﾞ"
    for c, h in zip("カキクケコサシスセソタチツテトハヒフヘホ", "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎ", strict=True)
}
_SEMI_HALF = {chr(ord(c) + 2): h + "ﾟ" for c, h in zip("ハヒフヘホ", "ﾊﾋﾌﾍﾎ", strict=True)}
_SMALL_HALF = str.maketrans("ァィゥェォッャュョ", "ｧｨｩｪｫｯｬｭｮ")
_VARIANT_OF = {"高": "髙", "崎": "﨑", "斎": "齋", "辺": "邊", "浜": "濱", "沢": "澤", "桜": "櫻", "広": "廣"}


def half_width(kana: str) -> str:
    out = "".join(_VOICED_HALF.get(ch) or _SEMI_HALF.get(ch) or ch for ch in kana)
    return out.translate(_SMALL_HALF).translate(_HALF)


def query_mix(sample: list[dict], rng: random.Random, per_kind: int) -> list[tuple[str, str, dt.date | None]]:
    """(kind, query, birth_date) — the searches windows actually type."""
    out: list[tuple[str, str, dt.date | None]] = []
    picks = rng.sample(sample, min(len(sample), per_kind * 8))
    variants = [s for s in sample if any(c in _VARIANT_OF for c in s["name"].family)]
    it = iter(picks)
    for _ in range(per_kind):
        n = next(it)["name"]
        out.append(("kana_prefix", n.family_kana + n.given_kana[:1], None))  # 「タカハシ ハ」while typing
        n = next(it)["name"]
        out.append(("kanji_full", f"{n.family} {n.given}", None))
        n = next(it)["name"]
        out.append(("halfwidth_kana", half_width(n.family_kana) + " " + half_width(n.given_kana), None))
        v = rng.choice(variants)["name"] if variants else n
        family = "".join(_VARIANT_OF.get(c, c) for c in v.family)
        if family == v.family:  # already a variant spelling: search with the everyday form
            family = v.family.translate(str.maketrans({b: a for a, b in _VARIANT_OF.items()}))
        out.append(("variant_kanji", family + v.given, None))
        s = next(it)
        while s["birth_date"] is None:
            s = next(it)
        out.append(("kana_with_birth", s["name"].family_kana + s["name"].given_kana, s["birth_date"]))
        n = next(it)["name"]
        out.append(("kana_family_only", n.family_kana, None))
        n = next(it)["name"]
        kana = n.family_kana + n.given_kana
        pos = rng.randrange(len(kana))
        typo = kana[:pos] + rng.choice("アカサタナハマヤラワ".replace(kana[pos], "")) + kana[pos + 1 :]
        out.append(("kana_typo", typo, None))
    rng.shuffle(out)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_queries(muni_id: int, sample: list[dict], per_kind: int, seed: int, explain: bool) -> dict:
    from django.db import connection

    from tsunagu.people.models import Person
    from tsunagu.people.search import search_persons

    rng = random.Random(seed + 1)
    queryset = Person.objects.filter(municipality_id=muni_id)
    warm = query_mix(sample, rng, 5)
    for _kind, q, birth in warm:
        search_persons(queryset, q, birth_date=birth)
    mix = query_mix(sample, rng, per_kind)
    times: dict[str, list[float]] = {}
    hits_count: list[int] = []
    for kind, q, birth in mix:
        started = time.perf_counter()
        hits = search_persons(queryset, q, birth_date=birth)
        elapsed = (time.perf_counter() - started) * 1000
        times.setdefault(kind, []).append(elapsed)
        hits_count.append(len(hits))
    every = [t for ts in times.values() for t in ts]
    summary = {
        "backend": connection.vendor,
        "queries": len(every),
        "p50_ms": round(percentile(every, 50), 2),
        "p95_ms": round(percentile(every, 95), 2),
        "p99_ms": round(percentile(every, 99), 2),
        "mean_hits": round(statistics.mean(hits_count), 1),
        "by_kind": {
            k: {"n": len(v), "p50_ms": round(percentile(v, 50), 2), "p95_ms": round(percentile(v, 95), 2)}
            for k, v in sorted(times.items())
        },
    }
    if explain:
        shown = set()
        for kind, q, birth in mix:
            if kind in shown:
                continue
            shown.add(kind)
            for step, qs in enumerate(_search_querysets(queryset, q, birth), 1):
                plan = qs.explain(analyze=True) if connection.vendor == "postgresql" else qs.explain()
                print(
                    f"\n--- EXPLAIN {kind} #{step}: {q!r} birth={birth}\n{plan}", file=sys.stderr, flush=True
                )
    return summary


def _search_querysets(queryset, q: str, birth: dt.date | None) -> list:
    """The querysets search_persons runs (one per tier it reaches), captured from the ORM call for EXPLAIN."""
    from django.db.models.query import QuerySet

    from tsunagu.people.search import search_persons

    captured = []
    original_getitem = QuerySet.__getitem__

    def capture(self, k):
        captured.append(original_getitem(self, k))
        return captured[-1]

    QuerySet.__getitem__ = capture  # type: ignore[method-assign]
    try:
        search_persons(queryset, q, birth_date=birth)
    finally:
        QuerySet.__getitem__ = original_getitem  # type: ignore[method-assign]
    return captured


# ------------------------------------------------------------------------------------------------ HTTP


def _bench_staff(muni_id: int):  # type: ignore[no-untyped-def]
    """A window worker of the benchmark city with a confirmed second factor (created once)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tsunagu.accounts.models import Role, Staff
    from tsunagu.directory.models import Organization

    org, _ = Organization.objects.get_or_create(
        municipality_id=muni_id, key="bench-window", defaults={"name": "ベンチ窓口", "kind": "department"}
    )
    staff = Staff.objects.filter(username="bench-window-worker").first()
    if staff is None:
        staff = Staff.objects.create_user(
            username="bench-window-worker",
            password=None,
            municipality_id=muni_id,
            organization=org,
            role=Role.WINDOW_WORKER,
            display_name="ベンチ職員",
        )
    if not TOTPDevice.objects.filter(user=staff, confirmed=True).exists():
        TOTPDevice.objects.create(user=staff, name="bench", confirmed=True)
    return staff


def run_http(url: str, muni_id: int, sample: list[dict], per_kind: int, seed: int, port: int) -> dict:
    """The intake screen's person search as staff use it: a POST to /intake/person-search/ through
    gunicorn (2 sync workers), the whole middleware stack (session, login, MFA, CSRF), the search, the
    match count, the audit row and the rendered list. One client, one request at a time, so each time
    is one request's latency, not queueing: p50/p95 over the query mix, by kind."""
    import http.client
    import secrets
    from urllib.parse import urlencode

    from django.conf import settings
    from django.urls import reverse

    sys.path.insert(0, str(ROOT / "bench"))
    from bench_pages import session_for

    key, _client = session_for(_bench_staff(muni_id))
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret, sent as cookie and header alike
    headers = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
        "Host": "127.0.0.1",
    }
    path = reverse("intake:person_search")
    env = {**os.environ, "TSUNAGU_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(  # noqa: S603
        [*gunicorn, "--log-level", "warning", "tsunagu.wsgi:application"], env=env, cwd=ROOT
    )
    try:
        for _ in range(150):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def post(q: str, birth: dt.date | None) -> float:
            body = urlencode({"q": q, "birth": birth.isoformat() if birth else ""})
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise SystemExit(f"person search over HTTP: {response.status}")
            return elapsed

        rng = random.Random(seed + 2)
        for _kind, q, birth in query_mix(sample, rng, 5):  # both workers warm, connections open
            post(q, birth)
        times: dict[str, list[float]] = {}
        for kind, q, birth in query_mix(sample, rng, per_kind):
            times.setdefault(kind, []).append(post(q, birth))
    finally:
        server.terminate()
        server.wait(timeout=30)
    every = [t for ts in times.values() for t in ts]
    return {
        "requests": len(every),
        "p50_ms": round(percentile(every, 50), 1),
        "p95_ms": round(percentile(every, 95), 1),
        "by_kind": {
            k: {"p50_ms": round(percentile(v, 50), 1), "p95_ms": round(percentile(v, 95), 1)}
            for k, v in sorted(times.items())
        },
        "load_average": os.getloadavg()[0],
    }


# ------------------------------------------------------------------------------------------------ main


def _repeat(muni_id: int, sample: list[dict], per_kind: int, seed: int, runs: int) -> dict:
    """Time the same query mix `runs` times on the loaded data; report each run and the medians of runs."""
    results = []
    for run in range(runs):
        result = run_queries(muni_id, sample, per_kind, seed, explain=run == runs - 1)
        result["load_average"] = os.getloadavg()[0]
        print(json.dumps(result, ensure_ascii=False), file=sys.stderr, flush=True)
        results.append(result)
    if runs == 1:
        return results[0]
    median = {
        "backend": results[0]["backend"],
        "queries": results[0]["queries"],
        "runs": runs,
        **{k: round(statistics.median(r[k] for r in results), 2) for k in ("p50_ms", "p95_ms", "p99_ms")},
        "mean_hits": results[0]["mean_hits"],
        "by_kind": {
            kind: {
                "n": results[0]["by_kind"][kind]["n"],
                **{
                    k: round(statistics.median(r["by_kind"][kind][k] for r in results), 2)
                    for k in ("p50_ms", "p95_ms")
                },
            }
            for kind in results[0]["by_kind"]
        },
        "each_run": [{k: r[k] for k in ("p50_ms", "p95_ms", "p99_ms", "load_average")} for r in results],
    }
    return median


def run_backend(
    backend: str,
    size: int,
    per_kind: int,
    seed: int,
    runs: int = 1,
    keep: bool = False,
    http_port: int | None = None,
) -> dict:
    if backend == "postgresql":
        import psycopg

        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_BENCH_DB
        state = Path(tempfile.gettempdir()) / f"{PG_BENCH_DB}-{size}-{seed}.pickle"
        reuse = keep and state.exists()
        if not reuse:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
                admin.execute(
                    f"CREATE DATABASE {PG_BENCH_DB} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
                )
        try:
            _setup_django(url)
            if reuse:
                from django.core.management import call_command

                call_command("migrate", verbosity=0, interactive=False)
                muni_id, sample = pickle.loads(state.read_bytes())  # noqa: S301 (our own file)
            else:
                muni_id, sample = _load_persons(size, seed)
                if keep:
                    state.write_bytes(pickle.dumps((muni_id, sample)))
            result = _repeat(muni_id, sample, per_kind, seed, runs)
            if http_port is not None:
                result["http"] = [
                    run_http(url, muni_id, sample, per_kind, seed, http_port) for _ in range(runs)
                ]
                for run in result["http"]:
                    print(json.dumps({"http": run}, ensure_ascii=False), file=sys.stderr, flush=True)
        finally:
            from django.db import connections

            connections.close_all()
            if not keep:
                with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
    else:
        with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as tmp:
            _setup_django(None, var_dir=tmp)
            muni_id, sample = _load_persons(size, seed)
            result = _repeat(muni_id, sample, per_kind, seed, runs)
    result["size"] = size
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument(
        "--size", type=int, default=None, help="persons (default 1,000,000 PG / 100,000 SQLite)"
    )
    parser.add_argument(
        "--per-kind", type=int, default=40, help="queries of each of the 7 kinds (≥ 200 in all)"
    )
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--runs", type=int, default=1, help="time the query mix this many times; report medians"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="PostgreSQL: keep the loaded database (and reuse it next time with the same size and seed); "
        "drop it with --drop",
    )
    parser.add_argument("--drop", action="store_true", help="PostgreSQL: drop the kept database and exit")
    parser.add_argument(
        "--http",
        action="store_true",
        help="PostgreSQL: also time the intake screen's search POST through gunicorn, --runs times",
    )
    parser.add_argument("--port", type=int, default=8766, help="for --http")
    args = parser.parse_args()
    if args.backend == "both":
        results = []
        for backend, size in (("postgresql", 1_000_000), ("sqlite", 100_000)):
            out = subprocess.run(  # noqa: S603
                [
                    sys.executable,
                    __file__,
                    "--backend",
                    backend,
                    "--size",
                    str(args.size or size),
                    "--per-kind",
                    str(args.per_kind),
                    "--seed",
                    str(args.seed),
                    "--runs",
                    str(args.runs),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            print(out.stdout)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(results, ensure_ascii=False))
        return
    size = args.size or (1_000_000 if args.backend == "postgresql" else 100_000)
    if args.drop:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        (Path(tempfile.gettempdir()) / f"{PG_BENCH_DB}-{size}-{args.seed}.pickle").unlink(missing_ok=True)
        return
    result = run_backend(
        args.backend, size, args.per_kind, args.seed, args.runs, args.keep, args.port if args.http else None
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
