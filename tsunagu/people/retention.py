"""Retention of households and persons (docs/operations.md "保存期間"): what a run removes or anonymises.

People owns its rows, so the upper apps' retention steps (cases, then intake) run first and people's
step (`actions.apply_retention`) then looks at what they left, in the same transaction:

- a household of the city that has existed longer than the consultation retention period and that no row
  outside people points at any more (no case, consultation, referral, escalation request — found through
  the model graph, `core.removal.unreferenced`, so people imports no upper app) is past retention. Every
  run looks at all of them, so a household emptied by an earlier run, or whose last relationship has
  ended since, is revisited;
- such a household goes with its members and persons when only people's own rows hang on them;
- otherwise (a member belongs to another household, a family relationship or a 名寄せ record points at a
  person) the rows stay and are anonymised: the household's address and note are cleared, and each person
  whose every household is past retention and whom no row outside people points at loses name, kana,
  birth date (reduced to the age on the day of the run), address, phone, area, nationality, language
  needs and the disability flag; sex and 死亡 stay (the genogram keeps its shape). Their 名寄せ candidate
  pairs are deleted. A person still in casework elsewhere is kept as is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tsunagu.core import removal
from tsunagu.municipalities.models import Municipality

from .models import Household, HouseholdMember, Person

# What may go with a household and its members; anything else pointing at them keeps them.
PEOPLE_ONLY = frozenset(
    {
        "people.Household",
        "people.HouseholdMember",
        "people.Person",
        "people.PersonMatchCandidate",
        "people.PersonRelationship",
        "people.PersonMerge",
    }
)
# Rows of people's own that a walk may remove with a household: a relationship or a 名寄せ record keeps
# the persons (they are history someone else may still read), so they are not in this allow-list.
REMOVABLE_WITH_HOUSEHOLD = frozenset(
    {"people.Household", "people.HouseholdMember", "people.Person", "people.PersonMatchCandidate"}
)
ANONYMOUS_NAME = "匿名化済"

KEPT_ELSEWHERE = "世帯員が保存中の別の世帯にいる"
KEPT_REFERENCED = "世帯・人に他の記録が残っている（匿名化）"
KEPT_IN_CASEWORK = "人に保存中の記録が残っている"


@dataclass
class PeoplePlan:
    step: removal.RetentionStep = field(default_factory=removal.RetentionStep)
    households_to_anonymise: list[Household] = field(default_factory=list)
    persons_to_anonymise: list[Person] = field(default_factory=list)


def plan(municipality: Municipality, *, cutoff: dt.date) -> PeoplePlan:
    """What people's step would do now (reads only); the caller holds the municipality's lock."""
    p = PeoplePlan()
    past = removal.unreferenced(
        Household.objects.filter(municipality=municipality, created_at__lt=removal.start_of(cutoff)),
        within=PEOPLE_ONLY,
    )
    past_ids = set(past.values_list("pk", flat=True))
    free_persons = set(
        removal.unreferenced(
            Person.objects.filter(municipality=municipality, memberships__household__in=past_ids),
            within=PEOPLE_ONLY,
        ).values_list("pk", flat=True)
    )
    households_of: dict[int, set[int]] = {}
    for person_id, household_id in HouseholdMember.objects.filter(
        person__memberships__household__in=past_ids
    ).values_list("person_id", "household_id"):
        households_of.setdefault(person_id, set()).add(household_id)
    for key in (KEPT_ELSEWHERE, KEPT_REFERENCED, KEPT_IN_CASEWORK):
        p.step.kept[key] = []
    for household in Household.objects.filter(pk__in=past_ids).order_by("pk"):
        persons = list(Person.objects.filter(memberships__household=household).order_by("pk").distinct())
        elsewhere = [q for q in persons if households_of.get(q.pk, set()) - {household.pk}]
        if not elsewhere:
            try:
                removal.collect([household, *persons], only=REMOVABLE_WITH_HOUSEHOLD, into=p.step.removal)
                continue
            except removal.Blocked:
                pass
        p.step.kept[KEPT_ELSEWHERE if elsewhere else KEPT_REFERENCED].append(household.pk)
        if household.address or household.note:
            p.households_to_anonymise.append(household)
        for person in persons:
            if person.pk not in free_persons or not households_of.get(person.pk, set()) <= past_ids:
                p.step.kept[KEPT_IN_CASEWORK].append(person.pk)
            elif person.anonymised_on is None and person not in p.persons_to_anonymise:
                p.persons_to_anonymise.append(person)
    p.step.kept[KEPT_IN_CASEWORK] = sorted(set(p.step.kept[KEPT_IN_CASEWORK]))
    p.step.anonymised = {
        "people.Household": [h.pk for h in p.households_to_anonymise],
        "people.Person": sorted(q.pk for q in p.persons_to_anonymise),
    }
    return p


def anonymise(person: Person, today: dt.date) -> list[str]:
    """Strip the identity off `person` (in memory); returns the fields to save."""
    person.estimated_age = person.age(today)
    person.birth_date = None
    person.family_name = ANONYMOUS_NAME
    for name in ("given_name", "family_kana", "given_kana", "address", "phone", "nationality"):
        setattr(person, name, "")
    person.language_needs = ""
    person.area = None
    person.disability = False
    person.anonymised_on = today
    return [
        "estimated_age",
        "birth_date",
        "family_name",
        "given_name",
        "family_kana",
        "given_kana",
        "address",
        "phone",
        "nationality",
        "language_needs",
        "area",
        "disability",
        "anonymised_on",
        "version",
    ]
