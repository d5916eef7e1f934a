"""What one household page computes once and several of its parts share.

The household view, its panels (`panels.py`), its timeline sources (`timeline.py`) and its diagrams all
ask about the same household for the same reader: its members, its cases, its consultations. Each part
stays filtered by its own app's policy; `once` only makes sure that the same question, asked twice
during one page, is answered by one query. The view opens the memo with `for_page(household)` on the
`Household` instance it fetched for this request (`policy.get_household_for`); the answers go away with
that instance: nothing is kept between requests or shared between readers (the key includes the
reader). Anywhere else (another screen, a test holding one instance while the data changes) `once`
simply computes every time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tsunagu.accounts.models import Staff

from .models import Household, HouseholdMember

T = TypeVar("T")
_ATTR = "_household_page_once"


def for_page(household: Household) -> Household:
    """Start answering questions about `household` once (the household view, for one request)."""
    household.__dict__[_ATTR] = {}
    return household


def once(household: Household, staff: Staff | None, key: str, compute: Callable[[], T]) -> T:
    """`compute()` the first time `key` is asked about `household` for `staff` (None: the same for every
    reader) during this page; the stored answer afterwards. Outside `for_page`: `compute()`."""
    memo: dict[tuple[Any, str], Any] | None = household.__dict__.get(_ATTR)
    if memo is None:
        return compute()
    slot = (None if staff is None else staff.pk, key)
    if slot not in memo:
        memo[slot] = compute()
    return memo[slot]  # type: ignore[no-any-return]


def members(household: Household) -> list[HouseholdMember]:
    """The household's members with their persons, in the order they were added (one query a page)."""
    return once(
        household,
        None,
        "people.members",
        lambda: list(household.members.select_related("person").order_by("pk")),
    )
