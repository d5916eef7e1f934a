"""What intake adds to people's household page: consultations and escalation requests on the timeline,
the escalation panel (advice, pending request, 多機関協働へつなぐ) and the link to a new consultation.

Registered in IntakeConfig.ready(); every query goes through `intake.policy`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest

from tsunagu.accounts.models import Staff
from tsunagu.municipalities.models import ConcernType
from tsunagu.people.models import Household
from tsunagu.people.panels import HouseholdPanelSource, Panel
from tsunagu.people.timeline import Cursor, TimelineEntry, TimelineSource, older_than

from . import policy
from .escalation import advise
from .forms import EscalationForm
from .models import ConsultationStatus, EscalationRequest, EscalationStatus

CONSULTATIONS = "intake.consultation"
ESCALATIONS = "intake.escalation"


def consultation_entries(
    staff: Staff, household: Household, before: Cursor | None, limit: int
) -> Sequence[TimelineEntry]:
    rows = (
        policy.visible_consultations(staff)
        .filter(household=household)
        .filter(older_than(before, CONSULTATIONS, "received_at"))
        .select_related("window", "organization", "staff", "person", "referred_to")
        .prefetch_related("concerns", "concern_subjects__concern", "concern_subjects__person")
        .order_by("-received_at", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            at=c.received_at,
            source=CONSULTATIONS,
            pk=c.pk,
            template="intake/_timeline_consultation.html",
            obj=c,
            audit_objects=(
                ("consultation", c.pk),
                ("person", c.person_id),
                *[("person", s.person_id) for s in c.concern_subjects.all()],
            ),
            label="相談",
        )
        for c in rows
    ]


def hidden_consultations_note(staff: Staff, household: Household) -> str | None:
    hidden = policy.hidden_consultation_count(staff, household)
    if not hidden:
        return None
    return f"ほかに {hidden} 件の記録があります（本人の同意がないため、記録した機関の外からは内容を見られません）。"


def escalation_entries(
    staff: Staff, household: Household, before: Cursor | None, limit: int
) -> Sequence[TimelineEntry]:
    rows = (
        policy.visible_escalation_requests(staff)
        .filter(household=household)
        .filter(older_than(before, ESCALATIONS, "requested_at"))
        .select_related("organization", "requested_by", "rule", "handled_by")
        .order_by("-requested_at", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            at=r.requested_at,
            source=ESCALATIONS,
            pk=r.pk,
            template="intake/_timeline_escalation.html",
            obj=r,
            audit_objects=(("escalation_request", r.pk),),
            label="多機関協働へのつなぎ依頼",
        )
        for r in rows
    ]


def escalation_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    """Advice, the pending request or the form to ask for 多機関協働, and the open concerns the staff
    member may see."""
    visible = policy.visible_consultations(staff).filter(household=household)
    newest = visible.order_by("-received_at", "-pk").values_list("pk", flat=True).first()
    open_concerns = ConcernType.objects.filter(
        pk__in=visible.filter(status=ConsultationStatus.OPEN).values("concerns")
    ).order_by("sort_order", "pk")
    pending = (
        EscalationRequest.objects.filter(
            municipality_id=household.municipality_id, household=household, status=EscalationStatus.PENDING
        )
        .select_related("organization")
        .first()
    )
    # Who asked, and when, only to those who may see the request (issue 9 A2); others learn only that
    # one is waiting.
    pending_visible = (
        pending is not None and policy.visible_escalation_requests(staff).filter(pk=pending.pk).exists()
    )
    # Counted only from the consultations this staff member may read (issue 8 B4).
    advice = advise(staff, household)
    # The newest consultation's id only rides in the form (the request links to it); its content is
    # shown, and audited, by the timeline.
    objects = (("escalation_request", pending.pk),) if pending is not None and pending_visible else ()
    return Panel(
        template="intake/_household_escalation.html",
        context={
            "household": household,
            "advice": advice,
            "pending": pending,
            "pending_visible": pending_visible,
            "newest_consultation": newest,
            "open_concerns": list(open_concerns),
            "form": EscalationForm(initial={"household": household.pk}),
        },
        audit_objects=objects,
    )


def new_consultation_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    return Panel(template="intake/_household_new_consultation.html")


TIMELINE_SOURCES = (
    TimelineSource(
        key=CONSULTATIONS, label="相談", entries=consultation_entries, hidden_note=hidden_consultations_note
    ),
    TimelineSource(key=ESCALATIONS, label="多機関協働へのつなぎ依頼", entries=escalation_entries),
)
PANELS = (
    HouseholdPanelSource(key="intake.escalation", slot="actions", order=20, build=escalation_panel),
    HouseholdPanelSource(
        key="intake.new_consultation", slot="footer", order=10, build=new_consultation_panel
    ),
)
