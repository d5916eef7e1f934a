"""When a consent is in force: the one definition, for every app that records consents (cases' 本人同意,
participation's consent to a receiving organization). A consent row has `given_on`, `expires_on` (empty: no
end) and `withdrawn_at` (empty: not withdrawn)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone


def in_force_on(day: dt.date) -> Q:
    """Given by `day` and not expired on it (withdrawal is checked against the caller's moment)."""
    return Q(given_on__lte=day) & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))


def active_at(at: dt.datetime) -> Q:
    """In force at the moment `at`: given, not expired, not withdrawn."""
    day = timezone.localtime(at).date()
    return in_force_on(day) & (Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
