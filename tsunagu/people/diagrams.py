"""The genogram and ecomap of a household for the household page, drawn under the reader's access.

The genogram shows the members and the relatives the reader may see (`people.policy`); the ecomap
shows the organizations that upper apps report through `register_ecomap_source` (cases registers the
teams of the household's cases the reader may open). Nothing here is audited: the view records
`person_ids` with the page it renders.

Wiring in the household view, after `get_household_for(staff, household_id)`::

    diagrams = household_diagrams(hh, staff=staff)
    audit.record(..., objects=[("household", hh.pk), *[("person", i) for i in diagrams.person_ids], ...])
    return render(request, ..., {..., "diagrams": diagrams})

and in its template: ``{% include "people/_household_diagrams.html" %}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from tsunagu.accounts.models import Staff
from tsunagu.documents.ecomap import EcoEntity, Ecomap, render_ecomap
from tsunagu.documents.genogram import render_genogram

from . import policy
from .genogram_data import ecomap_members, household_genogram
from .models import Household, HouseholdMember, PersonRelationship

EcomapSource = Callable[[Household, Staff], list[EcoEntity]]
_ECOMAP_SOURCES: list[EcomapSource] = []


def register_ecomap_source(source: EcomapSource) -> None:
    """Let an upper app add entities (organizations, resources) around a household, for a reader.

    The source must return only what `staff` may see; it is called once per household page.
    """
    if source not in _ECOMAP_SOURCES:
        _ECOMAP_SOURCES.append(source)


@dataclass(frozen=True)
class HouseholdDiagrams:
    genogram_svg: SafeString
    ecomap_svg: SafeString | None  # None: no organization around the household that the reader may see
    person_ids: tuple[int, ...]  # every person drawn or listed, for the caller's audit record
    inferred: bool  # some genogram lines come from 続柄, not from recorded relationships


def household_diagrams(
    household: Household,
    *,
    staff: Staff,
    subjects: Collection[int] = (),
    today: dt.date | None = None,
    members: Sequence[HouseholdMember] | None = None,
    relationships: Sequence[PersonRelationship] | None = None,
) -> HouseholdDiagrams:
    """`members` and `relationships`: what the household page has already read (see
    `genogram_data.household_genogram`)."""
    data = household_genogram(
        household,
        visible=policy.visible_persons(staff),
        subjects=subjects,
        today=today,
        members=members,
        relationships=relationships,
    )
    entities: dict[str, EcoEntity] = {}
    for source in _ECOMAP_SOURCES:
        for e in source(household, staff):
            entities.setdefault(e.key, e)
    ecomap = None
    if entities:
        ecomap = render_ecomap(
            Ecomap(members=ecomap_members(data.genogram), entities=tuple(entities.values()))
        )
    # Our own SVG: every text in it is XML-escaped by tsunagu.documents.svg.
    return HouseholdDiagrams(
        genogram_svg=mark_safe(render_genogram(data.genogram)),  # noqa: S308
        ecomap_svg=mark_safe(ecomap) if ecomap else None,  # noqa: S308
        person_ids=data.person_ids,
        inferred=data.inferred,
    )
