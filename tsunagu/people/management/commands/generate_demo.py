"""`python manage.py generate_demo --profile FILE --households N --seed S`: synthetic households for a city.

The profile is loaded first (loading is idempotent, so an already loaded profile is left as it is). When
the city already has synthetic data the command refuses and changes nothing; `--replace` deletes the
city's synthetic rows (never real ones) and generates afresh. Same profile, N and seed → same data.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.people.demo import DemoDataExists, generate


class Command(BaseCommand):
    help = "自治体プロファイルの自治体に、デモ用の架空世帯を作成します（同じ seed なら同じデータ）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", required=True, help="profiles/<city>.toml（先に読み込みます）")
        parser.add_argument("--households", type=int, default=2000, help="世帯数（既定 2000）")
        parser.add_argument("--seed", type=int, default=1, help="乱数の種（既定 1）")
        parser.add_argument(
            "--plant-duplicates",
            type=int,
            default=0,
            metavar="K",
            help="名寄せ評価用に、重複登録 K 件と同じ読みの別人 K 件を加える",
        )
        parser.add_argument("--truth-file", help="植えた重複・同名異人の正解を JSON で書き出すパス")
        parser.add_argument(
            "--replace", action="store_true", help="この自治体の既存の架空データを削除してから作り直す"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["households"] < 0 or options["plant_duplicates"] < 0:
            raise CommandError("--households と --plant-duplicates は 0 以上で指定してください")
        try:
            report = load_profile(options["profile"])
        except ProfileError as exc:
            raise CommandError(exc.render()) from None
        started = time.perf_counter()
        try:
            result = generate(
                report.municipality,
                households=options["households"],
                seed=options["seed"],
                plant_duplicates=options["plant_duplicates"],
                replace=options["replace"],
            )
        except DemoDataExists as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{result.municipality}: 架空世帯 {result.households} 件・本人 {result.persons} 人を作成しました"
            f"（seed {result.seed}、植えた組 {len(result.planted)}、{elapsed:.1f} 秒）"
        )
        if options["truth_file"]:
            path = Path(options["truth_file"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(result.truth_json() + "\n", encoding="utf-8")
            self.stdout.write(f"正解データ: {path}")
