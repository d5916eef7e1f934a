"""`python manage.py setup_demo`: everything `make demo` needs, safe to run again and again.

1. Loads every profile in settings.PROFILES_DIR (idempotent; a broken profile is reported and skipped).
2. Picks the demo city (三鷹市 by default; `--city CODE|NAME|FILE-STEM` or env TSUNAGU_DEMO_CITY) and
   generates synthetic households there only if the city has no synthetic data yet.
3. Creates demo staff accounts that are missing — one per role in the demo city, plus a window worker in a
   second city to show isolation — with one demo password. Existing accounts are never changed: their
   passwords are not reset.
4. Writes demo consultations (household timelines, a few pending 多機関協働 requests) once, and つなぎ
   between the demo window and the demo agency in every state, some overdue (intake/referral_demo.py).
5. Runs the demo steps the apps above intake registered (tsunagu/core/demo.py), in order: 多機関協働
   cases in every state (tsunagu/cases/demo.py), a year of meetings (tsunagu/meetings/demo.py), each
   written once through the app's actions, so that every role sees work on first login.
6. Prints the logins, each with its MFA line from `tsunagu.accounts.demo.prepare_demo_user`.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tsunagu.accounts.demo import prepare_demo_user
from tsunagu.accounts.models import Role, Staff
from tsunagu.core.demo import DemoWorld, demo_steps
from tsunagu.directory.models import CoordinatorPost, Organization, OrganizationKind, Window
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.intake.demo import generate_consultations, has_demo_consultations
from tsunagu.intake.referral_demo import generate_referrals, has_demo_referrals
from tsunagu.municipalities.models import Municipality
from tsunagu.people.demo import generate, has_synthetic_data

DEFAULT_CITY = "132047"  # 三鷹市
DEMO_PASSWORD = "tsunagu-demo-2026"  # noqa: S105 - printed on purpose: demo accounts on synthetic data only
DEMO_SEED = 2026
DEMO_HOUSEHOLDS = 2000
DEMO_PLANTED = 10
# Fictional staff names for the demo logins (the login table marks them as demo accounts).
DEMO_NAMES = {
    "window": "青木 さくら",
    "coordinator": "石井 大地",
    "agency": "上田 みのり",
    "manager": "遠藤 健",
    "auditor": "小川 静",
    "admin": "加藤 誠",
}

# Agencies that a 関係機関職員 typically works at, most typical first.
AGENCY_KINDS = (
    OrganizationKind.COMMUNITY_GENERAL_SUPPORT_CENTER,
    OrganizationKind.SOCIAL_WELFARE_COUNCIL,
    OrganizationKind.DISABILITY_SUPPORT_CENTER,
    OrganizationKind.SELF_RELIANCE_SUPPORT,
    OrganizationKind.CHILD_FAMILY_CENTER,
)


@dataclass
class DemoLogin:
    username: str
    role: str
    organization: Organization | None
    municipality: Municipality
    display_name: str


def city_slug(muni: Municipality) -> str:
    """The profile's file stem (mitaka), else the code: readable and unique per city."""
    return Path(muni.profile_path).stem if muni.profile_path else muni.code


def find_city(wanted: str, cities: list[Municipality]) -> Municipality | None:
    for muni in cities:
        if wanted in {muni.code, muni.name, city_slug(muni)}:
            return muni
    return None


def _agency(muni: Municipality) -> Organization | None:
    orgs = list(Organization.objects.filter(municipality=muni, active=True).order_by("sort_order", "key"))
    for kind in AGENCY_KINDS:
        for org in orgs:
            if org.kind == kind:
                return org
    non_dept = [o for o in orgs if o.kind != OrganizationKind.DEPARTMENT]
    return next(iter(non_dept or orgs), None)


def _window_org(muni: Municipality, avoid: Organization | None) -> Organization | None:
    """The organization running a window: 生活困窮 (第1号ニ) first, where 断らない相談 usually starts."""
    windows = list(
        Window.objects.filter(municipality=muni, active=True)
        .select_related("organization")
        .order_by("sort_order", "key")
    )
    for w in windows:
        if "1ni" in w.business_lines and w.organization != avoid:
            return w.organization
    for w in windows:
        if w.organization != avoid:
            return w.organization
    return windows[0].organization if windows else _agency(muni)


def _coordinator_org(muni: Municipality) -> Organization | None:
    """Where the 束ね役 sits: a bundler coordinator post, the 第5号 organization, or 地域福祉課."""
    post = (
        CoordinatorPost.objects.filter(
            municipality=muni, active=True, is_bundler=True, organization__isnull=False
        )
        .select_related("organization")
        .order_by("sort_order", "key")
        .first()
    )
    if post is not None:
        return post.organization
    orgs = list(Organization.objects.filter(municipality=muni, active=True).order_by("sort_order", "key"))
    for org in orgs:
        if "5" in org.business_lines:
            return org
    for org in orgs:
        if "地域福祉" in org.name:
            return org
    depts = [o for o in orgs if o.kind == OrganizationKind.DEPARTMENT]
    return next(iter(depts or orgs), None)


def plan_logins(city: Municipality, second: Municipality | None) -> list[DemoLogin]:
    slug = city_slug(city)
    agency = _agency(city)
    coordinator_org = _coordinator_org(city)
    lead = coordinator_org.department if coordinator_org and coordinator_org.department else coordinator_org

    def login(suffix: str, role: Role, org: Organization | None, muni: Municipality = city) -> DemoLogin:
        # A person-like name: the header shows 「name（role）」, so the role is not repeated here.
        return DemoLogin(f"{city_slug(muni)}-{suffix}", role, org, muni, DEMO_NAMES[suffix])

    logins = [
        login("window", Role.WINDOW_WORKER, _window_org(city, avoid=agency)),
        login("coordinator", Role.COORDINATOR, coordinator_org),
        login("agency", Role.AGENCY_WORKER, agency),
        login("manager", Role.MANAGER, lead),
        login("auditor", Role.AUDITOR, lead),
        login("admin", Role.ADMINISTRATOR, lead),
    ]
    if second is not None and city_slug(second) != slug:
        logins.append(login("window", Role.WINDOW_WORKER, _window_org(second, avoid=_agency(second)), second))
    return logins


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "デモ環境を用意します（プロファイル読込・架空世帯・デモ用アカウント）。何度実行しても安全です。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--city",
            default=os.environ.get("TSUNAGU_DEMO_CITY") or DEFAULT_CITY,
            help="デモの自治体（団体コード・名称・プロファイル名。既定は環境変数 TSUNAGU_DEMO_CITY、なければ 132047 三鷹市）",
        )
        parser.add_argument(
            "--households", type=int, default=DEMO_HOUSEHOLDS, help="架空世帯の数（既定 2000）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cities = self.load_profiles(Path(settings.PROFILES_DIR))
        city = find_city(options["city"], cities)
        if city is None:
            known = "、".join(f"{m.code} {m.name}（{city_slug(m)}）" for m in cities) or "なし"
            raise CommandError(
                f"デモの自治体 {options['city']!r} が読み込んだプロファイルにありません（読み込めた自治体: {known}）"
            )
        second = next((m for m in cities if m.pk != city.pk), None)

        if has_synthetic_data(city):
            self.stdout.write(f"{city}: 架空データは既にあります（そのままにします）")
        else:
            result = generate(
                city, households=options["households"], seed=DEMO_SEED, plant_duplicates=DEMO_PLANTED
            )
            self.stdout.write(
                f"{city}: 架空世帯 {result.households} 件・本人 {result.persons} 人を作成しました（seed {DEMO_SEED}）"
            )

        rows = [self.ensure_login(login) for login in plan_logins(city, second)]
        if not has_demo_consultations(city):
            consultations, escalations = generate_consultations(city, seed=DEMO_SEED)
            self.stdout.write(
                f"{city}: 架空の相談記録 {consultations} 件・多機関協働へのつなぎ依頼 {escalations} 件を作成しました"
            )
        self.demo_referrals(rows, city)
        self.run_steps(city, rows)
        self.print_logins(rows, city, second)

    def demo_referrals(self, rows: list[tuple[DemoLogin, Staff, bool]], city: Municipality) -> None:
        """Referrals between the demo window and the demo agency in every state (intake/referral_demo.py)."""
        by_role = {login.role: user for login, user, _created in rows if login.municipality == city}
        sender, receiver = by_role.get(Role.WINDOW_WORKER), by_role.get(Role.AGENCY_WORKER)
        if sender is None or receiver is None or has_demo_referrals(sender):
            return
        made = generate_referrals(sender=sender, receiver=receiver, seed=DEMO_SEED)
        self.stdout.write(f"{city}: 架空の窓口間のつなぎ {made} 件を作成しました")

    def run_steps(self, city: Municipality, rows: list[tuple[DemoLogin, Staff, bool]]) -> None:
        """The steps of the apps above intake (cases, meetings …), in their order; each writes once."""
        staff = {user.role: user for _login, user, _created in rows if user.municipality_id == city.pk}
        world = DemoWorld(municipality=city, staff=staff, seed=DEMO_SEED)
        for step in demo_steps():
            self.stdout.write(step.run(world))

    def load_profiles(self, directory: Path) -> list[Municipality]:
        cities: list[Municipality] = []
        for path in sorted(directory.glob("*.toml")):
            try:
                report = load_profile(path)
            except ProfileError as exc:
                self.stderr.write(exc.render())
                continue
            state = report.summary() if report.changed else f"{report.municipality}: 変更なし"
            self.stdout.write(f"プロファイル {path.name}: {state}")
            cities.append(report.municipality)
        return cities

    @transaction.atomic
    def ensure_login(self, login: DemoLogin) -> tuple[DemoLogin, Staff, bool]:
        user = Staff.objects.filter(username=login.username).first()
        created = user is None
        if user is None:
            user = Staff.objects.create_user(
                username=login.username,
                password=DEMO_PASSWORD,
                display_name=login.display_name,
                municipality=login.municipality,
                organization=login.organization,
                role=login.role,
            )
        return login, user, created

    def print_logins(
        self, rows: list[tuple[DemoLogin, Staff, bool]], city: Municipality, second: Municipality | None
    ) -> None:
        table = [("ユーザー名", "役割", "所属機関", "自治体", "")]
        for _login, user, created in rows:
            org = user.organization.name if user.organization else "-"
            muni = str(user.municipality) if user.municipality else "-"
            note = "" if created else "既存（パスワードは変更していません）"
            note = " ".join(x for x in (prepare_demo_user(user), note) if x)
            table.append((user.username, user.role_label, org, muni, note))
        widths = [max(_width(r[i]) for r in table) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(f"デモ用ログイン（パスワード: {DEMO_PASSWORD}）")
        for r in table:
            self.stdout.write(
                "  " + "  ".join(_pad(c, w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
            )
        if second is None:
            self.stdout.write(
                "  （2つ目の自治体のプロファイルがないため、自治体の分離を示すアカウントは作りませんでした）"
            )
        self.stdout.write(
            f"デモの自治体: {city}。架空データのみです（synthetic）。本番では使わないでください。"
        )
