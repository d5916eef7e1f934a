"""The visibility registry: upper apps widen a lower app's read rule without being imported by it."""

import pytest
from django.db.models import Q

from tests.factories import make_staff
from tsunagu.access import registry
from tsunagu.accounts.models import Role
from tsunagu.intake.policy import CONSULTATION, visible_consultations
from tsunagu.intake.tests.helpers import make_city, record


@pytest.fixture
def clean_registry(monkeypatch):
    """Registrations made by a test do not outlive it."""
    monkeypatch.setattr(registry, "_KINDS", dict(registry._KINDS))
    monkeypatch.setattr(registry, "_RULES", {k: dict(v) for k, v in registry._RULES.items()})


def test_cases_registers_its_consent_rule_for_intakes_consultations():
    names = [r.name for r in registry.visibility_rules(CONSULTATION)]
    assert "cases.consented_persons" in names


def test_registering_for_an_undeclared_kind_is_an_error(clean_registry):
    with pytest.raises(KeyError, match="not declared"):
        registry.register_visibility("no_such_kind", "x.y", lambda staff, at: None)


def test_a_name_cannot_be_registered_twice_with_another_rule(clean_registry):
    registry.declare_record_kind("thing", "people.Person")

    def one(staff, at):
        return None

    registry.register_visibility("thing", "app.rule", one)
    registry.register_visibility("thing", "app.rule", one)  # idempotent
    with pytest.raises(ValueError, match="already registered"):
        registry.register_visibility("thing", "app.rule", lambda staff, at: None)
    with pytest.raises(ValueError, match="already declared"):
        registry.declare_record_kind("thing", "people.Household")


@pytest.mark.django_db
def test_a_contributor_that_grants_everything_is_refused(clean_registry):
    city = make_city()
    registry.register_visibility(CONSULTATION, "test.everything", lambda staff, at: Q())
    with pytest.raises(ValueError, match="empty Q"):
        list(visible_consultations(city.agency_worker))


@pytest.mark.django_db
def test_a_registered_rule_widens_only_inside_the_staff_members_city(clean_registry):
    city = make_city()
    other = make_city(code="012025", name="別の市")
    mine = record(city, city.window_worker, "not_consented")
    theirs = record(other, other.window_worker, "not_consented")
    reader = make_staff(city.muni, Role.AGENCY_WORKER, city.agency_org)
    assert mine not in visible_consultations(reader)
    # A careless rule that names every consultation of every city still cannot cross the city line.
    registry.register_visibility(
        CONSULTATION, "test.all_ids", lambda staff, at: Q(pk__in=[mine.pk, theirs.pk])
    )
    visible = set(visible_consultations(reader))
    assert mine in visible
    assert theirs not in visible


@pytest.mark.django_db
def test_contributors_are_not_consulted_for_staff_outside_casework(clean_registry):
    city = make_city()
    mine = record(city, city.window_worker, "consented")
    calls = []

    def rule(staff, at):
        calls.append(staff.pk)
        return Q(pk=mine.pk)

    registry.register_visibility(CONSULTATION, "test.counting", rule)
    assert not visible_consultations(city.auditor).exists()
    assert not visible_consultations(city.manager).exists()
    assert calls == []
