"""The built-in steps of `manage.py generate_history` (imported by the command like any app's history.py)."""

from . import (
    audit_steps,
    cases_steps,
    community_steps,
    intake_steps,
    matching_steps,
    meetings_steps,
    notebook_steps,
    outreach_steps,
    participation_steps,
    people_steps,
)

__all__ = [
    "audit_steps",
    "cases_steps",
    "community_steps",
    "intake_steps",
    "matching_steps",
    "meetings_steps",
    "notebook_steps",
    "outreach_steps",
    "participation_steps",
    "people_steps",
]
