"""誰についての相談か: the household member each concern being entered is about.

The intake form shows, beside the escalation advice, one select per ticked concern (`subject_<concern id>`)
listing the members of the chosen person's household, the person consulting first and chosen by default.
A new person has no household yet: every concern is about them, and what was typed about them (birth date
or estimated age, nationality, language need) already counts in the advice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from tsunagu.accounts.models import Staff
from tsunagu.core.dates import DateKind
from tsunagu.core.forms import JapaneseDateField, StrictIntegerField
from tsunagu.core.numbers import parse_id, parse_ids
from tsunagu.municipalities.models import ConcernType, Municipality
from tsunagu.people import policy as people_policy
from tsunagu.people.models import Household, HouseholdMember, Person

from .escalation import ConcernAbout

PREFIX = "subject_"
INVALID = "「誰についての相談か」には、この世帯の人を選んでください。"


def field_name(concern: ConcernType) -> str:
    return f"{PREFIX}{concern.pk}"


@dataclass(frozen=True)
class SubjectRow:
    concern: ConcernType
    subject_id: int | None


@dataclass(frozen=True)
class Entering:
    """The person being recorded, their household and members, and the concerns with their members."""

    person: Person | None
    household: Household | None
    members: list[HouseholdMember]
    items: list[ConcernAbout]
    rows: list[SubjectRow]
    invalid: bool  # a posted member that is not one of the household's

    @property
    def person_ids(self) -> list[int]:
        return [m.person_id for m in self.members]


def _typed_person(data: Mapping[str, str]) -> Person:
    """An unsaved person from what was typed for a new person (only what counts: age, nationality, language)."""
    birth: dt.date | None = None
    age: int | None = None
    try:
        birth = JapaneseDateField(kind=DateKind.BIRTH, required=False).clean(data.get("birth_date", ""))
    except forms.ValidationError:
        birth = None
    try:
        age = StrictIntegerField(required=False, min_value=0, max_value=120).clean(
            data.get("estimated_age", "")
        )
    except forms.ValidationError:
        age = None
    return Person(
        birth_date=birth,
        estimated_age=age,
        nationality=str(data.get("nationality", ""))[:40],
        language_needs=str(data.get("language_needs", ""))[:100],
    )


def entering(staff: Staff, data: Mapping[str, str], concerns: Sequence[ConcernType]) -> Entering:
    """Resolve the chosen person (only among those `staff` may find), the household's members and, for
    each concern, the member it is about (the posted `subject_<id>`, else the person consulting)."""
    choice = str(data.get("person_choice", "") or "")
    if choice == "new":
        typed = _typed_person(data)
        return Entering(None, None, [], [ConcernAbout(concern=c, subject=typed) for c in concerns], [], False)
    chosen_id = parse_id(choice)
    person = (
        people_policy.visible_persons(staff).filter(pk=chosen_id).first() if chosen_id is not None else None
    )
    if person is None:
        return Entering(None, None, [], [ConcernAbout(concern=c) for c in concerns], [], invalid=False)
    membership = person.memberships.select_related("household").order_by("pk").first()
    household = membership.household if membership else None
    members = list(household.members.select_related("person").order_by("pk")) if household is not None else []
    # The person consulting first, then the household in its own order.
    members.sort(key=lambda m: m.person_id != person.pk)
    by_id = {m.person_id: m.person for m in members}
    items: list[ConcernAbout] = []
    rows: list[SubjectRow] = []
    invalid = False
    for concern in concerns:
        raw = data.get(field_name(concern), "")
        posted = parse_id(str(raw)) if raw else None
        if raw and posted not in by_id:
            invalid = True
        subject = by_id.get(posted, person) if posted is not None else person
        items.append(ConcernAbout(concern=concern, subject=subject))
        rows.append(SubjectRow(concern=concern, subject_id=subject.pk))
    return Entering(person, household, members, items, rows, invalid=invalid)


def entering_posted(staff: Staff, municipality: Municipality, data: QueryDict) -> Entering:
    """`entering` for the posted intake form: the ticked concerns of the city, in the taxonomy's order."""
    ids = parse_ids(data.getlist("concerns"))
    concerns = list(ConcernType.objects.filter(municipality=municipality, active=True, pk__in=ids))
    return entering(staff, data, concerns)


def subjects_to_record(entry: Entering) -> dict[int, Person]:
    """{concern id: member} for the concerns not about the person consulting (stored as ConcernSubject)."""
    return {
        item.concern.pk: item.subject
        for item in entry.items
        if item.subject is not None and entry.person is not None and item.subject.pk != entry.person.pk
    }
