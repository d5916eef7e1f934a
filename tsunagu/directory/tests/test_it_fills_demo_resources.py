"""The demo step registers varied community resources once, audited, in the demo city's own areas."""

from __future__ import annotations

from tests.factories import make_area, make_municipality, make_organization, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.core.demo import DemoWorld, demo_steps
from tsunagu.directory.resource_demo import DEMO_RESOURCES, demo_step
from tsunagu.directory.resource_models import Resource


def test_demo_resources_are_varied_and_written_once(db):
    muni = make_municipality("デモ市", code="011002")
    areas = [make_area(muni, "東地区"), make_area(muni, "西地区")]
    council = make_organization(muni, "デモ市社会福祉協議会", kind="social_welfare_council")
    coordinator = make_staff(muni, Role.COORDINATOR)
    world = DemoWorld(municipality=muni, staff={Role.COORDINATOR: coordinator}, seed=1)
    assert "15 件" in demo_step(world)
    rows = list(Resource.objects.filter(municipality=muni))
    assert len(rows) == len(DEMO_RESOURCES) == 15
    assert len({r.kind for r in rows}) >= 8
    assert {d for r in rows for d in r.weekdays} == set(range(7))
    assert {t for r in rows for t in r.time_slots} == {"morning", "afternoon", "evening"}
    assert {r.area for r in rows} == {None, *areas}
    assert any(r.organization == council for r in rows) and any(r.operator_name for r in rows)
    assert {r.cost_yen for r in rows} >= {0, 100, 500} and any(not r.accepts_referrals for r in rows)
    assert AuditEvent.objects.filter(action="create", actor=coordinator).count() == 15
    # Again: nothing new.
    assert "既にあります" in demo_step(world)
    assert Resource.objects.filter(municipality=muni).count() == 15
    assert [s.name for s in demo_steps()].index("resources") < [s.name for s in demo_steps()].index("cases")
