"""Who may read which participation support records (参加支援, 第2号), and what the receiving side sees.

Only casework staff of the record's municipality (`access.scope.casework`) read anything. Inside it:

Supporting side (the whole record: needs, constraints, matches, follow-ups, the receiving side's reports):
1. staff of the supporting organization (支援機関) and the assigned worker (担当者);
2. the city's coordinators (束ね役);
3. staff who may open the case the record belongs to (`cases.policy.visible_cases`: team + consent …);
4. rules upper apps register for the record kind "participation_record" (`access.registry`).

Receiving side (受け入れ先: staff of the organization that runs the proposed resource), per match, only
with the person's consent naming that organization — an active case consent (`cases.policy.
active_consents`) or a participation consent (`ParticipationConsent`). They see the person's name, the
contact only where consented, the stage, the notes addressed to them and their own reports — never the
needs, constraints or case (`ReceiverView`). Without consent they see nothing: missing and forbidden are
the same `Http404`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.access.registry import widen
from tsunagu.access.scope import casework, get_for
from tsunagu.accounts.models import Role, Staff
from tsunagu.cases.policy import active_consents, visible_cases
from tsunagu.core import consent_terms
from tsunagu.people.models import Person

from .models import Match, ParticipationConsent, ReceiverReport, SupportRecord

RECORD = "participation_record"  # the record kind upper apps widen (declared in ParticipationConfig.ready)


def active_participation_consents(at: dt.datetime | None = None) -> QuerySet[ParticipationConsent]:
    """Participation consents in force at `at`: given, not expired, not withdrawn."""
    return ParticipationConsent.objects.filter(consent_terms.active_at(at or timezone.now()))


def visible_records(staff: Staff, at: dt.datetime | None = None) -> QuerySet[SupportRecord]:
    """The records `staff` may read and work at `at` (default now)."""
    cw = casework(staff)
    if cw is None:
        return SupportRecord.objects.none()
    at = at or timezone.now()
    if staff.role == Role.COORDINATOR:
        base = Q(pk__isnull=False)  # every record of the city (the municipality is filtered outside)
    else:
        base = (
            Q(organization_id=cw.organization_id)
            | Q(worker_id=staff.pk)
            | Q(case__in=visible_cases(staff, at).values("pk"))
        )
    return SupportRecord.objects.filter(municipality_id=cw.municipality_id).filter(
        widen(RECORD, staff, base=base, at=at)
    )


def get_record_for(staff: Staff, record_id: object) -> SupportRecord:
    """The record if `staff` may read it; `Http404` for missing and forbidden alike."""
    return get_for(visible_records(staff), record_id)


def record_exists(person: Person) -> bool:
    """Whether the person has a participation record — all that casework staff outside it may learn, so
    that nobody opens a second one (the caller fetched `person` through people's policy)."""
    return SupportRecord.objects.filter(municipality_id=person.municipality_id, person=person).exists()


def visible_matches(staff: Staff) -> QuerySet[Match]:
    cw = casework(staff)
    if cw is None:
        return Match.objects.none()
    return Match.objects.filter(municipality_id=cw.municipality_id, record__in=visible_records(staff))


def get_match_for(staff: Staff, match_id: object) -> Match:
    return get_for(visible_matches(staff), match_id)


def _consented(organization_id: int, at: dt.datetime) -> Q:
    by_participation = active_participation_consents(at).filter(
        record=OuterRef("record"), organization_id=organization_id
    )
    case_persons = active_consents(at).filter(organizations=organization_id).values("persons")
    return Exists(by_participation) | Q(record__person_id__in=case_persons)


def received_matches(staff: Staff, at: dt.datetime | None = None) -> QuerySet[Match]:
    """Matches at resources run by `staff`'s organization whose person consented to share with it."""
    cw = casework(staff)
    if cw is None:
        return Match.objects.none()
    at = at or timezone.now()
    return Match.objects.filter(
        municipality_id=cw.municipality_id, resource__organization_id=cw.organization_id
    ).filter(_consented(cw.organization_id, at))


def get_received_match_for(staff: Staff, match_id: object) -> Match:
    return get_for(received_matches(staff), match_id)


def contact_shared(match: Match, organization_id: int, at: dt.datetime | None = None) -> bool:
    """May the receiving organization have the person's phone? A case consent naming it shares the
    person's records with it; a participation consent only when it says so."""
    at = at or timezone.now()
    if active_consents(at).filter(organizations=organization_id, persons=match.record.person_id).exists():
        return True
    return (
        active_participation_consents(at)
        .filter(record_id=match.record_id, organization_id=organization_id, share_contact=True)
        .exists()
    )


@dataclass(frozen=True)
class ReceiverView:
    """Everything the receiving side sees of one match — and nothing else."""

    match_id: int
    version: int
    resource_name: str
    person_name: str
    person_kana: str
    phone: str  # "" unless the contact is shared
    contact_shared: bool
    stage: str
    stage_label: str
    proposed_on: dt.date
    first_participation_on: dt.date | None
    note_to_receiver: str
    reports: tuple[ReceiverReport, ...]


def receiver_view(staff: Staff, match: Match) -> ReceiverView:
    """The limited view of a match fetched through `get_received_match_for` / `received_matches`."""
    cw = casework(staff)
    if cw is None:
        raise ValueError("not a casework staff member")
    person = match.record.person
    shared = contact_shared(match, cw.organization_id)
    reports = tuple(
        ReceiverReport.objects.filter(match=match, organization_id=cw.organization_id).order_by("-on", "-pk")
    )
    return ReceiverView(
        match_id=match.pk,
        version=match.version,
        resource_name=match.resource.name,
        person_name=person.full_name,
        person_kana=person.full_kana,
        phone=person.phone if shared else "",
        contact_shared=shared,
        stage=match.stage,
        stage_label=match.get_stage_display(),
        proposed_on=match.proposed_on,
        first_participation_on=match.first_participation_on,
        note_to_receiver=match.note_to_receiver,
        reports=reports,
    )
