"""The ecomap of a case (team and plan organizations around the household), and the household page's
genogram and ecomap, which show only what the reader may see."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from tests.factories import make_organization, make_staff
from tsunagu.accounts.models import Role
from tsunagu.cases import actions
from tsunagu.cases.ecomap_data import case_ecomap, case_entities, household_ecomap_entities
from tsunagu.cases.models import Case, CaseStatus, TeamRole
from tsunagu.documents.ecomap import Flow, Tie, render_ecomap
from tsunagu.documents.tests.svgcheck import eco_problems, parse_ecomap
from tsunagu.people.diagrams import household_diagrams
from tsunagu.people.genogram_data import household_genogram

from .helpers import make_world, plan_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = make_world()
    coord = w.coordinator
    actions.set_team_member(actor=coord, case=w.case, organization=w.orgs["team"], role=TeamRole.LEAD)
    actions.set_team_member(
        actor=coord, case=w.case, organization=w.orgs["expired"], role=TeamRole.INFORMATION
    )
    clinic = make_organization(w.city.muni, name="○○クリニック", kind="medical")
    actions.save_plan(
        actor=coord,
        case=w.case,
        data=plan_input("通院", clinic),
        plan=w.plan,
        edit_version=w.plan.edit_version,
    )
    w.extra["clinic"] = clinic
    return w


def test_the_case_team_and_plan_organizations_surround_the_household(world):
    entities = {e.name: e for e in case_entities([world.case])}
    assert set(entities) == {
        "地域包括支援センター",
        "障害者相談支援事業所",
        "子ども家庭支援センター",
        "社会福祉協議会",
        "○○クリニック",
    }
    lead = entities["地域包括支援センター"]
    assert (lead.tie, lead.flow, lead.note, lead.category) == (
        Tie.STRONG,
        Flow.TO_HOUSEHOLD,
        "主担当",
        "福祉・介護",
    )
    info = entities["子ども家庭支援センター"]
    assert (info.tie, info.flow, info.note) == (Tie.WEAK, Flow.NONE, "情報提供")
    assert entities["社会福祉協議会"].tie == Tie.NORMAL
    clinic = entities["○○クリニック"]  # carries a plan action without being on the team
    assert (clinic.tie, clinic.flow, clinic.category) == (Tie.NORMAL, Flow.TO_HOUSEHOLD, "医療")
    assert clinic.note.startswith("通院")
    data = household_genogram(world.household, visible=None, subjects=[world.p1.pk])
    ecomap = case_ecomap(world.case, data.genogram)
    assert [m.subject for m in ecomap.members] == [True, False]
    d = parse_ecomap(render_ecomap(ecomap))
    assert eco_problems(d) == [] and len(d.entities) == 5


def test_the_household_page_shows_only_what_the_reader_may_see(world):
    city = world.city
    hh = world.household
    coordinator = household_diagrams(hh, staff=world.coordinator)
    assert coordinator.ecomap_svg is not None and "地域包括支援" in coordinator.ecomap_svg
    assert set(coordinator.person_ids) == {world.p1.pk, world.p2.pk}
    # On the team with consent: the same organizations.
    assert {e.key for e in household_ecomap_entities(hh, city.agency_worker)} == {
        e.key for e in household_ecomap_entities(hh, world.coordinator)
    }
    # On the team without consent, or a window worker: the case's organizations stay hidden.
    unnamed = make_staff(city.muni, Role.AGENCY_WORKER, world.orgs["unnamed"])
    for reader in (unnamed, city.window_worker):
        diagrams = household_diagrams(hh, staff=reader)
        assert diagrams.ecomap_svg is None and household_ecomap_entities(hh, reader) == []
        assert "地域包括支援" not in diagrams.genogram_svg
    # Another city learns nothing.
    assert household_ecomap_entities(hh, world.other.coordinator) == []
    # A closed case no longer surrounds the household.
    Case.objects.filter(pk=world.case.pk).update(status=CaseStatus.CLOSED)
    assert household_ecomap_entities(hh, world.coordinator) == []


def test_the_include_renders_both_drawings_and_says_when_there_is_no_ecomap(world):
    html = render_to_string(
        "people/_household_diagrams.html",
        {"diagrams": household_diagrams(world.household, staff=world.coordinator)},
    )
    assert html.count("<svg") == 2 and "ジェノグラム" in html and "エコマップ" in html
    assert "&lt;svg" not in html  # not escaped twice
    window = household_diagrams(world.household, staff=world.city.window_worker)
    html = render_to_string("people/_household_diagrams.html", {"diagrams": window})
    assert html.count("<svg") == 1 and "関係機関の記録はありません" in html
