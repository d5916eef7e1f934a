"""One home each (issue 8 C4): the plan in force, the active-consent condition and the casework role set
are each defined once and used everywhere; the actions a screen calls are durable transactions; audit
details of a change say old → new."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from django.db import transaction

import tsunagu
from tsunagu.access.models import AuditEvent
from tsunagu.cases import actions
from tsunagu.cases.models import Consent

from .helpers import make_world

SOURCE = Path(tsunagu.__file__).resolve().parent


def sources(*, tests: bool = True) -> dict[str, str]:
    return {
        str(p.relative_to(SOURCE)): p.read_text(encoding="utf-8")
        for p in SOURCE.rglob("*.py")
        if "migrations" not in p.parts and (tests or "tests" not in p.parts)
    }


def where(pattern: str, *, tests: bool = True) -> set[str]:
    rx = re.compile(pattern)
    return {name for name, text in sources(tests=tests).items() if rx.search(text)}


def test_the_plan_in_force_is_found_in_one_place():
    """Only cases/current.py decides which plan version is in force (skipping superseded ones)."""
    assert where(r"exclude\(\s*status=PlanStatus\.SUPERSEDED", tests=False) == {"cases/current.py"}
    assert where(r"def current_plans?\b|def _current_plan\b", tests=False) == set()


def test_the_active_consent_condition_is_written_once():
    assert where(r"expires_on__gte", tests=False) == {"core/consent_terms.py"}
    assert not hasattr(Consent, "is_active")  # a second, Python-side definition that could drift


def test_the_casework_role_set_is_defined_once():
    rx = (
        r"WINDOW_WORKER[^\n]*COORDINATOR[^\n]*AGENCY_WORKER|AGENCY_WORKER[^\n]*COORDINATOR[^\n]*WINDOW_WORKER"
    )
    # In the code: the access matrix test states the roles it expects on purpose, independently.
    assert where(rx, tests=False) == {"access/permissions.py"}
    helpers = (SOURCE / "cases" / "tests" / "helpers.py").read_text(encoding="utf-8")
    assert "CASEWORK_ROLES" not in helpers  # a second copy the case tests kept


def test_view_helpers_promise_only_what_they_check():
    """`_is_case_coordinator(staff, case)` ignored the case: it only asked for the permission."""
    assert where(r"def _is_case_coordinator|def _require_coordinator\(", tests=False) == set()


@pytest.mark.django_db
def test_screen_actions_are_durable_transactions():
    """Called inside another transaction they refuse, instead of writing what a later rollback could
    undo after the audit row said it happened."""
    w = make_world()
    case = w.case
    calls = {
        "transition": lambda: actions.transition(
            actor=w.coordinator, case=case, version=case.version, to="assessment"
        ),
        "withdraw": lambda: actions.withdraw_consent(
            actor=w.coordinator, consent=w.consents["active"], note="撤回"
        ),
        "reopen": lambda: actions.reopen_case(
            actor=w.coordinator, case=case, version=case.version, reason="再開"
        ),
    }
    for name, call in calls.items():
        with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
            call()
        assert name
    # The three a meeting's decision makes (meetings/decisions.py) compose inside its transaction instead.
    for action in (actions.record_monitoring, actions.close_case, actions.agree_plan_in_meeting):
        assert "durable=True" not in inspect.getsource(action).split("def ", 1)[0]


@pytest.mark.django_db
def test_audit_details_of_a_change_say_old_and_new():
    w = make_world()
    member = w.team_member()
    actions.set_team_member(actor=w.coordinator, case=w.case, organization=member.organization, role="lead")
    assert AuditEvent.objects.latest("seq").detail["role"] == ["cooperating", "lead"]
    action = w.plan.actions.get()
    actions.set_action_status(actor=w.coordinator, action=action, status="done")
    assert AuditEvent.objects.latest("seq").detail["status"] == ["planned", "done"]
    case = actions.transition(actor=w.coordinator, case=w.case, version=w.case.version, to="assessment")
    detail = AuditEvent.objects.latest("seq").detail
    assert detail["status"] == ["intake", "assessment"] and detail["version"] == [
        case.version - 1,
        case.version,
    ]
    actions.save_assessment(
        actor=w.coordinator,
        case=case,
        based_on=1,
        person_wish="",
        summary="",
        areas={},
        change_reason="見直し",
    )
    assert AuditEvent.objects.latest("seq").detail["version"] == [1, 2]
