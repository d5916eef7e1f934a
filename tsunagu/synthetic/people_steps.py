"""History steps: the city's structure, its staff, and its residents (households, persons, members)."""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterator

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.history import HistoryContext, HistoryError, history_step
from tsunagu.directory.models import CoordinatorPost, EscalationRule, Organization, OrganizationKind, Window
from tsunagu.municipalities.models import ConcernType
from tsunagu.people import demo
from tsunagu.people.models import Household, HouseholdMember, Person

from .common import DAY, JST, CityData, PeopleData, StaffData
from .names import CityGenerator

AGENCY_KINDS = {
    OrganizationKind.COMMUNITY_GENERAL_SUPPORT_CENTER,
    OrganizationKind.SOCIAL_WELFARE_COUNCIL,
    OrganizationKind.DISABILITY_SUPPORT_CENTER,
    OrganizationKind.SELF_RELIANCE_SUPPORT,
    OrganizationKind.CHILD_FAMILY_CENTER,
    OrganizationKind.HEALTH_CENTER,
    OrganizationKind.NPO,
}
KIND_INDEX = {code: i for i, (code, _label, _weight) in enumerate(demo.KINDS)}


@history_step("city")
def city_step(ctx: HistoryContext) -> None:
    """Read the city's organizations, windows, concern types and rules (loaded from its profile)."""
    muni = ctx.municipality
    orgs = {
        o.pk: (o.kind, o.name)
        for o in Organization.objects.filter(municipality=muni, active=True).order_by("pk")
    }
    windows = [
        (w.pk, w.organization_id, (w.business_lines or ["1ni"])[0])
        for w in Window.objects.filter(municipality=muni, active=True).order_by("pk")
    ]
    if not orgs or not windows:
        raise HistoryError(f"{muni}: プロファイルに機関・窓口がないため、相談記録を作れません。")
    posts = CoordinatorPost.objects.filter(municipality=muni, active=True, organization__isnull=False)
    coordinator_orgs = sorted(set(posts.values_list("organization_id", flat=True))) or [next(iter(orgs))]
    agency_orgs = [pk for pk, (kind, _name) in orgs.items() if kind in AGENCY_KINDS] or list(orgs)
    rules = list(EscalationRule.objects.filter(municipality=muni, active=True).order_by("sort_order", "pk"))
    ctx.shared["city"] = CityData(
        municipality_id=muni.pk,
        organizations=orgs,
        windows=windows,
        concerns=dict(ConcernType.objects.filter(municipality=muni, active=True).values_list("code", "pk")),
        coordinator_orgs=coordinator_orgs,
        agency_orgs=agency_orgs,
        rules=[r.pk for r in rules],
        to_bodies={r.pk: r.to_body_id for r in rules},
    )


@history_step("staff", after=("city",))
def staff_step(ctx: HistoryContext) -> None:
    """Staff accounts who recorded the history: window workers, coordinators, agency workers.

    They cannot log in (unusable password): benchmarks make their own logins.
    """
    city: CityData = ctx.shared["city"]
    rng = ctx.rng("staff")
    persons = max(ctx.size("persons"), 1)
    plan: list[tuple[int, str]] = []
    window_orgs = sorted({org for _w, org, _bl in city.windows})
    per_window = max(2, min(12, persons // 40_000))
    for org in window_orgs:
        plan += [(org, Role.WINDOW_WORKER)] * per_window
    coordinators = max(3, min(60, persons // 20_000))
    for n in range(coordinators):
        plan.append((city.coordinator_orgs[n % len(city.coordinator_orgs)], Role.COORDINATOR))
    for org in city.agency_orgs:
        plan += [(org, Role.AGENCY_WORKER)] * max(1, min(6, persons // 100_000))
    plan += [(city.coordinator_orgs[0], Role.MANAGER), (city.coordinator_orgs[0], Role.AUDITOR)]
    code = ctx.municipality.code
    start = Staff.objects.filter(username__startswith=f"hist-{code}-").count()
    made = Staff.objects.bulk_create(
        [
            Staff(
                username=f"hist-{code}-{start + n:05d}",
                password="!" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(30)),
                display_name=f"架空職員{start + n:05d}",
                municipality=ctx.municipality,
                organization_id=org,
                role=role,
                is_active=True,
            )
            for n, (org, role) in enumerate(plan)
        ]
    )
    by_org: dict[int, list[int]] = {}
    info: dict[int, tuple[str, str, int | None, str]] = {}
    for s in made:
        assert s.organization_id is not None
        by_org.setdefault(s.organization_id, []).append(s.pk)
        info[s.pk] = (s.username, s.role, s.organization_id, city.organizations[s.organization_id][1])
    ctx.shared["staff"] = StaffData(
        by_org=by_org,
        coordinators=[s.pk for s in made if s.role == Role.COORDINATOR],
        window_workers=[s.pk for s in made if s.role == Role.WINDOW_WORKER],
        info=info,
    )
    ctx.writer.rows[ctx.table(Staff)] = len(made)


PERSON_COLUMNS = (
    "id",
    "municipality_id",
    "family_name",
    "given_name",
    "family_kana",
    "given_kana",
    "name_key",
    "kana_key",
    "birth_date",
    "estimated_age",
    "sex",
    "address",
    "address_key",
    "area_id",
    "phone",
    "nationality",
    "language_needs",
    "deceased",
    "synthetic",
    "merged_into_id",
    "created_at",
    "version",
    "phonetic_key",
)
HOUSEHOLD_COLUMNS = (
    "id",
    "municipality_id",
    "address",
    "area_id",
    "note",
    "synthetic",
    "created_at",
    "version",
)
MEMBER_COLUMNS = ("id", "municipality_id", "household_id", "person_id", "relationship", "lives_together")


@history_step("people", after=("city",))
def people_step(ctx: HistoryContext) -> None:
    """Households and their members until `persons` residents exist, plus planted re-registrations.

    Shapes and readings come from tsunagu.people.demo (fictitious addresses 「架空町」, the dummy phone
    000-0000-0000), names from the wider pool of `names.py`. `duplicates_per_mille` of the persons are registered a second time by another
    window (another spelling, a typo, no birth date, a move) and as many namesakes (same reading, other
    person) are added, none in a household — the work of 名寄せ.
    """
    muni = ctx.municipality
    fmt = ctx.fmt
    rng = ctx.rng("people")
    target = ctx.size("persons")
    planted_target = target * ctx.size("duplicates_per_mille") // 1000
    gen = CityGenerator(rng, muni, demo.leaf_areas(muni), ctx.end)
    keys = demo._PersonRows(muni)
    person_table, household_table, member_table = (
        ctx.table(Person),
        ctx.table(Household),
        ctx.table(HouseholdMember),
    )
    # Households ≤ persons; the unused ids of the reservation are given back below.
    first_person = ctx.writer.reserve_ids(person_table, target + 2 * planted_target)
    first_household = ctx.writer.reserve_ids(household_table, target)
    first_member = ctx.writer.reserve_ids(member_table, target)
    start_s = int(dt.datetime(ctx.start.year, ctx.start.month, ctx.start.day, tzinfo=JST).timestamp())
    span = max(1, (ctx.end - ctx.start).days) * DAY
    kinds = bytearray()
    member_start = array("q", [0])
    household_lines: list[tuple[str, ...]] = []
    member_lines: list[tuple[str, ...]] = []
    adults: list[tuple[demo._P, demo._H]] = []  # a reservoir to plant re-registrations from
    muni_id = str(muni.pk)
    true, false, null = fmt.true, fmt.false, fmt.NULL

    def person_row(pid: int, p: demo._P, area_id: str, address: str, created: str) -> tuple[str, ...]:
        name_key, kana_key, address_key, phonetic_key = keys.keys(p, address)
        return (
            str(pid),
            muni_id,
            p.family,
            p.given,
            p.family_kana,
            p.given_kana,
            name_key,
            kana_key,
            fmt.date(p.birth),
            null if p.estimated_age is None else str(p.estimated_age),
            str(p.sex),
            address,
            address_key,
            area_id,
            p.phone,
            p.nationality,
            p.language,
            false,
            true,
            null,
            created,
            "1",
            phonetic_key,
        )

    def persons() -> Iterator[tuple[str, ...]]:
        made = 0
        while made < target:
            h = gen.household()
            members = h.members[: target - made]
            index = len(kinds)
            hid = first_household + index
            kinds.append(KIND_INDEX[h.kind])
            created = fmt.ts(start_s + rng.randrange(span))
            area_id = null if h.area is None else str(h.area.pk)
            household_lines.append(
                (
                    str(hid),
                    muni_id,
                    h.address,
                    area_id,
                    demo.NOTE_PREFIX + demo.KIND_LABELS[h.kind],
                    true,
                    created,
                    "1",
                )
            )
            for p in members:
                pid = first_person + made
                member_lines.append(
                    (str(first_member + made), muni_id, str(hid), str(pid), str(p.relationship), true)
                )
                yield person_row(pid, p, area_id, h.address, created)
                made += 1
                if p.age >= 20 and len(adults) < 50_000 and rng.random() < 0.2:
                    adults.append((p, h))
            member_start.append(made)
        # Re-registrations and namesakes, none in a household.
        for n in range(2 * planted_target if adults else 0):
            orig, home = adults[rng.randrange(len(adults))]
            copy = demo._P(
                orig.family,
                orig.family_kana,
                orig.given,
                orig.given_kana,
                orig.sex,
                orig.age,
                "",
                birth=orig.birth,
                nationality=orig.nationality,
                language=orig.language,
            )
            planted = demo._Planted("duplicate", (0, 0), copy, [], home.area, home.address)
            if n % 2 == 0:
                demo._apply_variant(rng, gen, orig, planted, rng.choice(demo.DUPLICATE_VARIANTS))
            else:  # a namesake: same reading, another birth date, elsewhere
                copy.age = max(20, orig.age + rng.choice((-1, 1)) * rng.randint(3, 30))
                copy.birth = gen.birth_date(copy.age)
                planted.area = rng.choice(gen.areas) if gen.areas else None
                planted.address = gen.address(planted.area)
            created = fmt.ts(start_s + rng.randrange(span))
            area_id = null if planted.area is None else str(planted.area.pk)
            yield person_row(first_person + made + n, copy, area_id, planted.address, created)

    people_tables = [person_table, household_table, member_table]
    with ctx.writer.bulk_load(people_tables):
        written = ctx.writer.write(person_table, PERSON_COLUMNS, persons())
        ctx.writer.write(household_table, HOUSEHOLD_COLUMNS, household_lines)
        ctx.writer.write(member_table, MEMBER_COLUMNS, member_lines)
    ctx.writer.release_ids(household_table, first_household + len(kinds) - 1)
    ctx.writer.release_ids(person_table, first_person + written - 1)
    ctx.shared["people"] = PeopleData(
        first_household=first_household,
        first_person=first_person,
        kinds=kinds,
        member_start=member_start,
        persons=written,
        planted=written - member_start[-1],
    )
