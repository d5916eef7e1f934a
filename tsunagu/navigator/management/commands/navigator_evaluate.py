"""`manage.py navigator_evaluate`: accuracy of the navigator's free-text understanding (docs/navigator.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.navigator.evaluate import SETS, evaluate, load_set, markdown_table
from tsunagu.navigator.understanding import Analyzer


class Command(BaseCommand):
    help = "Measure top-1/top-3 concern accuracy, share sent to the general window and danger recall."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--set", choices=[*SETS, "all"], default="all", help="which phrasings (default: all)"
        )
        parser.add_argument("--failures", action="store_true", help="list every phrasing not understood")

    def handle(self, *args: Any, **options: Any) -> None:
        analyzer = Analyzer()
        names = SETS if options["set"] == "all" else (options["set"],)
        results = []
        for name in names:
            try:
                items = load_set(name)
            except (OSError, ValueError) as exc:
                raise CommandError(f"評価データ {name} を読めません: {exc}") from exc
            results.append(evaluate(analyzer, name, items))
        self.stdout.write(markdown_table([r.row() for r in results]))
        if options["failures"]:
            for r in results:
                for line in r.failures:
                    self.stdout.write(line)
