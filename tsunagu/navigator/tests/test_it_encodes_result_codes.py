"""The short code: round trip, no text inside, mistyped or stale codes refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.navigator.codes import BadCode, Choice, decode, encode

ORDER = [f"c{i}" for i in range(40)]


@given(
    st.sets(st.sampled_from(ORDER)),
    st.sampled_from(["", "self", "family", "other"]),
    st.sampled_from(["", "child", "young", "middle", "elderly", "unknown"]),
    st.booleans(),
)
def test_it_round_trips(codes, who, age, emergency):
    choice = Choice(tuple(c for c in ORDER if c in codes), who=who, age=age, emergency=emergency)
    code = encode("999997", ORDER, choice)
    assert decode("999997", ORDER, code) == choice
    assert decode("999997", ORDER, code.lower().replace("-", " ")) == choice


def test_a_mistyped_or_stale_code_is_refused():
    code = encode("999997", ORDER, Choice(("c1", "c5"), who="self", age="elderly"))
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(BadCode):
        decode("999997", ORDER, wrong)
    with pytest.raises(BadCode):
        decode("999997", [*ORDER, "new"], code)  # the city's taxonomy changed
    with pytest.raises(BadCode):
        decode("999989", ORDER, code)  # another city
    for junk in ["", "!!!!", "Ｘ" * 30, "UUUU-UUUU"]:
        with pytest.raises(BadCode):
            decode("999997", ORDER, junk)
