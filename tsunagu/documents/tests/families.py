"""Known families for the drawing tests, and random families for the property tests."""

from __future__ import annotations

import random

from tsunagu.documents.genogram import Genogram, GenoPerson, GenoUnion, Sex, UnionKind, UnionStatus

P, U = GenoPerson, GenoUnion
M, F, X = Sex.MALE, Sex.FEMALE, Sex.UNKNOWN


def family_8050() -> Genogram:
    """An 8050 household: 本人 (54) lives with his mother (82) and his son; his father has died; his
    sister's family of four lives elsewhere; he is divorced."""
    return Genogram(
        persons=(
            P("father", "山田 茂", M, deceased=True, death_note="2019年没", caption="父"),
            P("mother", "山田 トシ子", F, 82, co_resident=True, caption="母"),
            P("me", "山田 健一", M, 54, subject=True, co_resident=True, caption="本人"),
            P("ex", "佐藤 美紀", F, 50, caption="元妻"),
            P("son", "山田 翔", M, 20, co_resident=True, caption="長男"),
            P("sister", "田中 由美", F, 51, caption="妹"),
            P("bil", "田中 誠", M, 53, caption="妹の夫"),
            P("nephew", "田中 大輔", M, 24, caption="甥"),
            P("niece", "田中 さくら", F, 21, caption="姪"),
        ),
        unions=(
            U(("father", "mother"), ("me", "sister")),
            U(("me", "ex"), ("son",), status=UnionStatus.DIVORCED),
            U(("bil", "sister"), ("nephew", "niece")),
        ),
    )


def family_remarried() -> Genogram:
    """本人 (38) divorced her first husband (their daughter lives with her), remarried a man who
    brought his son from his own first marriage; they have a baby together."""
    return Genogram(
        persons=(
            P("me", "鈴木 恵", F, 38, subject=True, co_resident=True),
            P("ex", "高橋 浩二", M, 40),
            P("daughter", "鈴木 陽菜", F, 12, co_resident=True),
            P("husband", "鈴木 大輝", M, 42, co_resident=True),
            P("his_ex", "伊藤 久美子", F, 41),
            P("stepson", "鈴木 蓮", M, 14, co_resident=True),
            P("baby", "鈴木 結衣", F, 2, co_resident=True),
        ),
        unions=(
            U(("ex", "me"), ("daughter",), status=UnionStatus.DIVORCED, order=0),
            U(("husband", "me"), ("baby",), order=1),
            U(("husband", "his_ex"), ("stepson",), status=UnionStatus.DIVORCED, order=0),
        ),
    )


def family_deceased_parent() -> Genogram:
    """本人 (16) lives with her mother and brother; her father died in 2022; her grandmother (whose
    husband is not recorded) and aunt live elsewhere; the aunt's age is an estimate."""
    return Genogram(
        persons=(
            P("father", "佐々木 隆", M, deceased=True, death_note="2022年没"),
            P("mother", "佐々木 千尋", F, 45, co_resident=True),
            P("me", "佐々木 葵", F, 16, subject=True, co_resident=True),
            P("brother", "佐々木 湊", M, 10, co_resident=True),
            P("grandmother", "小林 和子", F, 70),
            P("aunt", "小林 真理", F, 42, age_estimated=True),
        ),
        unions=(
            U(("father", "mother"), ("me", "brother")),
            U(("grandmother",), ("mother", "aunt")),
        ),
    )


_SURNAMES = ["山田", "佐藤", "長谷川", "小林", "髙橋", "渡邊", "ｻﾄｳ", "勅使河原"]
_GIVEN = ["太郎", "花子", "ジェニファー", "翔", "一", "美智子", "健太郎", "ゆり", "﨑子"]


def random_family(seed: int, max_persons: int = 24) -> Genogram:
    """A random but plausible family: remarriages, lone parents, twins, deceased members, in-laws'
    parents, siblings without recorded parents, an unrelated co-resident; anyone may live together."""
    r = random.Random(seed)
    persons: list[dict[str, object]] = []
    unions: list[GenoUnion] = []

    def new(age: int, **kw: object) -> str:
        key = f"k{len(persons) + 1}"
        persons.append(
            {
                "key": key,
                "name": f"{r.choice(_SURNAMES)} {r.choice(_GIVEN)}",
                "sex": r.choice([M, F, F, M, X]),
                "age": max(0, age),
                "deceased": r.random() < 0.12,
                "co_resident": r.random() < 0.5,
                "caption": r.choice(["", "母", "長男", "夫の前妻の子", "同居人"]),
                "age_estimated": r.random() < 0.1,
                **kw,
            }
        )
        return key

    def family(a: str, age: int, depth: int) -> None:
        n_unions = r.choice([0, 1, 1, 1, 2, 2, 3]) if depth < 3 else r.choice([0, 1])
        for i in range(n_unions):
            if len(persons) >= max_persons:
                return
            partners = (a,) if r.random() < 0.15 else (a, new(age + r.randint(-5, 5)))
            kids = []
            twin = r.random() < 0.15
            for _ in range(r.choice([0, 1, 2, 3])):
                if len(persons) >= max_persons:
                    break
                kids.append(new(age - r.randint(20, 35), twin="t" if twin else ""))
            last = i == n_unions - 1
            unions.append(
                GenoUnion(
                    partners=partners,
                    children=tuple(kids),
                    kind=r.choice([UnionKind.MARRIED, UnionKind.MARRIED, UnionKind.COHABITING]),
                    status=UnionStatus.TOGETHER if last else r.choice(list(UnionStatus)),
                    order=i,
                )
            )
            for k in kids:
                if r.random() < 0.6:
                    family(k, age - 28, depth + 1)

    root = new(r.randint(70, 95))
    family(root, 85, 0)
    children = {c for u in unions for c in u.children}
    in_laws = [p for u in unions for p in u.partners if p not in children and p != root]
    if in_laws and r.random() < 0.5:
        unions.append(GenoUnion(partners=(new(90), new(88)), children=(r.choice(in_laws), new(50))))
    if r.random() < 0.3:
        unions.append(GenoUnion(partners=(), children=(new(40), new(37))))
    if r.random() < 0.3:
        new(30)
    r.choice(persons)["subject"] = True
    return Genogram(persons=tuple(GenoPerson(**p) for p in persons), unions=tuple(unions))  # type: ignore[arg-type]
