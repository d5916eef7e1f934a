"""What referrals (つなぎ) add to people's household page: each step of a referral on the timeline, and a
panel with the household's open referrals and 「ほかの窓口へつなぐ」.

Registered in IntakeConfig.ready(); only referrals whose content the staff member may read are shown
(`referral_policy.referrals_with_content`): a receiver without the resident's consent does not learn
from the household page that this household was referred.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.http import HttpRequest

from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.panels import HouseholdPanelSource, Panel
from tsunagu.people.timeline import TimelineEntry, TimelineSource

from . import referral_policy as policy
from .household import consultation_summary
from .referral_models import OPEN_REFERRAL_STATUSES, ReferralEvent

REFERRALS = "intake.referral"


def referral_rows(staff: Staff, household: Household) -> QuerySet[ReferralEvent]:
    readable = policy.referrals_with_content(staff).filter(household=household)
    return ReferralEvent.objects.filter(municipality_id=household.municipality_id, referral__in=readable)


def referral_entries(
    staff: Staff, household: Household, rows: QuerySet[ReferralEvent]
) -> Sequence[TimelineEntry]:
    rows = rows.select_related(
        "by",
        "organization",
        "referral__person",
        "referral__from_organization",
        "referral__to_organization",
    )
    return [
        TimelineEntry(
            at=e.at,
            source=REFERRALS,
            pk=e.pk,
            template="intake/_timeline_referral.html",
            obj=e,
            audit_objects=(("referral", e.referral_id), ("person", e.referral.person_id)),
            label="窓口間のつなぎ",
        )
        for e in rows
    ]


def referral_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    """The household's open referrals the staff member may read, and the way to send one."""
    if staff.organization_id is None:
        return None
    summary = consultation_summary(staff, household)
    open_referrals = (
        list(
            policy.referrals_with_content(staff)
            .filter(household=household, status__in=OPEN_REFERRAL_STATUSES)
            .select_related("person", "from_organization", "to_organization")
            .order_by("due_on", "pk")
        )
        if summary.open_referrals
        else []
    )
    # The newest consultation the staff member's organization recorded rides in the link (its id only):
    # the referral then names it, and the receiver with consent reads it.
    newest = summary.newest_own
    objects: list[tuple[str, int]] = []
    for r in open_referrals:
        objects += [("referral", r.pk), ("person", r.person_id)]
    return Panel(
        template="intake/_household_referral.html",
        context={"household": household, "open_referrals": open_referrals, "consultation": newest},
        audit_objects=tuple(objects),
    )


TIMELINE_SOURCES = (
    TimelineSource(
        key=REFERRALS, label="窓口間のつなぎ", rows=referral_rows, at_field="at", entries=referral_entries
    ),
)
PANELS = (HouseholdPanelSource(key="intake.referral", slot="actions", order=30, build=referral_panel),)


def register_referrals() -> None:
    """Called from IntakeConfig.ready() after the "consultation" record kind is declared: the household
    page's timeline source and panel, and the registry rule by which a referral with content shared
    opens the consultation it came from to the receiving organization."""
    from tsunagu.access.registry import register_visibility
    from tsunagu.people.panels import register_household_panel
    from tsunagu.people.timeline import register_timeline_source

    from .policy import CONSULTATION

    for source in TIMELINE_SOURCES:
        register_timeline_source(source)
    for panel in PANELS:
        register_household_panel(panel)
    register_visibility(
        CONSULTATION,
        policy.CONSULTATION_RULE,
        policy.referred_consultations,
        label=policy.CONSULTATION_RULE_LABEL,
        narrowed=policy.referred_consultations_within,
    )
