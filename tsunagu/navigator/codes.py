"""The short code a resident shows at the window: what they chose, never what they wrote, never stored.

The code packs the chosen concerns (one bit each, in the order of the city's taxonomy), who it is about, the
age band and the danger flag into an integer written in Crockford base 32 (no I, L, O, U: nothing to misread),
followed by two check characters computed over the city code and its taxonomy order. A code made before the
city's taxonomy changed, or mistyped, is refused instead of being read as something else. Example:
`7K3Q-M2XA-9F`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(ALPHABET)} | {"O": 0, "I": 1, "L": 1}
WHO = ("", "self", "family", "other")
AGES = ("", "child", "young", "middle", "elderly", "unknown")


@dataclass(frozen=True)
class Choice:
    codes: tuple[str, ...]
    who: str = ""
    age: str = ""
    emergency: bool = False


class BadCode(ValueError):
    pass


def _check(city: str, order: list[str], body: str) -> str:
    digest = hashlib.sha256(f"{city}|{','.join(order)}|{body}".encode()).digest()
    n = int.from_bytes(digest[:2], "big") % (32 * 32)
    return ALPHABET[n // 32] + ALPHABET[n % 32]


def encode(city: str, order: list[str], choice: Choice) -> str:
    mask = 0
    for i, code in enumerate(order):
        if code in choice.codes:
            mask |= 1 << i
    value = (mask << 7) | (WHO.index(choice.who) << 4) | (AGES.index(choice.age) << 1) | int(choice.emergency)
    body = ""
    while True:
        body = ALPHABET[value % 32] + body
        value //= 32
        if value == 0:
            break
    body = body.rjust(4, "0")
    full = body + _check(city, order, body)
    return "-".join(full[i : i + 4] for i in range(0, len(full), 4))


def decode(city: str, order: list[str], code: str) -> Choice:
    cleaned = "".join(ch for ch in code.upper() if ch not in "- \u3000")
    if not 6 <= len(cleaned) <= 24 or any(ch not in _DECODE for ch in cleaned):
        raise BadCode(code)
    cleaned = "".join(ALPHABET[_DECODE[ch]] for ch in cleaned)
    body, check = cleaned[:-2], cleaned[-2:]
    if _check(city, order, body) != check:
        raise BadCode(code)
    value = 0
    for ch in body:
        value = value * 32 + _DECODE[ch]
    emergency = bool(value & 1)
    age_i = (value >> 1) & 0b111
    who_i = (value >> 4) & 0b111
    mask = value >> 7
    if age_i >= len(AGES) or who_i >= len(WHO) or mask >> len(order):
        raise BadCode(code)
    codes = tuple(c for i, c in enumerate(order) if mask & (1 << i))
    return Choice(codes=codes, who=WHO[who_i], age=AGES[age_i], emergency=emergency)
