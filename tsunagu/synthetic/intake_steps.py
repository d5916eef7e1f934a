"""History step: consultations (相談記録) with their concerns over the years, and the audit events of
recording them and of looking at the household afterwards."""

from __future__ import annotations

import heapq
import itertools
from array import array
from collections.abc import Iterator

from tsunagu.core.history import AuditItem, HistoryContext, history_step
from tsunagu.intake.demo import KIND_CONCERNS, NOTES
from tsunagu.intake.models import ActionKind, Channel, Consultation, ConsultationStatus, ConsulterKind
from tsunagu.intake.models import SharingConsent as Sharing
from tsunagu.people import demo

from .common import DAY, FICTITIOUS, Calendar, CityData, ConsultationData, PeopleData, StaffData, date_of

# How many consultations one household brings, relative to others: a heavy tail (most households come
# once or twice in ten years, a few hundreds of times), capped so that no household dominates.
PARETO_ALPHA = 1.1
MAX_SHARE_OF_HEAVIEST = 600  # expected consultations of the heaviest household at 3,000,000
CONSULTING_SHARE = 0.3  # of households ever consult within the span

COLUMNS = (
    "id",
    "municipality_id",
    "received_at",
    "window_id",
    "organization_id",
    "staff_id",
    "channel",
    "consulter_kind",
    "consulter_note",
    "person_id",
    "household_id",
    "note",
    "actions",
    "referred_to_id",
    "follow_up_on",
    "business_line",
    "sharing_consent",
    "status",
    "submission_token",
    "version",
    "created_at",
    "updated_at",
)
CHANNELS = (
    [Channel.VISIT] * 4 + [Channel.PHONE] * 3 + [Channel.HOME_VISIT, Channel.REFERRAL, Channel.OUTREACH]
)
CONSULTERS = (
    [ConsulterKind.SELF] * 4 + [ConsulterKind.FAMILY] * 3 + [ConsulterKind.MINSEI, ConsulterKind.AGENCY]
)
ACTIONS = [ActionKind.LISTENING, ActionKind.INFORMATION, ActionKind.CONTINUING, ActionKind.REFERRAL]
SHARING = [Sharing.CONSENTED, Sharing.CONSENTED, Sharing.NOT_CONSENTED, Sharing.UNCONFIRMED]
OPEN_DAYS = 90  # consultations younger than this are mostly still open
OPEN, CLOSED = str(ConsultationStatus.OPEN), str(ConsultationStatus.CLOSED)


def _combos(city: CityData) -> tuple[list[tuple[int, ...]], list[list[int]], list[str]]:
    """Concern combinations per household kind: (ids of each combination, combination indexes per kind,
    note per combination). Combinations are 1–3 concerns of the kind's typical list."""
    combos: list[tuple[int, ...]] = []
    notes: list[str] = []
    index: dict[tuple[int, ...], int] = {}
    per_kind: list[list[int]] = []
    fallback = sorted(city.concerns)[:3]
    for code, _label, _weight in demo.KINDS:
        pool = [c for c in KIND_CONCERNS.get(code, []) if c in city.concerns] or fallback
        mine = []
        for size in (1, 2, 3):
            for combo in itertools.combinations(pool, size):
                ids = tuple(city.concerns[c] for c in combo)
                if ids not in index:
                    index[ids] = len(combos)
                    combos.append(ids)
                    text = " ".join(NOTES[c] for c in combo if c in NOTES) or "生活上の困りごとについて相談。"
                    notes.append(text + FICTITIOUS)
                mine.append(index[ids])
        per_kind.append(mine)
    return combos, per_kind, notes


@history_step("consultations", after=("people", "staff"))
def consultations_step(ctx: HistoryContext) -> None:
    """`consultations` consultations in time order over the span, each with 1–3 concerns."""
    city: CityData = ctx.shared["city"]
    people: PeopleData = ctx.shared["people"]
    staff: StaffData = ctx.shared["staff"]
    fmt = ctx.fmt
    rng = ctx.rng("consultations")
    n = ctx.size("consultations")
    calendar = Calendar(ctx.start, ctx.end)
    ctx.shared["calendar"] = calendar

    # Which households consult, and how often relative to each other.
    consulting = [i for i in range(people.households) if rng.random() < CONSULTING_SHARE] or [0]
    weights = [min((1.0 - rng.random()) ** (-1.0 / PARETO_ALPHA), 1e9) for _ in consulting]
    cap = sum(weights) * MAX_SHARE_OF_HEAVIEST / 3_000_000
    cumulative = list(itertools.accumulate(min(w, cap) for w in weights))
    chosen = rng.choices(consulting, cum_weights=cumulative, k=n)
    moments = calendar.sorted_moments(rng, n)

    combos, per_kind, notes = _combos(city)
    window_staff = {
        org: staff.by_org.get(org) or staff.window_workers or list(staff.info)
        for _w, org, _bl in city.windows
    }
    data = ConsultationData(
        first=ctx.writer.reserve_ids(ctx.table(Consultation), n),
        household=array("l", chosen),
        person=array("q"),
        at=array("q", moments),
        staff=array("q"),
        organization=array("q"),
    )
    combo_of = array("H")
    recent = calendar.end_seconds - OPEN_DAYS * DAY
    null, muni_id = fmt.NULL, str(city.municipality_id)
    actions_json = {a: fmt.json([str(a)]) for a in ACTIONS}

    def rows() -> Iterator[tuple[str, ...]]:
        random = rng.random  # int(random() * n): a fair pick, several times cheaper than randrange
        n_windows, n_channels, n_consulters = len(city.windows), len(CHANNELS), len(CONSULTERS)
        n_actions, n_sharing = len(ACTIONS), len(SHARING)
        household_ids = [str(people.household_id(h)) for h in range(people.households)]
        for j in range(n):
            h = data.household[j]
            members = people.members(h)
            size = len(members)
            person = members[0] if size == 1 or random() < 0.7 else members[int(random() * size)]
            window, org, line = city.windows[int(random() * n_windows)]
            pool = window_staff[org]
            recorder = pool[int(random() * len(pool))]
            choices = per_kind[people.kinds[h]]
            combo = choices[int(random() * len(choices))]
            data.person.append(person)
            data.staff.append(recorder)
            data.organization.append(org)
            combo_of.append(combo)
            at = data.at[j]
            stamp = fmt.ts(at)
            is_open = (at >= recent and random() < 0.8) or random() < 0.01
            yield (
                str(data.first + j),
                muni_id,
                stamp,
                str(window),
                str(org),
                str(recorder),
                CHANNELS[int(random() * n_channels)],
                CONSULTERS[int(random() * n_consulters)],
                "",
                str(person),
                household_ids[h],
                notes[combo],
                actions_json[ACTIONS[int(random() * n_actions)]],
                null,
                fmt.date(date_of(at + 14 * DAY)) if is_open else null,
                line,
                SHARING[int(random() * n_sharing)],
                OPEN if is_open else CLOSED,
                f"{rng.getrandbits(128):032x}",
                "1",
                stamp,
                stamp,
            )

    concern_table = Consultation.concerns.through._meta.db_table
    tables = [ctx.table(Consultation), concern_table]
    with ctx.writer.bulk_load(tables):
        ctx.writer.write(ctx.table(Consultation), COLUMNS, rows())
        links = sum(len(combos[c]) for c in combo_of)
        first_link = ctx.writer.reserve_ids(concern_table, links)

        def concern_rows() -> Iterator[tuple[str, ...]]:
            link = first_link
            for j, combo in enumerate(combo_of):
                cid = str(data.first + j)
                for concern in combos[combo]:
                    yield (str(link), cid, str(concern))
                    link += 1

        ctx.writer.write(concern_table, ("id", "consultation_id", "concerntype_id"), concern_rows())
    ctx.shared["consultations"] = data
    ctx.audit.add("consultations", _audit_items(ctx, data), len(data) * 2, sampled=True)


def _audit_items(ctx: HistoryContext, data: ConsultationData) -> Iterator[AuditItem]:
    """Recording a consultation (create) and, minutes later, opening the household's page (view).

    Samples itself with `ctx.audit.keep` (read when the audit step starts iterating), so that the
    events left out are never built."""
    people: PeopleData = ctx.shared["people"]
    first_household = people.first_household
    keep = ctx.audit.keep
    random = ctx.rng("consultations-audit").random
    created = {"created_person": False}
    pending: list[tuple[int, int, AuditItem]] = []  # views, minutes after their create, in time order
    for j in range(len(data)):
        at = data.at[j]
        while pending and pending[0][0] <= at:
            yield heapq.heappop(pending)[2]
        if random() < keep:
            household = first_household + data.household[j]
            yield AuditItem(
                at,
                data.staff[j],
                "create",
                (("consultation", data.first + j), ("household", household), ("person", data.person[j])),
                detail=created,
                view_name="intake:new",
            )
        if random() < keep:
            household = first_household + data.household[j]
            later = at + 120 + (j % 480)
            view = AuditItem(
                later,
                data.staff[j],
                "view",
                (("household", household), ("person", data.person[j])),
                view_name="people:household",
            )
            heapq.heappush(pending, (later, j, view))
    while pending:
        yield heapq.heappop(pending)[2]
