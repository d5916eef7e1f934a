"""`python manage.py generate_history`: ten years of a large city, synthetic, for benchmarks and analytics.

    python manage.py generate_history                                  # 1,000,000 persons, 3,000,000 consultations …
    python manage.py generate_history --persons 2000 --consultations 6000 --cases 60 --audit-events 4000

Loads the profile (idempotent), then runs every registered history step (tsunagu.core.history; the
built-in ones in tsunagu/synthetic/history.py, any app's own in `<app>/history.py`) in one transaction:
an error leaves the database as it was. Writes only into a city that has no persons yet. The same
profile, sizes, seed and --end give the same records. The other pillars' records (meetings, 連絡帳,
outreach, participation, community) are sized by default in proportion to --cases and --persons (SCALED). Everything is fictitious and flagged: persons and
households `synthetic`, notes end in （架空）, staff are 架空職員 without a usable password.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from tsunagu.core.history import Formats, HistoryContext, HistoryError, TableWriter, registered_steps
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.people.models import Person

SIZES = {
    # option: (default, help)
    "persons": (1_000_000, "住民（本人）の数"),
    "consultations": (3_000_000, "相談記録の数"),
    "cases": (30_000, "多機関協働のケースの数（およそ）"),
    "audit_events": (2_000_000, "監査ログの行数（各操作の監査記録から一様に抽出）"),
    "duplicates_per_mille": (3, "重複登録と同じ読みの別人を、それぞれ本人の千分の何人加えるか"),
}
# Records of the other pillars, by default in proportion: (base option, how many per one of it, help).
# Meetings and the 連絡帳 follow the cases; outreach, participation and community follow the residents.
SCALED = {
    "agenda_items": ("cases", 2.0, "会議の議題の数（およそ。ケースの経過から）"),
    "notebook_posts": ("cases", 6.0, "連絡帳の投稿の数（およそ）"),
    "outreach_engagements": ("persons", 0.004, "アウトリーチ（継続的支援）の数"),
    "resources": ("persons", 0.0005, "架空の社会資源の数（プロファイルの社会資源に加えて）"),
    "participation_records": ("persons", 0.003, "参加支援の記録の数（およそ）"),
    "community_sittings": ("persons", 0.012, "地域づくりの団体・活動の開催の数（およそ）"),
    "volunteers": ("persons", 0.002, "ボランティアポイント制度ごとの登録者の数"),
}


class Command(BaseCommand):
    help = "大都市の10年分の架空データを高速に作成します（ベンチマーク用。同じ seed なら同じデータ）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--profile", default="profiles/mitaka.toml", help="自治体プロファイル（先に読み込みます）"
        )
        for name, (default, text) in SIZES.items():
            parser.add_argument(
                f"--{name.replace('_', '-')}", type=int, default=default, help=f"{text}（既定 {default:,}）"
            )
        for name, (base, rate, text) in SCALED.items():
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                type=int,
                help=f"{text}（既定 --{base} × {rate:g}）",
            )
        parser.add_argument("--years", type=int, default=10, help="期間の年数（既定 10）")
        parser.add_argument("--end", type=dt.date.fromisoformat, help="期間の終わり（既定: 今日）YYYY-MM-DD")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--steps", help="実行する手順をカンマ区切りで（既定: すべて）")
        parser.add_argument(
            "--no-vacuum", action="store_true", help="終了後の VACUUM ANALYZE を省く（PostgreSQL）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = {name: options[name] for name in SIZES}
        for name, (base, rate, _text) in SCALED.items():
            given = options[name]
            sizes[name] = int(sizes[base] * rate) if given is None else given
        if any(v < 0 for v in sizes.values()) or options["years"] < 1:
            raise CommandError("件数は 0 以上、--years は 1 以上で指定してください。")
        end = options["end"] or timezone.localdate()
        try:
            start = end.replace(year=end.year - options["years"])
        except ValueError:  # 29 February
            start = (end - dt.timedelta(days=1)).replace(year=end.year - options["years"])
        autodiscover_modules("history")
        steps = registered_steps()
        if options["steps"]:
            wanted = {s.strip() for s in options["steps"].split(",") if s.strip()}
            unknown = wanted - {s.name for s in steps}
            if unknown:
                raise CommandError(
                    f"不明な手順: {', '.join(sorted(unknown))}（{', '.join(s.name for s in steps)}）"
                )
            steps = [s for s in steps if s.name in wanted]
        try:
            report = load_profile(options["profile"])
        except ProfileError as exc:
            raise CommandError(exc.render()) from None
        muni = report.municipality
        if Person.objects.filter(municipality=muni).exists():
            raise CommandError(
                f"{muni} には既に本人の記録があります。generate_history は空の市にだけ書き込みます"
                "（新しいデータベースで実行してください）。何も変更していません。"
            )
        fmt = Formats(connection.vendor)
        writer = TableWriter(connection, fmt)
        ctx = HistoryContext(
            municipality=muni,
            seed=options["seed"],
            sizes=sizes,
            start=start,
            end=end,
            writer=writer,
            fmt=fmt,
            log=self.stdout.write,
        )
        started = time.perf_counter()
        self.stdout.write(
            f"{muni}: {start} 〜 {end}, seed {options['seed']}, "
            + ", ".join(f"{k}={v:,}" for k, v in sizes.items())
        )
        try:
            with transaction.atomic():
                for step in steps:
                    t, cpu = time.perf_counter(), time.process_time()
                    step.func(ctx)
                    self.stdout.write(
                        f"  {step.name:<16} {time.perf_counter() - t:7.1f} s"
                        f"（このプロセスの CPU {time.process_time() - cpu:.1f} 秒）"
                    )
                writer.analyze()
        except HistoryError as exc:
            raise CommandError(f"{exc} 何も変更していません。") from None
        # VACUUM cannot run inside a transaction (a caller's, or a test's).
        if connection.vendor == "postgresql" and not options["no_vacuum"] and not connection.in_atomic_block:
            t = time.perf_counter()
            with connection.cursor() as cursor:
                for table in writer.rows:
                    cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
            self.stdout.write(f"  {'vacuum':<16} {time.perf_counter() - t:7.1f} s")
        for table, rows in sorted(writer.rows.items()):
            self.stdout.write(f"  {table:<40} {rows:>12,} 行")
        if "(indexes)" in writer.seconds:
            self.stdout.write(f"  (うち索引・外部キーの再作成 {writer.seconds['(indexes)']:.1f} 秒)")
        self.stdout.write(f"合計 {time.perf_counter() - started:.1f} 秒")
