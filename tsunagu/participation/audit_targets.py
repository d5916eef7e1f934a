"""How the audit log names participation records, and which records belong to a person."""

from __future__ import annotations

from tsunagu.access.targets import Target

from .models import SupportRecord


def describe_records(municipality_id: int, ids: list[int]) -> dict[int, str]:
    """参加支援 No.3 (never a name: the person is a separate, named audit object)."""
    rows = SupportRecord.objects.filter(municipality_id=municipality_id, pk__in=ids).values_list(
        "pk", flat=True
    )
    return {pk: f" No.{pk}" for pk in rows}


def records_of(municipality_id: int, person_ids: list[int]) -> dict[int, list[Target]]:
    out: dict[int, list[Target]] = {}
    rows = SupportRecord.objects.filter(municipality_id=municipality_id, person_id__in=person_ids)
    for person_id, pk in rows.values_list("person_id", "pk"):
        out.setdefault(person_id, []).append(("supportrecord", pk))
    return out
