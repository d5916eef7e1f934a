"""What intake adds to people's household page: consultations and escalation requests on the timeline,
the escalation panel (advice, pending request, 多機関協働へつなぐ) and the link to a new consultation.

Registered in IntakeConfig.ready(); every query goes through `intake.policy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, F, Func, Prefetch, QuerySet, Subquery
from django.http import HttpRequest

from tsunagu.access.scope import casework
from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.page import once
from tsunagu.people.panels import HouseholdPanelSource, Panel
from tsunagu.people.timeline import TimelineEntry, TimelineSource

from . import policy
from .escalation import advise_read, visible_open_concerns
from .forms import EscalationForm
from .models import ConcernSubject, Consultation, ConsultationStatus, EscalationRequest, EscalationStatus
from .referral_models import OPEN_REFERRAL_STATUSES, Referral

CONSULTATIONS = "intake.consultation"
ESCALATIONS = "intake.escalation"


def consultation_rows(staff: Staff, household: Household) -> QuerySet[Consultation]:
    return policy.visible_consultations_of_household(staff, household)


def consultation_entries(
    staff: Staff, household: Household, rows: QuerySet[Consultation]
) -> Sequence[TimelineEntry]:
    subjects = ConcernSubject.objects.select_related("concern", "person").order_by("pk")
    rows = rows.select_related("window", "organization", "staff", "person", "referred_to").prefetch_related(
        "concerns", Prefetch("concern_subjects", queryset=subjects)
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


@dataclass(frozen=True)
class ConsultationSummary:
    """What the household page's parts need to know about the household's consultations as a whole."""

    hidden: int  # how many exist that `staff` may not read (shown as a number only)
    newest: int | None  # the newest one `staff` may read
    newest_own: int | None  # the newest one `staff` may read that their own organization recorded
    any_open: bool  # whether one `staff` may read is still open (else no concern to count for advice)
    pending: int | None  # the household's pending escalation request, whoever made it
    open_referrals: bool  # whether the household has an open referral, whoever may read it


def _count(qs: QuerySet[Consultation]) -> Subquery:
    return Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def consultation_summary(staff: Staff, household: Household) -> ConsultationSummary:
    """One query a page: how many consultations are hidden from `staff`, and the newest visible ones
    (`policy.visible_consultations`), for the hidden-records note, the escalation and referral panels."""

    def read() -> ConsultationSummary:
        cw = casework(staff)
        if cw is None or household.municipality_id != cw.municipality_id:
            return ConsultationSummary(0, None, None, False, None, False)
        mine = {"municipality_id": cw.municipality_id, "household": household}
        visible = policy.visible_consultations_of_household(staff, household)
        newest = visible.order_by("-received_at", "-pk").values("pk")
        pending = EscalationRequest.objects.filter(**mine, status=EscalationStatus.PENDING).order_by("pk")
        row = (
            Household.objects.filter(pk=household.pk)
            .annotate(
                total=_count(Consultation.objects.filter(**mine)),
                shown=_count(visible),
                newest=Subquery(newest[:1]),
                newest_own=Subquery(newest.filter(organization_id=cw.organization_id)[:1]),
                any_open=Exists(visible.filter(status=ConsultationStatus.OPEN)),
                pending=Subquery(pending.values("pk")[:1]),
                open_referrals=Exists(Referral.objects.filter(**mine, status__in=OPEN_REFERRAL_STATUSES)),
            )
            .values("total", "shown", "newest", "newest_own", "any_open", "pending", "open_referrals")
            .get()
        )
        return ConsultationSummary(
            hidden=(row["total"] or 0) - (row["shown"] or 0),
            newest=row["newest"],
            newest_own=row["newest_own"],
            any_open=bool(row["any_open"]),
            pending=row["pending"],
            open_referrals=bool(row["open_referrals"]),
        )

    return once(household, staff, "intake.summary", read)


def hidden_consultations_note(staff: Staff, household: Household) -> str | None:
    hidden = consultation_summary(staff, household).hidden
    if not hidden:
        return None
    return f"ほかに {hidden} 件の記録があります（本人の同意がないため、記録した機関の外からは内容を見られません）。"


def escalation_rows(staff: Staff, household: Household) -> QuerySet[EscalationRequest]:
    return policy.visible_escalation_requests(staff).filter(household=household)


def escalation_entries(
    staff: Staff, household: Household, rows: QuerySet[EscalationRequest]
) -> Sequence[TimelineEntry]:
    rows = rows.select_related("organization", "requested_by", "rule", "handled_by")
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
    summary = consultation_summary(staff, household)
    newest = summary.newest
    # Counted only from the consultations this staff member may read (issue 8 B4).
    items = visible_open_concerns(staff, household) if summary.any_open else []
    open_concerns = sorted(
        {i.concern.pk: i.concern for i in items}.values(), key=lambda c: (c.sort_order, c.pk)
    )
    pending = (
        EscalationRequest.objects.select_related("organization").get(pk=summary.pending)
        if summary.pending is not None
        else None
    )
    # Who asked, and when, only to those who may see the request (issue 9 A2); others learn only that
    # one is waiting.
    pending_visible = pending is not None and policy.may_see_escalation_request(staff, pending)
    advice = advise_read(staff, household, items, pending)
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
            "open_concerns": open_concerns,
            "form": EscalationForm(initial={"household": household.pk}),
        },
        audit_objects=objects,
    )


def new_consultation_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    return Panel(template="intake/_household_new_consultation.html")


TIMELINE_SOURCES = (
    TimelineSource(
        key=CONSULTATIONS,
        label="相談",
        rows=consultation_rows,
        at_field="received_at",
        entries=consultation_entries,
        hidden_note=hidden_consultations_note,
    ),
    TimelineSource(
        key=ESCALATIONS,
        label="多機関協働へのつなぎ依頼",
        rows=escalation_rows,
        at_field="requested_at",
        entries=escalation_entries,
    ),
)
PANELS = (
    HouseholdPanelSource(key="intake.escalation", slot="actions", order=20, build=escalation_panel),
    HouseholdPanelSource(
        key="intake.new_consultation", slot="footer", order=10, build=new_consultation_panel
    ),
)
