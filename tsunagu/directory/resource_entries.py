"""Between a validated `ResourceEntry` (profile section, import row) and the `Resource` columns.

One mapping both ways, so a profile load, a CSV/Excel import and an export read and write the same
fields: `entry_values` turns an entry into column values, `resource_entry` turns a row back into the
entry's plain data (what an export writes and an import of that export reads back).
"""

from __future__ import annotations

from typing import Any

from tsunagu.municipalities.models import Area

from .models import Organization
from .profile_schema import WEEKDAY_CODES, ResourceEntry
from .resource_models import Resource


def entry_values(
    entry: ResourceEntry, organizations: dict[str, Organization], areas: dict[str, Area]
) -> dict[str, Any]:
    """Column values for `entry`; its organization and area keys must be in the given maps (checked before)."""
    return {
        "name": entry.name,
        "kind": entry.kind,
        "description": entry.description,
        "organization": organizations[entry.organization] if entry.organization else None,
        "operator_name": entry.operator,
        "area": areas[entry.area] if entry.area else None,
        "address": entry.address,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
        "weekdays": entry.weekday_values(),
        "time_slots": list(entry.time_slots),
        "schedule_text": entry.schedule,
        "welcomes": entry.welcomes,
        "age_min": entry.age_min,
        "age_max": entry.age_max,
        "domains": list(entry.domains),
        "activities": list(entry.activities),
        "accessibility": list(entry.accessibility),
        "accessibility_note": entry.accessibility_note,
        "languages": list(entry.languages),
        "group_size": entry.group_size or "",
        "capacity": entry.capacity,
        "cost_yen": entry.cost_yen,
        "cost_note": entry.cost_note,
        "phone": entry.phone or "",
        "email": entry.email,
        "url": entry.url,
        "contact_name": entry.contact_name,
        "business_lines": list(entry.business_lines),
        "accepts_referrals": entry.accepts_referrals,
        "starts_on": entry.starts_on,
        "ends_on": entry.ends_on,
    }


def resource_entry(r: Resource) -> dict[str, Any]:
    """The entry data of a stored resource (keys as in `[[resources]]`); empty values left out."""
    data: dict[str, Any] = {
        "key": r.key,
        "name": r.name,
        "kind": r.kind,
        "description": r.description,
        "organization": r.organization.key if r.organization is not None else None,
        "operator": r.operator_name,
        "area": r.area.key if r.area is not None else None,
        "address": r.address,
        "latitude": r.latitude,
        "longitude": r.longitude,
        "weekdays": [WEEKDAY_CODES[d] for d in r.weekdays if 0 <= d < len(WEEKDAY_CODES)],
        "time_slots": list(r.time_slots),
        "schedule": r.schedule_text,
        "welcomes": r.welcomes,
        "age_min": r.age_min,
        "age_max": r.age_max,
        "domains": list(r.domains),
        "activities": list(r.activities),
        "accessibility": list(r.accessibility),
        "accessibility_note": r.accessibility_note,
        "languages": list(r.languages),
        "group_size": r.group_size or None,
        "capacity": r.capacity,
        "cost_yen": r.cost_yen,
        "cost_note": r.cost_note,
        "phone": r.phone or None,
        "email": r.email,
        "url": r.url,
        "contact_name": r.contact_name,
        "business_lines": list(r.business_lines),
        "accepts_referrals": r.accepts_referrals,
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
    }
    return {k: v for k, v in data.items() if v not in (None, "", [])}
