"""How the audit screens name cases, and which cases belong to a person (access/targets.py).

Registered in CasesConfig.ready(). A case is named by its number only (ケース 2026-0003); the persons and
households next to it in an audit row are named by people, which the reading screen records.
"""

from __future__ import annotations

from django.db.models import Q

from tsunagu.access.targets import Target

from .models import Case


def describe_cases(municipality_id: int, ids: list[int]) -> dict[int, str]:
    rows = Case.objects.filter(municipality_id=municipality_id, pk__in=ids).only("number", "opened_at")
    return {case.pk: f" {case.label}" for case in rows}


def cases_of(municipality_id: int, person_ids: list[int]) -> dict[int, list[Target]]:
    """The cases naming the person, or opened for a household the person is a member of."""
    related: dict[int, list[Target]] = {}
    rows = (
        Case.objects.filter(municipality_id=municipality_id)
        .filter(Q(persons__in=person_ids) | Q(household__members__person_id__in=person_ids))
        .values_list("pk", "persons", "household__members__person_id")
        .distinct()
    )
    wanted = set(person_ids)
    for case_id, named, member in rows:
        for person_id in {named, member} & wanted:
            targets = related.setdefault(person_id, [])
            if ("case", case_id) not in targets:
                targets.append(("case", case_id))
    return related
