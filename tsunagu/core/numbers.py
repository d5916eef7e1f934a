"""Reading ids and numbers from a request: one strict helper for every view and form.

Python's int() reads far more than a person types into a number field: "²" passes str.isdigit() and
then makes int() raise, "٣" (Arabic-Indic three) and "３" become 3, and a 30-digit number overflows
SQLite's 64-bit integers and PostgreSQL's `integer` columns. Each of those was a 500 (issue 9 A7).
Here a number is ASCII digits with an optional minus sign, and it must fit the database column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# django.db.models.IntegerField on PostgreSQL (SQLite stores 64 bits, the narrower range binds).
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
# Primary keys are BigAutoField (settings.DEFAULT_AUTO_FIELD): bigint on PostgreSQL, int64 on SQLite.
DB_ID_MAX = 2**63 - 1

# ASCII only: `\d` would accept every script's decimal digits. 19 digits hold any int64.
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_int(value: object, *, minimum: int | None = 0, maximum: int | None = DB_INT_MAX) -> int | None:
    """The integer `value` spells, or None when it is not ASCII digits or lies outside [minimum, maximum].

    An int passes through (range-checked); a bool, a float or anything else is None.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        number = int(value)
    else:
        return None
    if minimum is not None and number < minimum:
        return None
    if maximum is not None and number > maximum:
        return None
    return number


def parse_id(value: object) -> int | None:
    """A primary key from a request (query parameter, form field): 1 … 2**63-1, or None."""
    return parse_int(value, minimum=1, maximum=DB_ID_MAX)


def parse_ids(values: Iterable[object]) -> list[int]:
    """The well-formed ids among `values`, in order, without repeats; malformed ones are dropped."""
    seen: dict[int, None] = {}
    for value in values:
        number = parse_id(value)
        if number is not None:
            seen.setdefault(number, None)
    return list(seen)


def looks_like_a_number(value: str) -> bool:
    """ASCII digits with an optional minus sign, of any length (to tell "too big" from "not a number")."""
    digits = value[1:] if value.startswith("-") else value
    return digits.isascii() and digits.isdigit()
