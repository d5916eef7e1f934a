"""Navigator evidence: closed cases counted by first window and lead organization, small cells suppressed so
that no hidden cell can be worked out, nothing about a person leaves the module."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_household, make_organization
from tests.personas import staff_city
from tsunagu.cases.models import Case, CaseStatus, CaseTeamMember, TeamRole
from tsunagu.directory.models import Organization, Window
from tsunagu.insights.navigator_evidence import cutoff, evidence_for, suppress
from tsunagu.intake.models import Consultation
from tsunagu.municipalities.models import ConcernType


def test_small_cells_and_their_complements_are_hidden():
    table = suppress({"A": 40, "B": 12, "C": 3}, threshold=10)
    assert table is not None
    # C alone is hidden; it could be derived from the total (55 - 40 - 12), so B is hidden too.
    assert [(c.label, c.count) for c in table.cells] == [("A", 40)]
    assert table.hidden and table.total == 55


def test_a_total_below_the_threshold_shows_nothing():
    assert suppress({"A": 5, "B": 4}, threshold=10) is None


def test_nothing_is_hidden_when_every_cell_is_large():
    table = suppress({"A": 10, "B": 11}, threshold=10)
    assert table is not None and not table.hidden and len(table.cells) == 2


@given(
    st.dictionaries(st.sampled_from("ABCDEFG"), st.integers(min_value=0, max_value=40)), st.integers(3, 15)
)
def test_no_hidden_cell_can_be_derived(counts, threshold):
    table = suppress(counts, threshold)
    if table is None:
        assert sum(counts.values()) < threshold
        return
    shown = {c.label for c in table.cells}
    hidden = [label for label, n in counts.items() if n > 0 and label not in shown]
    assert all(c.count >= threshold for c in table.cells)
    if hidden:
        # Hidden cells are never alone and together are at least the threshold: total − shown reveals no
        # small cell, and no single hidden cell.
        assert len(hidden) >= 2
        assert sum(counts[h] for h in hidden) >= threshold


@pytest.fixture
def world(city):
    # The persona base (tests/personas.py) on the navigator's profile city: 福祉課 runs the 総合相談窓口
    # and 多機関協働, 地域包括支援センター is the agency.
    org = {o.key: o for o in Organization.objects.filter(municipality=city)}
    staff = staff_city(
        city, window_org=org["fukushi"], coordination_org=org["fukushi"], agency_org=org["hokatsu"]
    )
    return {
        "staff": staff.coordinator,
        "sogo": Window.objects.get(municipality=city, key="sogo"),
        "jiritsu": Window.objects.get(municipality=city, key="jiritsu"),
        "lead_a": make_organization(city, name="主担当機関A"),
        "lead_b": make_organization(city, name="主担当機関B"),
        "care": ConcernType.objects.get(municipality=city, code="care"),
    }


def closed_case(city, world, window, lead, closed_at):
    household = make_household(city)
    member = household.members.first()
    assert member is not None
    person = member.person
    c = Consultation.objects.create(
        municipality=city,
        received_at=closed_at - dt.timedelta(days=90),
        window=window,
        organization=window.organization,
        staff=world["staff"],
        channel="visit",
        consulter_kind="self",
        person=person,
        household=household,
        business_line="1ni",
        submission_token=uuid.uuid4(),
    )
    c.concerns.add(world["care"])
    case = Case.objects.create(
        municipality=city,
        number=Case.objects.count() + 1,
        household=household,
        coordinator=world["staff"],
        opened_by=world["staff"],
        opened_at=closed_at - dt.timedelta(days=60),
        status=CaseStatus.CLOSED,
        closed_at=closed_at,
    )
    CaseTeamMember.objects.create(
        municipality=city,
        case=case,
        organization=lead,
        role=TeamRole.LEAD,
        added_by=world["staff"],
        added_at=closed_at - dt.timedelta(days=60),
    )
    return case


@pytest.mark.django_db
def test_evidence_counts_closed_cases_and_suppresses(city, world):
    last_month = cutoff() - dt.timedelta(days=3)
    for i in range(14):
        closed_case(city, world, world["sogo"] if i < 11 else world["jiritsu"], world["lead_a"], last_month)
    for _ in range(2):
        closed_case(city, world, world["sogo"], world["lead_b"], last_month)
    # Closed this month: not counted yet (no day-to-day differencing).
    closed_case(city, world, world["sogo"], world["lead_b"], timezone.now())
    [ev] = evidence_for(city, ["care", "poverty"])
    assert ev.concern_code == "care" and ev.total == 16
    # Windows: sogo 13, jiritsu 3 → jiritsu hidden; sogo would reveal it (16 − 13) → all cells hidden.
    assert ev.windows.cells == () and ev.windows.hidden
    # Organizations: A 14, B 2 → B hidden, and A too (complementary): only the total remains.
    assert ev.organizations.cells == () and ev.organizations.hidden


@pytest.mark.django_db
def test_no_evidence_below_the_threshold(city, world):
    for _ in range(9):
        closed_case(city, world, world["sogo"], world["lead_a"], cutoff() - dt.timedelta(days=3))
    assert evidence_for(city, ["care"]) == []


@pytest.mark.django_db
def test_large_cells_are_shown(city, world):
    at = cutoff() - dt.timedelta(days=40)
    for window, lead in itertools.chain(
        itertools.repeat((world["sogo"], world["lead_a"]), 12),
        itertools.repeat((world["jiritsu"], world["lead_b"]), 10),
    ):
        closed_case(city, world, window, lead, at)
    [ev] = evidence_for(city, ["care"])
    assert [(c.label, c.count) for c in ev.windows.cells] == [
        ("福祉の総合相談窓口", 12),
        ("くらし・しごと相談窓口", 10),
    ]
    assert [(c.label, c.count) for c in ev.organizations.cells] == [("主担当機関A", 12), ("主担当機関B", 10)]


@pytest.mark.django_db
def test_the_navigator_result_shows_only_published_cells(client, city, world):
    at = cutoff() - dt.timedelta(days=40)
    for window, lead in [(world["sogo"], world["lead_a"])] * 12 + [(world["jiritsu"], world["lead_b"])] * 3:
        closed_case(city, world, window, lead, at)
    html = client.get(f"/navigator/{city.code}/result/?c=care").content.decode()
    assert "支援が終わったケース 15件" in html
    assert "主担当機関B" not in html and "主担当機関A" not in html  # 12 would reveal B's 3
    assert "件数が少ないため表示しません" in html
