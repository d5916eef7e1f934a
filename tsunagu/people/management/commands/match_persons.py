"""`python manage.py match_persons [--city CODE]`: recompute the stored 名寄せ candidates of each city.

Run it after a bulk load (generate_demo, generate_history, an import) and nightly as a backstop; writes
through the actions keep the candidates current in between (tsunagu.people.candidates). Each city is
replaced in one transaction; the candidates page keeps showing the previous pairs until it commits.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.municipalities.models import Municipality
from tsunagu.people.candidates import recompute_candidates


class Command(BaseCommand):
    help = "名寄せ候補（同一人物の可能性がある組）を市ごとに計算し直して保存します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", help="全国地方公共団体コード（既定: すべての市）")

    def handle(self, *args: Any, **options: Any) -> None:
        cities = Municipality.objects.order_by("code")
        if options["city"]:
            cities = cities.filter(code=options["city"])
            if not cities.exists():
                raise CommandError(f"自治体コード {options['city']} の市はありません。")
        for muni in cities:
            self.stdout.write(f"{muni}:")
            recompute_candidates(muni.pk, log=lambda text: self.stdout.write(f"  {text}"))
