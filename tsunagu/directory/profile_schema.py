"""The municipality profile schema (docs/profile.md): one TOML file per city.

Pydantic checks shapes and vocabularies; `cross_check` checks references between sections. Both
report errors as (key path, message) pairs so that the loader can name the exact place.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from tsunagu.municipalities.choices import BusinessLine, Domain

from .models import (
    EscalationTarget,
    EscalationTrigger,
    Frequency,
    LegalFunction,
    MeetingKind,
    Operation,
    OrganizationKind,
)

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

DomainCode = Literal["elderly", "disability", "child", "hardship", "other"]
BusinessLineCode = Literal[
    "1i", "1ro", "1ha", "1ni", "2", "3i", "3ro", "3ha", "3ni", "3hardship", "4", "5", "6"
]
OperationCode = Literal["direct", "contracted", "mixed"]
OrganizationKindCode = Literal[
    "department", "social_welfare_council", "community_general_support_center", "disability_support_center",
    "child_family_center", "self_reliance_support", "health_center", "education", "npo", "medical",
    "community_facility", "other",
]  # fmt: skip
MeetingKindCode = Literal[
    "consented_conference", "confidential_conference", "internal", "external_liaison", "council",
    "loneliness_council", "other",
]  # fmt: skip
LegalFunctionCode = Literal[
    "consented_conference", "confidential_conference", "loneliness_council", "case_review", "coordination",
    "planning", "training",
]  # fmt: skip
FrequencyCode = Literal["monthly", "bimonthly", "quarterly", "per_year", "regular", "ad_hoc", "unspecified"]

# Keep the Literal lists honest against the model choices they mirror.
for _lit, _choices in (
    (DomainCode, Domain), (BusinessLineCode, BusinessLine), (OperationCode, Operation),
    (OrganizationKindCode, OrganizationKind), (MeetingKindCode, MeetingKind),
    (LegalFunctionCode, LegalFunction), (FrequencyCode, Frequency),
):  # fmt: skip
    assert set(_lit.__args__) == set(_choices.values), _choices  # type: ignore[attr-defined]


class FieldError(ValueError):
    """A check across keys of one entry that is about one key: the loader reports it at that key's path."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_jis_code(code: str) -> str:
    """全国地方公共団体コード: five digits and a check digit (JIS X 0401)."""
    if not re.fullmatch(r"\d{6}", code):
        raise ValueError("6桁の数字で書いてください（例: 132047）")
    digits = [int(c) for c in code]
    total = sum(d * w for d, w in zip(digits[:5], (6, 5, 4, 3, 2), strict=True))
    check = (11 - total % 11) % 10
    if digits[5] != check:
        raise ValueError(f"検査数字が合いません（{code[:5]} の検査数字は {check}）")
    return code


class MunicipalitySection(Strict):
    code: str
    name: Text
    prefecture: Text
    population: int | None = Field(default=None, ge=1)
    population_note: str = ""
    program_name: str = ""
    started: str = ""
    lead_summary: str = ""
    # Counts below this are never published (navigator evidence, reports); at least 3, default 10.
    small_cell_threshold: int = Field(default=10, ge=3, le=100)

    _code = field_validator("code")(_check_jis_code)


class AreaEntry(Strict):
    key: Key
    name: Text
    kind: Text
    parent: Key | None = None


class ConcernEntry(Strict):
    code: Key
    name: Text
    kana: str = ""
    domains: list[DomainCode] = Field(min_length=1)
    description: str = ""


class OrganizationEntry(Strict):
    key: Key
    name: Text
    kind: OrganizationKindCode
    operation: OperationCode | None = None
    department: Key | None = None
    business_lines: list[BusinessLineCode] = []
    domains: list[DomainCode] = []
    sites: int | None = Field(default=None, ge=1)
    areas: list[Key] = []
    note: str = ""


class ProgramEntry(Strict):
    key: Key
    name: Text
    business_lines: list[BusinessLineCode] = []
    domains: list[DomainCode] = []
    organization: Key | None = None
    department: Key | None = None
    operation: OperationCode | None = None
    sites: int | None = Field(default=None, ge=1)
    target: str = ""
    description: str = ""
    areas: list[Key] = []
    new: bool = False


# ---- Facts the public navigator needs (相談先ナビ, tsunagu/navigator). Kept in their own sub-table and
# section so that they merge cleanly with other schema work; write only what the city's sources say.
PhoneNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^(#[0-9]{4}|[0-9][0-9-]{1,15}[0-9])$")
]


class WindowNavigatorFacts(Strict):
    """`[windows.navigator]`: how a resident reaches the window. Unknown facts are left out (None / "")."""

    # 総合相談窓口: takes any trouble, including "I don't know where to go".
    general: bool = False
    # False for windows only support agencies may use (e.g. 多機関協働「支援機関向けの相談窓口」).
    residents: bool = True
    bring: str = ""
    by_phone: bool | None = None
    home_visit: bool | None = None


class HelpLineEntry(Strict):
    """`[[help_lines]]`: the city's own lines a resident can call, e.g. a 24-hour 児童虐待 or DV line."""

    key: Key
    name: Text
    phone: PhoneNumber
    hours: str = ""
    always_open: bool = False
    concerns: list[Key] = []
    description: str = ""


class WindowEntry(Strict):
    key: Key
    name: Text
    organization: Key
    address: str = ""
    hours: str = ""
    phone: str = ""
    serves: str = ""
    domains: list[DomainCode] = []
    concerns: list[Key] = []
    business_lines: list[BusinessLineCode] = []
    areas: list[Key] = []
    description: str = ""
    navigator: WindowNavigatorFacts = WindowNavigatorFacts()


class CoordinatorEntry(Strict):
    key: Key
    title: Text
    organization: Key | None = None
    area: Key | None = None
    count: int | None = Field(default=None, ge=1)
    employment: str = ""
    business_lines: list[BusinessLineCode] = []
    bundler: bool = False
    note: str = ""


class MeetingBodyEntry(Strict):
    key: Key
    name: Text
    kind: MeetingKindCode
    legal_functions: list[LegalFunctionCode] = []
    # Omitted when the source gives no rhythm: stored as "unspecified" (頻度の記載なし), never guessed.
    frequency: FrequencyCode = "unspecified"
    per_year: int | tuple[int, int] | None = None
    also_ad_hoc: bool = False
    members: list[Key] = []
    members_note: str = ""
    chair: str = ""
    secretariat: Key | None = None
    confidentiality_duty: bool | None = None
    tier: int | None = Field(default=None, ge=1, le=9)
    purpose: str = ""
    caseload_note: str = ""
    parent: Key | None = None

    @model_validator(mode="after")
    def _frequency_and_duty(self) -> MeetingBodyEntry:
        if self.frequency == "per_year":
            if self.per_year is None:
                raise FieldError(
                    "per_year",
                    'frequency = "per_year" のときは per_year（年間回数、または [下限, 上限]）が必要です',
                )
            lo, hi = (self.per_year, self.per_year) if isinstance(self.per_year, int) else self.per_year
            if lo < 1 or hi < lo or hi > 52:
                raise FieldError(
                    "per_year",
                    f"per_year の値が不正です（{self.per_year}）: 1〜52、[下限, 上限] は下限 ≤ 上限",
                )
        elif self.per_year is not None:
            raise FieldError(
                "per_year",
                f'per_year は frequency = "per_year" のときだけ書けます（frequency = "{self.frequency}"）',
            )
        if "confidential_conference" in self.legal_functions and self.confidentiality_duty is False:
            raise FieldError(
                "confidentiality_duty",
                "支援会議（confidential_conference）の構成員には法第106条の6により守秘義務があります:"
                " confidentiality_duty = false とは書けません",
            )
        if self.kind == "confidential_conference" and "confidential_conference" not in self.legal_functions:
            raise FieldError(
                "legal_functions",
                'kind = "confidential_conference" の会議体は legal_functions に confidential_conference を含めてください',
            )
        if self.kind == "consented_conference" and "consented_conference" not in self.legal_functions:
            raise FieldError(
                "legal_functions",
                'kind = "consented_conference" の会議体は legal_functions に consented_conference を含めてください',
            )
        return self

    def per_year_range(self) -> tuple[int | None, int | None]:
        if self.per_year is None:
            return None, None
        if isinstance(self.per_year, int):
            return self.per_year, self.per_year
        return self.per_year[0], self.per_year[1]

    def duty(self) -> bool:
        if self.confidentiality_duty is not None:
            return self.confidentiality_duty
        return "confidential_conference" in self.legal_functions


class EscalationRuleEntry(Strict):
    key: Key
    name: Text
    trigger: Literal["domains_at_least", "concerns_any", "manual"]
    min_domains: int | None = Field(default=None, ge=2, le=5)
    counted_domains: list[DomainCode] = []
    concerns: list[Key] = []
    from_windows: list[Key] = []
    from_body: Key | None = None
    target: Literal["case", "meeting_body"]
    to_body: Key | None = None
    description: str = ""

    @model_validator(mode="after")
    def _shape(self) -> EscalationRuleEntry:
        if self.trigger == "domains_at_least" and self.min_domains is None:
            raise FieldError("min_domains", 'trigger = "domains_at_least" には min_domains（2〜5）が必要です')
        if self.trigger == "concerns_any" and not self.concerns:
            raise FieldError(
                "concerns", 'trigger = "concerns_any" には concerns（課題コードの一覧）が必要です'
            )
        if self.target == "meeting_body" and not self.to_body:
            raise FieldError("to_body", 'target = "meeting_body" には to_body（会議体のキー）が必要です')
        if self.target == "case" and self.to_body:
            raise FieldError("to_body", 'target = "case"（多機関協働）のときは to_body を書かないでください')
        return self


assert {"domains_at_least", "concerns_any", "manual"} == set(EscalationTrigger.values)
assert {"case", "meeting_body"} == set(EscalationTarget.values)


class Profile(Strict):
    schema_version: Literal[1] = 1
    municipality: MunicipalitySection
    areas: list[AreaEntry] = []
    concerns: list[ConcernEntry] = []
    organizations: list[OrganizationEntry] = []
    programs: list[ProgramEntry] = []
    windows: list[WindowEntry] = []
    coordinators: list[CoordinatorEntry] = []
    meeting_bodies: list[MeetingBodyEntry] = []
    escalation_rules: list[EscalationRuleEntry] = []
    help_lines: list[HelpLineEntry] = []


class NationalTaxonomy(Strict):
    concerns: list[ConcernEntry]
