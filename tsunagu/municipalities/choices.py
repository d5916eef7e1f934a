"""National vocabularies: municipality kinds, well-known domains (分野) and the business lines of 法第106条の4第2項.

Domains are *not* a closed list: a city's profile declares which domains its escalation rules count
(`Municipality.counted_domains()`), and may add its own. `Domain` holds the well-known codes and their
national labels; `NATIONAL_COUNTED_DOMAINS` is what a city counts when its profile says nothing.
"""

from __future__ import annotations

from django.db import models


class MunicipalityKind(models.TextChoices):
    """市・町・村 and 特別区; a 政令指定都市 is a 市 whose 行政区 are areas (docs/profile.md §2.1)."""

    CITY = "city", "市"
    DESIGNATED_CITY = "designated_city", "政令指定都市"
    TOWN = "town", "町"
    VILLAGE = "village", "村"
    SPECIAL_WARD = "special_ward", "特別区"


# The one-character word staff and residents use for their own municipality: 市の所管課, 町内全域, この村の….
KIND_WORD = {"city": "市", "designated_city": "市", "town": "町", "village": "村", "special_ward": "区"}
# A name ending in one of these says its kind (a 政令指定都市 must say so: its name ends in 市 like any city).
NAME_SUFFIX_KIND = {"市": "city", "町": "town", "村": "village", "区": "special_ward"}


class Domain(models.TextChoices):
    """Well-known 分野 codes with their national labels. A city may count others (its profile says so)."""

    ELDERLY = "elderly", "高齢"
    DISABILITY = "disability", "障害"
    CHILD = "child", "子ども"
    HARDSHIP = "hardship", "生活困窮"
    OTHER = "other", "その他"
    FOREIGN = "foreign", "外国籍"


# What a city counts when its profile declares no [[domains]]: the four fields of 第1号 plus その他.
NATIONAL_COUNTED_DOMAINS: tuple[str, ...] = ("elderly", "disability", "child", "hardship", "other")


def national_domain_label(code: str) -> str:
    """The national label of a well-known code; an unknown code is shown as itself, never an error."""
    try:
        return str(Domain(code).label)
    except ValueError:
        return code


class BusinessLine(models.TextChoices):
    """法第106条の4第2項 第1号〜第6号 and their イロハニ."""

    L1I = "1i", "第1号イ（地域包括支援センターの運営）"
    L1RO = "1ro", "第1号ロ（障害者相談支援事業）"
    L1HA = "1ha", "第1号ハ（利用者支援事業）"
    L1NI = "1ni", "第1号ニ（生活困窮者自立相談支援事業）"
    L2 = "2", "第2号（参加支援事業）"
    L3I = "3i", "第3号イ（地域介護予防活動支援事業）"
    L3RO = "3ro", "第3号ロ（生活支援体制整備事業）"
    L3HA = "3ha", "第3号ハ（地域活動支援センター事業）"
    L3NI = "3ni", "第3号ニ（地域子育て支援拠点事業）"
    L3HARDSHIP = "3hardship", "生活困窮者支援等のための地域づくり事業"
    L4 = "4", "第4号（アウトリーチ等を通じた継続的支援事業）"
    L5 = "5", "第5号（多機関協働事業）"
    L6 = "6", "第6号（支援プランの作成）"

    @classmethod
    def short_label(cls, value: str) -> str:
        label = str(cls(value).label)
        return label.split("（")[0]


BUSINESS_LINE_PILLAR = {
    "1i": "consultation",
    "1ro": "consultation",
    "1ha": "consultation",
    "1ni": "consultation",
    "2": "participation",
    "3i": "community",
    "3ro": "community",
    "3ha": "community",
    "3ni": "community",
    "3hardship": "community",
    "4": "consultation",
    "5": "consultation",
    "6": "consultation",
}

PILLAR_LABELS = {"consultation": "相談支援", "participation": "参加支援", "community": "地域づくり"}
