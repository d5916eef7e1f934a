"""The persona base seats each role where the world asks (tests/personas.py)."""

from __future__ import annotations

import pytest

from tests.factories import make_municipality, make_organization
from tests.personas import staff_city
from tsunagu.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_one_person_per_role_in_their_organizations():
    muni = make_municipality("テスト市", code="011002")
    window, coord, agency, audit = (
        make_organization(muni, n) for n in ("窓口", "地域福祉課", "包括", "監査室")
    )
    staff = staff_city(
        muni, window_org=window, coordination_org=coord, agency_org=agency, organizations={"auditor": audit}
    )
    seats = {(p.role, p.organization_id) for p in staff.all()}
    assert seats == {
        (Role.WINDOW_WORKER, window.pk),
        (Role.COORDINATOR, coord.pk),
        (Role.AGENCY_WORKER, agency.pk),
        (Role.MANAGER, coord.pk),
        (Role.AUDITOR, audit.pk),
        (Role.ADMINISTRATOR, coord.pk),
    }
    assert {p.municipality_id for p in staff.all()} == {muni.pk}


def test_a_misspelt_role_is_refused_rather_than_ignored():
    muni = make_municipality("テスト市", code="011002")
    org = make_organization(muni, "課")
    with pytest.raises(ValueError, match="auditr"):
        staff_city(muni, window_org=org, coordination_org=org, agency_org=org, organizations={"auditr": org})
