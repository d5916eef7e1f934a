"""Create a システム管理者 of a municipality — the first one (who then creates everyone else on the staff
screens), or a new one when no administrator can log in any more.

    python manage.py create_city_administrator 132047 mitaka-admin "三鷹 管理者" --organization chiiki-fukushi

Prints a first password once; it must be changed at first login, where MFA is enrolled too.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.accounts import actions
from tsunagu.accounts.models import Role
from tsunagu.accounts.staffing import (
    FieldError,
    NewStaff,
    clean_display_name,
    clean_email,
    clean_login_id,
    resolve_organization,
)
from tsunagu.municipalities.models import Municipality


class Command(BaseCommand):
    help = "自治体のシステム管理者を作成し、初期パスワードを一度だけ表示します（最初の1人、または管理者がログインできないとき）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipality", help="団体コード（6桁）")
        parser.add_argument("login_id", help="ログインID")
        parser.add_argument("display_name", help="氏名")
        parser.add_argument("--organization", required=True, help="所属機関の名前またはキー")
        parser.add_argument("--email", default="", help="メールアドレス（任意）")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"].strip()).first()
        if municipality is None:
            raise CommandError(f"団体コード {options['municipality']!r} の自治体は読み込まれていません。")
        try:
            data = NewStaff(
                login_id=clean_login_id(options["login_id"]),
                display_name=clean_display_name(options["display_name"]),
                organization=resolve_organization(municipality, options["organization"]),
                role=Role.ADMINISTRATOR,
                email=clean_email(options["email"]),
            )
            staff, password = actions.create_administrator_by_command(municipality=municipality, data=data)
        except (FieldError, actions.AccountError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{municipality.name}のシステム管理者 {staff.username} を作成しました。")
        self.stdout.write(f"初期パスワード（一度だけ表示）: {password}")
