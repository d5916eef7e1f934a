"""The municipality profile schema (docs/profile.md): one TOML file per city.

Pydantic checks shapes, vocabularies, lengths and ranges; `profile_checks` checks references between
sections. Both report errors as (key path, message) pairs so that the loader can name the exact place.

One model per section (`AreaEntry`, `OrganizationEntry` …) and one field per section in `Profile`: a new
section is a new model plus one line here, one check function and one writer (docs/profile.md §8).
Lengths come from the Django model fields the values are stored in, so the schema and the database
cannot disagree (a name too long for its column is refused here, in Japanese, never a DataError).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from tsunagu.municipalities.choices import (
    NAME_SUFFIX_KIND,
    BusinessLine,
    MunicipalityKind,
)
from tsunagu.municipalities.models import (
    OUTREACH_LAPSE_DAYS_DEFAULT,
    REFERRAL_DUE_DAYS_DEFAULT,
    RETENTION_YEARS_DEFAULT,
    Area,
    ConcernType,
    Municipality,
)

from .community_models import COMMUNITY_LINES, CommunityGroup, CommunityGroupKind, PointsProgram
from .models import (
    CoordinatorPost,
    EscalationRule,
    EscalationTarget,
    EscalationTrigger,
    Frequency,
    HelpLine,
    LegalFunction,
    MeetingBody,
    MeetingKind,
    Operation,
    Organization,
    OrganizationKind,
    Program,
    Window,
)
from .resource_models import Accessibility, GroupSize, Resource, ResourceKind, TimeSlot, Weekday

# Long free texts (note, description, purpose …) are TEXT columns; a profile has no reason to go past this.
LONG_TEXT_MAX = 4000
# Entries per section: generous for any city (the largest seed has 40 programs), small enough to write fast.
MAX_ENTRIES = 2000
# A plausible range for every date in a profile: programs and posts of today's welfare system.
DATE_MIN, DATE_MAX = dt.date(1950, 1, 1), dt.date(2099, 12, 31)
# 横浜市 (about 3.77 million) is the largest municipality; anything far beyond is a typo.
POPULATION_MAX = 5_000_000
COUNT_MAX = 9999

# NUL and other control characters: PostgreSQL refuses NUL in text, and none belongs in a profile.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _limit(model: type[models.Model], field: str) -> int:
    column = model._meta.get_field(field)
    max_length = column.max_length if isinstance(column, models.CharField) else None
    assert max_length is not None, (model, field)
    return max_length


def required(model: type[models.Model], field: str) -> Any:
    """A required string that fits the column `model.field` (whitespace around it is removed)."""
    return Field(min_length=1, max_length=_limit(model, field))


def optional(model: type[models.Model], field: str) -> Any:
    """An optional string (empty when left out) that fits the column `model.field`."""
    return Field("", max_length=_limit(model, field))


Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
LongText = Annotated[str, StringConstraints(max_length=LONG_TEXT_MAX)]
Count = Annotated[int, Field(ge=1, le=COUNT_MAX)]
Day = Annotated[dt.date, Field(ge=DATE_MIN, le=DATE_MAX)]
Keys = Annotated[list[Key], Field(max_length=MAX_ENTRIES)]

BusinessLineCode = Literal[
    "1i", "1ro", "1ha", "1ni", "2", "3i", "3ro", "3ha", "3ni", "3hardship", "4", "5", "6"
]
OperationCode = Literal["direct", "contracted", "mixed"]
OrganizationKindCode = Literal[
    "department",
    "social_welfare_council",
    "community_general_support_center",
    "disability_support_center",
    "child_family_center",
    "self_reliance_support",
    "health_center",
    "education",
    "npo",
    "medical",
    "community_facility",
    "other",
]
MeetingKindCode = Literal[
    "consented_conference",
    "confidential_conference",
    "internal",
    "external_liaison",
    "council",
    "loneliness_council",
    "other",
]
LegalFunctionCode = Literal[
    "consented_conference",
    "confidential_conference",
    "loneliness_council",
    "case_review",
    "coordination",
    "planning",
    "training",
]
# The roles that may call a meeting (tsunagu.accounts.models.Role values; directory sits below accounts).
StaffRoleCode = Literal["window_worker", "coordinator", "agency_worker", "manager"]
FrequencyCode = Literal["monthly", "bimonthly", "quarterly", "per_year", "regular", "ad_hoc", "unspecified"]
MunicipalityKindCode = Literal["city", "designated_city", "town", "village", "special_ward"]

# Keep the Literal lists honest against the model choices they mirror.
for _lit, _choices in (
    (BusinessLineCode, BusinessLine),
    (OperationCode, Operation),
    (OrganizationKindCode, OrganizationKind),
    (MeetingKindCode, MeetingKind),
    (LegalFunctionCode, LegalFunction),
    (FrequencyCode, Frequency),
    (MunicipalityKindCode, MunicipalityKind),
):
    assert set(_lit.__args__) == set(_choices.values), _choices  # type: ignore[attr-defined]


class FieldError(ValueError):
    """A check across keys of one entry that is about one key: the loader reports it at that key's path."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and _CONTROL.search(t) for t in texts):
            raise ValueError("制御文字（\\u0000 など）は書けません")
        return value


def _check_jis_code(code: str) -> str:
    """全国地方公共団体コード: five digits and a check digit (JIS X 0401)."""
    if not re.fullmatch(r"[0-9]{6}", code):
        raise ValueError("6桁の数字で書いてください（例: 132047）")
    digits = [int(c) for c in code]
    total = sum(d * w for d, w in zip(digits[:5], (6, 5, 4, 3, 2), strict=True))
    check = (11 - total % 11) % 10
    if digits[5] != check:
        raise ValueError(f"検査数字が合いません（{code[:5]} の検査数字は {check}）")
    return code


def _period(start: dt.date | None, end: dt.date | None, start_key: str, end_key: str) -> None:
    if start is not None and end is not None and end < start:
        raise FieldError(end_key, f"{end_key}（{end}）が {start_key}（{start}）より前です")


class MunicipalitySection(Strict):
    code: str
    name: str = required(Municipality, "name")
    # 市・町・村・特別区・政令指定都市. Omitted: read from the name's last character (政令指定都市 must be written).
    kind: MunicipalityKindCode | None = None
    prefecture: str = required(Municipality, "prefecture")
    population: int | None = Field(default=None, ge=1, le=POPULATION_MAX)
    population_note: str = optional(Municipality, "population_note")
    program_name: str = optional(Municipality, "program_name")
    started: str = optional(Municipality, "started")
    lead_summary: LongText = ""
    # Counts below this are never published (navigator evidence, reports); at least 3, default 10.
    small_cell_threshold: int = Field(default=10, ge=3, le=100)
    # Days from sending a referral between windows (つなぎ) to the receiver's first contact; default 14.
    referral_due_days: int = Field(default=REFERRAL_DUE_DAYS_DEFAULT, ge=1, le=90)
    # Days without contact after which an outreach engagement (第4号) is lapsed (途切れ); default 30.
    outreach_lapse_days: int = Field(default=OUTREACH_LAPSE_DAYS_DEFAULT, ge=1, le=365)
    # Years closed cases / closed consultations are kept before `apply_retention` removes them; default 5.
    case_retention_years: int = Field(default=RETENTION_YEARS_DEFAULT, ge=1, le=30)
    consultation_retention_years: int = Field(default=RETENTION_YEARS_DEFAULT, ge=1, le=30)

    _code = field_validator("code")(_check_jis_code)

    @model_validator(mode="after")
    def _kind_matches_name(self) -> MunicipalitySection:
        by_name = NAME_SUFFIX_KIND.get(self.name[-1:])
        if self.kind is None and by_name is None:
            raise FieldError(
                "kind",
                "名称から種別が分かりません: kind（city・town・village・special_ward）を書いてください",
            )
        kind = self.kind or by_name or ""
        expected = "city" if kind == "designated_city" else kind
        if by_name is not None and by_name != expected:
            label = MunicipalityKind(kind).label
            raise FieldError("kind", f'名称「{self.name}」と種別 kind = "{kind}"（{label}）が合いません')
        return self

    def resolved_kind(self) -> str:
        return self.kind or NAME_SUFFIX_KIND[self.name[-1:]]


class DomainEntry(Strict):
    """A domain (分野) the city's escalation rules count, in the city's own words."""

    code: Key
    # Optional for a well-known code (elderly, disability, child, hardship, other, foreign).
    name: str = optional(Municipality, "name")
    description: str = optional(ConcernType, "description")


class ConcernListSection(Strict):
    """The city's referral sheet: which concerns come first, in its order, and which it does not use."""

    order: Keys = []
    hide: Keys = []


class AreaEntry(Strict):
    key: Key
    name: str = required(Area, "name")
    kind: str = required(Area, "kind")
    parent: Key | None = None


class ConcernEntry(Strict):
    code: Key
    # Optional only when the code is a national one (its national name is kept).
    name: str = optional(ConcernType, "name")
    kana: str = optional(ConcernType, "kana")
    # [] counts only through the member the concern is about (else その他): 虐待・DV, 権利擁護.
    domains: Annotated[list[Key], Field(max_length=12)]
    description: str = optional(ConcernType, "description")


class OrganizationEntry(Strict):
    key: Key
    name: str = required(Organization, "name")
    kind: OrganizationKindCode
    operation: OperationCode | None = None
    department: Key | None = None
    business_lines: list[BusinessLineCode] = []
    domains: Keys = []
    sites: Count | None = None
    areas: Keys = []
    contract_starts_on: Day | None = None
    contract_ends_on: Day | None = None
    note: LongText = ""

    @model_validator(mode="after")
    def _contract(self) -> OrganizationEntry:
        _period(self.contract_starts_on, self.contract_ends_on, "contract_starts_on", "contract_ends_on")
        if (self.contract_starts_on or self.contract_ends_on) and self.operation not in (
            "contracted",
            "mixed",
        ):
            raise FieldError(
                "contract_starts_on" if self.contract_starts_on else "contract_ends_on",
                '委託期間は operation = "contracted" または "mixed" の機関にだけ書けます',
            )
        return self


class ProgramEntry(Strict):
    key: Key
    name: str = required(Program, "name")
    business_lines: list[BusinessLineCode] = []
    domains: Keys = []
    organization: Key | None = None
    # Several organizations running it together (共同事業体); `organization`, if given, is the lead.
    organizations: Keys = []
    consortium: str = optional(Program, "consortium_name")
    department: Key | None = None
    operation: OperationCode | None = None
    sites: Count | None = None
    target: str = optional(Program, "target")
    description: LongText = ""
    areas: Keys = []
    new: bool = False
    starts_on: Day | None = None
    ends_on: Day | None = None
    contract_starts_on: Day | None = None
    contract_ends_on: Day | None = None

    @model_validator(mode="after")
    def _shape(self) -> ProgramEntry:
        _period(self.starts_on, self.ends_on, "starts_on", "ends_on")
        _period(self.contract_starts_on, self.contract_ends_on, "contract_starts_on", "contract_ends_on")
        if len(self.organizations) == 1:
            raise FieldError(
                "organizations", "共同で実施する機関は2つ以上書いてください（1つなら organization に）"
            )
        if self.organization and self.organizations and self.organization not in self.organizations:
            raise FieldError(
                "organization",
                f'代表機関 "{self.organization}" を organizations（共同で実施する機関）にも含めてください',
            )
        if self.consortium and not self.organizations:
            raise FieldError(
                "consortium", "共同事業体の名称は organizations（共同で実施する機関）とあわせて書いてください"
            )
        return self


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
    name: str = required(HelpLine, "name")
    phone: PhoneNumber
    hours: str = optional(HelpLine, "hours")
    always_open: bool = False
    concerns: Keys = []
    description: LongText = ""


class WindowEntry(Strict):
    key: Key
    name: str = required(Window, "name")
    organization: Key
    address: str = optional(Window, "address")
    hours: str = optional(Window, "hours")
    phone: str = optional(Window, "phone")
    serves: str = optional(Window, "serves")
    domains: Keys = []
    concerns: Keys = []
    business_lines: list[BusinessLineCode] = []
    areas: Keys = []
    description: LongText = ""
    navigator: WindowNavigatorFacts = WindowNavigatorFacts()


class CoordinatorEntry(Strict):
    key: Key
    title: str = required(CoordinatorPost, "title")
    organization: Key | None = None
    area: Key | None = None
    count: Count | None = None
    employment: str = optional(CoordinatorPost, "employment")
    business_lines: list[BusinessLineCode] = []
    bundler: bool = False
    starts_on: Day | None = None
    ends_on: Day | None = None
    note: LongText = ""

    @model_validator(mode="after")
    def _period(self) -> CoordinatorEntry:
        _period(self.starts_on, self.ends_on, "starts_on", "ends_on")
        return self


class MeetingBodyEntry(Strict):
    key: Key
    name: str = required(MeetingBody, "name")
    kind: MeetingKindCode
    legal_functions: list[LegalFunctionCode] = []
    # Omitted when the source gives no rhythm: stored as "unspecified" (頻度の記載なし), never guessed.
    frequency: FrequencyCode = "unspecified"
    per_year: int | tuple[int, int] | None = None
    also_ad_hoc: bool = False
    members: Keys = []
    members_note: LongText = ""
    chair: str = optional(MeetingBody, "chair")
    secretariat: Key | None = None
    confidentiality_duty: bool | None = None
    tier: int | None = Field(default=None, ge=1, le=9)
    purpose: LongText = ""
    caseload_note: str = optional(MeetingBody, "caseload_note")
    parent: Key | None = None
    # How members are set (issue 11): fixed (`members`), or chosen per case from the 別表 (`eligible_members`).
    member_selection: Literal["fixed", "per_case"] = "fixed"
    eligible_members: Keys = []
    # Posts of individuals invited per case who bear the same duty (主治医, 民生委員 …), not their names.
    invited: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=60)]], Field(max_length=50)
    ] = []
    vice_chair: str = optional(MeetingBody, "vice_chair")
    # 非公開: omitted means closed when the body carries 支援会議 (法第106条の6), else open.
    closed: bool | None = None
    # A body held per area (each 区 its own sitting): the areas' keys.
    areas: Keys = []
    referral_only: bool = False
    follow_up_days: int | None = Field(default=None, ge=1, le=730)
    monitoring_interval_days: int | None = Field(default=None, ge=7, le=730)
    # The default interval from a sitting to the expected review of closure (終結の見直し) its decisions set.
    closure_review_interval_days: int | None = Field(default=None, ge=30, le=1095)
    # The months the body sits in, as the city's sources state them (e.g. [5, 8, 11, 2]); never guessed.
    sitting_months: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(max_length=12)] = []
    acknowledgement: Literal["per_meeting", "per_term"] = "per_meeting"
    # Who may call a 随時 meeting, and whether the body holds 緊急 meetings (国分寺 緊急会議).
    ad_hoc_callers: list[StaffRoleCode] = ["coordinator"]
    emergency: bool = False
    screened_by: Key | None = None

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
        if self.member_selection == "fixed" and self.eligible_members:
            raise FieldError(
                "eligible_members",
                'eligible_members（事案ごとに選ぶ機関の別表）は member_selection = "per_case" のときだけ書けます',
            )
        if self.screened_by is not None and self.screened_by == self.key:
            raise FieldError("screened_by", "事前に協議する会議体に自分自身は指定できません")
        self._check_sitting_months()
        return self

    def _check_sitting_months(self) -> None:
        months = self.sitting_months
        if not months:
            return
        twice = sorted({m for m in months if months.count(m) > 1})
        if twice:
            raise FieldError(
                "sitting_months",
                f"sitting_months に同じ月が重複しています（{'、'.join(f'{m}月' for m in twice)}）",
            )
        if self.referral_only:
            raise FieldError(
                "sitting_months",
                "referral_only = true の会議体（付議があるときだけ開く）には sitting_months を書けません",
            )
        lo, hi = self.per_year_range()
        if lo is not None and hi is not None and not lo <= len(months) <= hi:
            raise FieldError(
                "sitting_months",
                f"sitting_months の月の数（{len(months)}）が per_year（{self.per_year}）と合いません",
            )

    def is_closed(self) -> bool:
        if self.closed is not None:
            return self.closed
        return "confidential_conference" in self.legal_functions

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
    name: str = required(EscalationRule, "name")
    trigger: Literal["domains_at_least", "concerns_any", "manual"]
    # At most the number of domains the rule counts (checked with the city's [[domains]]).
    min_domains: int | None = Field(default=None, ge=2, le=12)
    counted_domains: Keys = []
    concerns: Keys = []
    from_windows: Keys = []
    from_body: Key | None = None
    target: Literal["case", "meeting_body", "meeting_function"]
    to_body: Key | None = None
    meeting_function: Literal["consented_conference", "confidential_conference"] | None = None
    description: LongText = ""

    @model_validator(mode="after")
    def _shape(self) -> EscalationRuleEntry:
        if self.trigger == "domains_at_least" and self.min_domains is None:
            raise FieldError(
                "min_domains", 'trigger = "domains_at_least" には min_domains（2以上）が必要です'
            )
        if self.trigger == "concerns_any" and not self.concerns:
            raise FieldError(
                "concerns", 'trigger = "concerns_any" には concerns（課題コードの一覧）が必要です'
            )
        if self.target == "meeting_body" and not self.to_body:
            raise FieldError("to_body", 'target = "meeting_body" には to_body（会議体のキー）が必要です')
        if self.target == "case" and self.to_body:
            raise FieldError("to_body", 'target = "case"（多機関協働）のときは to_body を書かないでください')
        if self.target == "meeting_function" and not self.meeting_function:
            raise FieldError(
                "meeting_function",
                'target = "meeting_function" には meeting_function（consented_conference か confidential_conference）が必要です',
            )
        if self.target == "meeting_function" and self.to_body:
            raise FieldError("to_body", 'target = "meeting_function" のときは to_body を書かないでください')
        if self.meeting_function and self.target != "meeting_function":
            raise FieldError(
                "meeting_function", 'meeting_function は target = "meeting_function" のときだけ書けます'
            )
        return self


assert {"domains_at_least", "concerns_any", "manual"} == set(EscalationTrigger.values)
assert {"case", "meeting_body", "meeting_function"} == set(EscalationTarget.values)


CommunityLineCode = Literal["3i", "3ro", "3ha", "3ni", "3hardship"]
CommunityGroupKindCode = Literal[
    "care_network",
    "watch_network",
    "council",
    "consultation_salon",
    "salon",
    "gathering_place",
    "district_center",
    "forum",
    "other",
]
assert set(CommunityGroupKindCode.__args__) == set(CommunityGroupKind.values)  # type: ignore[attr-defined]
assert set(CommunityLineCode.__args__) == set(COMMUNITY_LINES)  # type: ignore[attr-defined]


class CommunityGroupEntry(Strict):
    """A community group (地域ケアネットワーク, 協議体 …): `sites` when the source counts them without names."""

    key: Key
    name: str = required(CommunityGroup, "name")
    kind: CommunityGroupKindCode
    # Left out when the source does not say which 第3号 line counts the group.
    business_line: CommunityLineCode | None = None
    organization: Key | None = None
    areas: Keys = []
    sites: Count | None = None
    venue: str = optional(CommunityGroup, "venue")
    frequency: FrequencyCode = "unspecified"
    per_year: int | None = Field(default=None, ge=1, le=366)
    description: LongText = ""

    @model_validator(mode="after")
    def _rhythm(self) -> CommunityGroupEntry:
        if (self.frequency == "per_year") != (self.per_year is not None):
            raise FieldError(
                "per_year",
                'per_year（年間回数）は frequency = "per_year" のときだけ、必ず書いてください',
            )
        return self


class PointsProgramEntry(Strict):
    """A volunteer points program: leave a number out when the city's rules do not fix it."""

    key: Key
    name: str = required(PointsProgram, "name")
    business_line: CommunityLineCode
    organization: Key | None = None
    points_per_activity: int | None = Field(default=None, ge=1, le=COUNT_MAX)
    yearly_cap: int | None = Field(default=None, ge=1, le=1_000_000)
    redemption_unit: int | None = Field(default=None, ge=1, le=1_000_000)
    reward: str = optional(PointsProgram, "reward")
    description: LongText = ""

    @model_validator(mode="after")
    def _cap_fits_unit(self) -> PointsProgramEntry:
        if self.yearly_cap and self.redemption_unit and self.redemption_unit > self.yearly_cap:
            raise FieldError(
                "redemption_unit",
                f"交換の単位（{self.redemption_unit}）が年度の上限（{self.yearly_cap}）より大きいと交換できません",
            )
        return self


# ---- Community resources (社会資源, `[[resources]]`): the rows participation support ranks. The same entry
# validates a row of an HSDS CSV/Excel import (directory/resources_io.py), so the file and the profile
# cannot disagree about what a resource may hold.
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = Weekday value
WeekdayCode = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ResourceKindCode = Literal[
    "ibasho",
    "salon",
    "children_cafeteria",
    "work_experience",
    "intermediate_work",
    "volunteer",
    "kayoi_no_ba",
    "learning",
    "peer_group",
    "other",
]
TimeSlotCode = Literal["morning", "afternoon", "evening"]
GroupSizeCode = Literal["one_to_one", "small", "medium", "large"]
AccessibilityCode = Literal[
    "step_free", "accessible_toilet", "parking", "near_station", "pick_up", "hearing_support"
]
ShortTag = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Tags = Annotated[list[ShortTag], Field(max_length=20)]
Age = Annotated[int, Field(ge=0, le=130)]
_URL = URLValidator(schemes=["http", "https"])

for _resource_lit, _resource_choices in (
    (ResourceKindCode, ResourceKind),
    (TimeSlotCode, TimeSlot),
    (GroupSizeCode, GroupSize),
    (AccessibilityCode, Accessibility),
):
    assert set(_resource_lit.__args__) == set(_resource_choices.values)  # type: ignore[attr-defined]
assert len(WEEKDAY_CODES) == len(Weekday.values)


class ResourceEntry(Strict):
    """`[[resources]]`: one community resource (社会資源). Unknown facts are left out."""

    key: Key
    name: str = required(Resource, "name")
    kind: ResourceKindCode
    description: LongText = ""
    organization: Key | None = None  # an organizations key, when a registered body runs it
    operator: str = optional(Resource, "operator_name")  # else the running group's own name
    area: Key | None = None
    address: str = optional(Resource, "address")
    latitude: Annotated[Decimal, Field(ge=20, le=46, max_digits=9, decimal_places=6)] | None = None
    longitude: Annotated[Decimal, Field(ge=122, le=154, max_digits=9, decimal_places=6)] | None = None
    weekdays: Annotated[list[WeekdayCode], Field(max_length=7)] = []
    time_slots: Annotated[list[TimeSlotCode], Field(max_length=3)] = []
    schedule: str = optional(Resource, "schedule_text")
    welcomes: str = optional(Resource, "welcomes")
    age_min: Age | None = None
    age_max: Age | None = None
    domains: Annotated[list[Key], Field(max_length=12)] = []
    activities: Tags = []
    accessibility: Annotated[list[AccessibilityCode], Field(max_length=6)] = []
    accessibility_note: str = optional(Resource, "accessibility_note")
    languages: Tags = []
    group_size: GroupSizeCode | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    cost_yen: int | None = Field(default=None, ge=0, le=1_000_000)
    cost_note: str = optional(Resource, "cost_note")
    phone: PhoneNumber | None = None
    email: str = optional(Resource, "email")
    url: str = optional(Resource, "url")
    contact_name: str = optional(Resource, "contact_name")
    business_lines: list[BusinessLineCode] = []
    accepts_referrals: bool = True
    starts_on: Day | None = None
    ends_on: Day | None = None

    @model_validator(mode="after")
    def _shape(self) -> ResourceEntry:
        _period(self.starts_on, self.ends_on, "starts_on", "ends_on")
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            raise FieldError(
                "age_max", f"対象年齢の上限（{self.age_max}）が下限（{self.age_min}）より小さいです"
            )
        if (self.latitude is None) != (self.longitude is None):
            raise FieldError(
                "longitude" if self.longitude is None else "latitude", "緯度と経度は両方書いてください"
            )
        for dup in ("weekdays", "time_slots", "accessibility"):
            values = getattr(self, dup)
            if len(set(values)) != len(values):
                raise FieldError(dup, "同じ値が重複しています")
        if self.email:
            try:
                validate_email(self.email)
            except DjangoValidationError:
                raise FieldError("email", f"メールアドレスの形ではありません（{self.email!r}）") from None
        if self.url:
            try:
                _URL(self.url)
            except DjangoValidationError:
                raise FieldError(
                    "url", f"http:// または https:// で始まるURLを書いてください（{self.url!r}）"
                ) from None
        return self

    def weekday_values(self) -> list[int]:
        return sorted(WEEKDAY_CODES.index(d) for d in self.weekdays)


class Profile(Strict):
    schema_version: Literal[1] = 1
    municipality: MunicipalitySection
    domains: Annotated[list[DomainEntry], Field(max_length=12)] = []
    concern_list: ConcernListSection = ConcernListSection()
    areas: list[AreaEntry] = Field([], max_length=MAX_ENTRIES)
    concerns: list[ConcernEntry] = Field([], max_length=MAX_ENTRIES)
    organizations: list[OrganizationEntry] = Field([], max_length=MAX_ENTRIES)
    programs: list[ProgramEntry] = Field([], max_length=MAX_ENTRIES)
    windows: list[WindowEntry] = Field([], max_length=MAX_ENTRIES)
    coordinators: list[CoordinatorEntry] = Field([], max_length=MAX_ENTRIES)
    meeting_bodies: list[MeetingBodyEntry] = Field([], max_length=MAX_ENTRIES)
    escalation_rules: list[EscalationRuleEntry] = Field([], max_length=MAX_ENTRIES)
    help_lines: list[HelpLineEntry] = Field([], max_length=MAX_ENTRIES)
    community_groups: list[CommunityGroupEntry] = Field([], max_length=MAX_ENTRIES)
    points_programs: list[PointsProgramEntry] = Field([], max_length=MAX_ENTRIES)
    resources: list[ResourceEntry] = Field([], max_length=MAX_ENTRIES)


class NationalTaxonomy(Strict):
    concerns: list[ConcernEntry]
