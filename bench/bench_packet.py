"""Meeting packet benchmark: a 10-case 会議資料 with a genogram and an ecomap per case, from generated
families, on SQLite and PostgreSQL.

Each backend runs in its own process on a fresh database (SQLite: a temporary file; PostgreSQL: the
database `wt_diagrams_bench`, created and dropped here). Generated, untimed: one city, 12 organizations,
a 束ね役, and 10 three-generation families (8–16 persons, deceased grandparents, divorces and
remarriages, relatives living elsewhere, recorded relationships) whose households each have an open
case with a team and a plan. Timed, as a meeting would run it inside one transaction: read the cases
through `visible_cases`, build each household's genogram (`people.genogram_data`, relatives through
`visible_persons`) and the case's ecomap, draw both, write one audit row per copy, and render the PDF.
Reads are batched for the whole packet (`household_genograms`, `entities_by_case`: a fixed number of
queries whatever the number of cases). Two sizes: one copy (a recipient's own file) and 12 numbered
回収 copies in one file. Medians of `--runs` runs after one warm-up; the parts (data, drawing, PDF)
are medians too (data includes the audit rows, one per copy).

    .venv/bin/python bench/bench_packet.py                        # both backends, 7 runs
    .venv/bin/python bench/bench_packet.py --backend sqlite --runs 11
    .venv/bin/python bench/bench_packet.py --backend postgresql --pdf out.pdf   # keep one packet to look at
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "wt_diagrams_bench"
TARGET, STRETCH = 2.0, 0.5
CASES = 10
COPIES = 12


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# ------------------------------------------------------------------------------------ child process

SURNAMES = ["山田", "佐藤", "鈴木", "髙橋", "田中", "渡邊", "伊藤", "小林", "長谷川", "﨑山"]
MALE = ["健一", "茂", "誠", "大輔", "翔", "浩二", "隆", "湊", "蓮", "一郎"]
FEMALE = ["トシ子", "由美", "さくら", "美紀", "恵", "陽菜", "千尋", "葵", "結衣", "和子"]
ORGS = [
    ("地域包括支援センター東部", "community_general_support_center"),
    ("生活困窮者自立相談支援機関", "self_reliance_support"),
    ("社会福祉協議会", "social_welfare_council"),
    ("障害者相談支援センター", "disability_support_center"),
    ("子ども家庭支援センター", "child_family_center"),
    ("保健センター", "health_center"),
    ("○○クリニック", "medical"),
    ("市役所 介護保険課", "department"),
    ("市役所 生活福祉課", "department"),
    ("教育委員会 指導室", "education"),
    ("NPO法人 つながる", "npo"),
    ("公民館", "community_facility"),
]


def _setup(database_url: str) -> None:
    os.environ["TSUNAGU_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")
    import django

    django.setup()


def _generate(seed: int, cases: int = CASES) -> tuple[object, list[int]]:
    """One city with `cases` families and their cases; returns the coordinator and the case ids."""
    from tsunagu.accounts.models import Role, Staff
    from tsunagu.cases import actions
    from tsunagu.cases.models import TeamRole
    from tsunagu.directory.models import Organization
    from tsunagu.municipalities.models import Municipality
    from tsunagu.people.models import Household, HouseholdMember, Person, PersonRelationship, Relationship

    r = random.Random(seed)
    muni = Municipality.objects.create(code="082031", name="土浦市", prefecture="茨城県")
    orgs = [
        Organization.objects.create(municipality=muni, key=f"org{i}", name=name, kind=kind)
        for i, (name, kind) in enumerate(ORGS)
    ]
    coord = Staff.objects.create_user(
        username="bench-coordinator",
        password=None,
        municipality=muni,
        organization=orgs[7],
        role=Role.COORDINATOR,
        display_name="高橋 一郎",
    )
    today = dt.date(2026, 5, 1)

    def person(family: str, sex: str, age: int, deceased: bool = False) -> Person:
        given = r.choice(MALE if sex == "male" else FEMALE)
        return Person.objects.create(
            municipality=muni,
            family_name=family,
            given_name=given,
            family_kana="カナ",
            given_kana="カナ",
            sex=sex,
            birth_date=dt.date(today.year - age, r.randint(1, 12), r.randint(1, 28)),
            deceased=deceased,
        )

    def rel(a: Person, b: Person, kind: str, ended: bool = False) -> None:
        PersonRelationship.objects.create(municipality=muni, person_a=a, person_b=b, kind=kind, ended=ended)

    case_ids = []
    for n in range(cases):
        fam = SURNAMES[n % len(SURNAMES)]
        gf = person(fam, "male", r.randint(78, 90), deceased=r.random() < 0.6)
        gm = person(fam, "female", r.randint(75, 88))
        rel(gf, gm, "spouse_of", ended=gf.deceased)
        subject = person(fam, "male", r.randint(45, 56))
        sibling = person(r.choice(SURNAMES), "female", subject.age(today) - r.randint(1, 4))
        for child in (subject, sibling):
            rel(gf, child, "parent_of")
            rel(gm, child, "parent_of")
        sib_partner = person(sibling.family_name, "male", sibling.age(today) + 2)
        rel(sib_partner, sibling, "spouse_of")
        for _ in range(r.randint(1, 3)):
            kid = person(sibling.family_name, r.choice(["male", "female"]), r.randint(10, 25))
            rel(sib_partner, kid, "parent_of")
            rel(sibling, kid, "parent_of")
        living = [(gm, Relationship.HEAD), (subject, Relationship.CHILD)]
        if r.random() < 0.6:  # divorced, a child living with 本人, a remarried former wife
            ex = person(r.choice(SURNAMES), "female", subject.age(today) - 3)
            rel(subject, ex, "spouse_of", ended=True)
            son = person(fam, "male", r.randint(15, 24))
            rel(subject, son, "parent_of")
            rel(ex, son, "parent_of")
            living.append((son, Relationship.GRANDCHILD))
            if r.random() < 0.5:
                new_husband = person(ex.family_name, "male", ex.age(today) + 1)
                rel(ex, new_husband, "spouse_of")
                rel(ex, person(ex.family_name, "female", 6), "parent_of")
        hh = Household.objects.create(municipality=muni, address=f"土浦市中央{n + 1}丁目")
        for p, zokugara in living:
            HouseholdMember.objects.create(municipality=muni, household=hh, person=p, relationship=zokugara)
        case = actions.open_case(actor=coord, household=hh, persons=[subject], title=f"ケース{n + 1}")
        team = r.sample(orgs, r.randint(3, 6))
        for i, org in enumerate(team):
            role = TeamRole.LEAD if i == 0 else r.choice([TeamRole.COOPERATING, TeamRole.INFORMATION])
            actions.set_team_member(actor=coord, case=case, organization=org, role=role)
        plan_orgs = [*team[:3], r.choice(orgs)]
        actions.save_plan(
            actor=coord,
            case=case,
            data=actions.PlanInput(
                overall_goal="母と本人が安心して暮らし続ける",
                goals=[
                    actions.GoalInput(text="母の介護サービスの利用"),
                    actions.GoalInput(text="本人の就労準備"),
                ],
                actions=[
                    actions.ActionInput(
                        description=f"支援内容{k + 1}（訪問・同行・調整）", organization=o, goal_index=k % 2
                    )
                    for k, o in enumerate(plan_orgs)
                ],
                monitoring_on=today + dt.timedelta(days=30),
            ),
        )
        case_ids.append(case.pk)
    return coord, case_ids


def _build(coord: object, case_ids: list[int], copies: int) -> tuple[bytes, dict[str, float]]:
    """The timed part: everything a meeting's packet needs, from the database to the PDF."""
    from django.db import transaction

    from tsunagu.access import audit
    from tsunagu.cases.ecomap_data import case_ecomap, entities_by_case
    from tsunagu.cases.models import PlanAction, PlanStatus, SupportPlan
    from tsunagu.cases.policy import visible_cases
    from tsunagu.documents.ecomap import render_ecomap
    from tsunagu.documents.genogram import render_genogram
    from tsunagu.documents.packet import (
        Diagram,
        Facts,
        Heading,
        Packet,
        PageBreak,
        Printed,
        Recipient,
        Table,
        render_packet,
    )
    from tsunagu.people.genogram_data import household_genograms
    from tsunagu.people.policy import visible_persons

    parts = {"data": 0.0, "draw": 0.0, "pdf": 0.0}
    with transaction.atomic():
        t0 = time.perf_counter()
        cases = list(
            visible_cases(coord)
            .filter(pk__in=case_ids)  # type: ignore[arg-type]
            .select_related("household")
            .prefetch_related("persons")
            .order_by("number")
        )
        genograms = household_genograms(
            [c.household for c in cases],
            visible=visible_persons(coord),  # type: ignore[arg-type]
            subjects={c.household_id: [p.pk for p in c.persons.all()] for c in cases},
        )
        around = entities_by_case(cases)
        plans = {
            p.case_id: p
            for p in SupportPlan.objects.filter(case__in=cases)
            .exclude(status=PlanStatus.SUPERSEDED)
            .order_by("version_no")
        }
        rows_by_plan: dict[int, list] = {}
        for a in (
            PlanAction.objects.filter(plan__in=plans.values()).select_related("organization").order_by("pk")
        ):
            rows_by_plan.setdefault(a.plan_id, []).append(
                (a.description, a.organization.name, a.get_status_display())
            )
        parts["data"] += time.perf_counter() - t0
        sections: list = []
        audited: list[tuple[str, int]] = []
        for case in cases:
            data = genograms[case.household_id]
            ecomap = case_ecomap(case, data.genogram, entities=around[case.pk])
            plan = plans.get(case.pk)
            rows = tuple(rows_by_plan.get(plan.pk, [])) if plan else ()
            t = time.perf_counter()
            genogram_svg, ecomap_svg = render_genogram(data.genogram), render_ecomap(ecomap)
            parts["draw"] += time.perf_counter() - t
            sections += [
                Heading(f"ケース {case.label}"),
                Facts((("状態", case.get_status_display()), ("世帯員", f"{len(ecomap.members)}人"))),
                Diagram(
                    genogram_svg,
                    caption="ジェノグラム",
                    note="続柄から推定した線を含みます" if data.inferred else "",
                ),
                Diagram(ecomap_svg, caption="エコマップ"),
                Table(("支援内容", "担当機関", "状況"), rows, widths=(3, 2, 1)),
                PageBreak(),
            ]
            audited += [("case", case.pk), *(("person", i) for i in data.person_ids)]
        recipients = [
            Recipient(f"配付先 {k + 1}", "地域包括支援センター", k + 1, copies) for k in range(copies)
        ]
        t = time.perf_counter()
        for rcp in recipients:
            audit.record(
                actor=coord,
                action="print",
                channel="print",
                objects=audited,
                detail={"form": "meeting_packet", "copy": rcp.copy_no},
            )
        parts["data"] += time.perf_counter() - t
        packet = Packet(
            title="第3回 スクラムネット 会議資料",
            municipality="土浦市",
            collect=True,
            sections=tuple(sections),
            printed=Printed(
                by="高橋 一郎",
                org="福祉総合相談課",
                at="令和8年5月14日 9時30分",
                retention_days=7,
                discard_by="令和8年5月21日",
            ),
        )
        t = time.perf_counter()
        pdf = render_packet(packet, recipients)
        parts["pdf"] = time.perf_counter() - t
        parts["total"] = time.perf_counter() - t0
    return pdf, parts


def child(args: argparse.Namespace) -> int:
    _setup(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    coord, case_ids = _generate(args.seed)
    results = {}
    for copies in (1, COPIES):
        _build(coord, case_ids, copies)  # warm-up: fonts, templates, query plans
        runs = [_build(coord, case_ids, copies) for _ in range(args.runs)]
        pdf = runs[-1][0]
        if args.pdf and copies == 1:
            Path(args.pdf).write_bytes(pdf)
        results[copies] = {
            key: statistics.median(p[key] for _, p in runs) for key in ("total", "data", "draw", "pdf")
        } | {
            "max": max(p["total"] for _, p in runs),
            "min": min(p["total"] for _, p in runs),
            "bytes": len(pdf),
        }
    print(json.dumps(results))
    return 0


# ----------------------------------------------------------------------------------- parent process


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-packet-") as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            _pg(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            _pg(
                f"CREATE DATABASE \"{PG_DB}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
            base = PG_ADMIN_URL.rsplit("/", 1)[0]
            url = f"{base}/{PG_DB}"
        env = {**os.environ, "TSUNAGU_VAR_DIR": tmp}
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--database-url",
            url,
            "--runs",
            str(args.runs),
            "--seed",
            str(args.seed),
        ]
        if args.pdf:
            cmd += ["--pdf", args.pdf]
        try:
            out = subprocess.run(cmd, env=env, check=True, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
        finally:
            if backend == "postgresql":
                _pg(f'DROP DATABASE IF EXISTS "{PG_DB}"')
        return {k: v for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pdf", help="write one 1-copy packet here to look at")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{CASES}-case packet, genogram + ecomap per case, {args.runs} runs after a warm-up, medians")
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f}"
    )
    ok = True
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print("| backend | copies | total | data + audit | drawing | PDF | min–max | PDF size |")
    print("|---|---|---|---|---|---|---|---|")
    for backend in backends:
        for copies, r in run_backend(backend, args).items():
            print(
                f"| {backend} | {copies} | **{r['total']:.2f} s** | {r['data']:.2f} s | {r['draw']:.2f} s | "
                f"{r['pdf']:.2f} s | {r['min']:.2f}–{r['max']:.2f} s | {r['bytes'] / 1024:.0f} KiB |"
            )
            if copies == "1":
                ok &= r["total"] <= TARGET
    print(f"target ≤ {TARGET} s (stretch {STRETCH} s) for one copy: {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
