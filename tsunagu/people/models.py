"""Persons and households (本人・世帯). Personal data: read only through `tsunagu.access`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import models

from tsunagu.core.address import address_key
from tsunagu.core.kana import search_key
from tsunagu.core.wareki import age_on
from tsunagu.municipalities.models import Area, Municipality


def person_keys(
    family_name: str, given_name: str, family_kana: str, given_kana: str, address: str = ""
) -> dict[str, str]:
    """The derived search keys of a person, for code that bypasses save() (bulk_create, COPY).

    `Person.save()` computes the same keys; bulk loaders should call this and pass the result on:
    `Person(**fields, **person_keys(...))`.
    """
    from .matching import phonetic_kana

    kana = search_key(family_kana + given_kana)
    return {
        "name_key": search_key(family_name + given_name),
        "kana_key": kana,
        "address_key": address_key(address),
        "phonetic_key": phonetic_kana(kana),
    }


KEY_FIELDS = ("name_key", "kana_key", "address_key", "phonetic_key")

# How staff write "Japanese" in the free-text nationality field (anything else is a foreign nationality).
JAPANESE_NATIONALITY = frozenset(
    {"日本", "日本国", "日本国籍", "にほん", "Japan", "JAPAN", "japan", "JP", "JPN"}
)
# Communication needs that come with a disability, not with a foreign language.
DISABILITY_COMMUNICATION = ("手話", "点字", "要約筆記", "筆談")


class Sex(models.TextChoices):
    FEMALE = "female", "女性"
    MALE = "male", "男性"
    OTHER = "other", "その他"
    UNKNOWN = "unknown", "不明・未回答"


class Relationship(models.TextChoices):
    """続柄 relative to the household's head (世帯主)."""

    HEAD = "head", "世帯主"
    SPOUSE = "spouse", "配偶者"
    CHILD = "child", "子"
    PARENT = "parent", "父母"
    SIBLING = "sibling", "兄弟姉妹"
    GRANDCHILD = "grandchild", "孫"
    GRANDPARENT = "grandparent", "祖父母"
    CHILD_IN_LAW = "child_in_law", "子の配偶者"
    OTHER_RELATIVE = "other_relative", "その他の親族"
    NON_RELATIVE = "non_relative", "同居人"


class Household(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    address = models.CharField("住所", max_length=200, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField("備考", blank=True)
    synthetic = models.BooleanField("デモ用の架空データ", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "世帯"
        indexes = [models.Index(fields=["municipality", "area"], name="household_muni_area")]

    def __str__(self) -> str:
        return f"世帯 {self.pk}"


class Person(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    family_name = models.CharField("姓", max_length=40)
    given_name = models.CharField("名", max_length=40, blank=True)
    family_kana = models.CharField("セイ", max_length=60, blank=True)
    given_kana = models.CharField("メイ", max_length=60, blank=True)
    name_key = models.CharField(max_length=100, db_index=True, editable=False)
    kana_key = models.CharField(max_length=120, db_index=True, editable=False)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField("推定年齢", null=True, blank=True)
    sex = models.CharField("性別", max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    address = models.CharField("住所", max_length=200, blank=True)
    # Filled from `address` by save() / person_keys(); "" when unknown so bulk loaders that predate it work.
    address_key = models.CharField(max_length=200, blank=True, default="", editable=False)
    # The reading with 濁点, small kana and 長音 folded (matching.phonetic_kana): 名寄せ finds records that
    # read alike through it. Filled by save() / person_keys(); "" from loaders that predate it.
    phonetic_key = models.CharField(max_length=120, blank=True, default="", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    phone = models.CharField("電話", max_length=40, blank=True)
    nationality = models.CharField("国籍", max_length=40, blank=True)
    language_needs = models.CharField("言語・通訳の必要", max_length=100, blank=True)
    # A disability staff have recorded (手帳・診断・障害福祉サービスの利用): the escalation rules count the
    # concerns about this person in the 障害 domain (intake/escalation.py). Set by people.actions only.
    # db_default: bulk loaders (generate_history) that list their own columns leave it out.
    disability = models.BooleanField(
        "障害がある（手帳・診断・サービス利用）", default=False, db_default=False
    )
    deceased = models.BooleanField("死亡", default=False)
    synthetic = models.BooleanField("デモ用の架空データ", default=False)
    # Set by 名寄せ: this record was merged into another and is kept only so the merge can be split back.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed",
        verbose_name="名寄せ先",
    )
    # Set by retention (people.actions.apply_retention): the record outlived its retention period but is
    # still pointed at (a relationship, a 名寄せ record), so its identity was removed instead of the row.
    anonymised_on = models.DateField("匿名化日", null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "本人"
        indexes = [
            models.Index(fields=["municipality", "kana_key"], name="person_muni_kana"),
            models.Index(fields=["municipality", "birth_date"], name="person_muni_birth"),
            models.Index(fields=["municipality", "phonetic_key"], name="person_muni_phonetic"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.refresh_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | set(KEY_FIELDS)
        super().save(*args, **kwargs)

    def refresh_keys(self) -> None:
        keys = person_keys(self.family_name, self.given_name, self.family_kana, self.given_kana, self.address)
        for field, value in keys.items():
            setattr(self, field, value)

    @property
    def full_name(self) -> str:
        return f"{self.family_name}\u3000{self.given_name}".strip()

    @property
    def full_kana(self) -> str:
        return f"{self.family_kana}\u3000{self.given_kana}".strip()

    def age(self, on: dt.date | None = None) -> int | None:
        if self.birth_date:
            return age_on(self.birth_date, on or dt.date.today())
        return self.estimated_age

    @property
    def foreign_or_language_need(self) -> bool:
        """A nationality other than Japanese, or a need for a language other than Japanese (通訳).

        手話・点字・要約筆記 are communication needs of a disability, not of a foreign language."""
        if self.nationality.strip() and self.nationality.strip() not in JAPANESE_NATIONALITY:
            return True
        need = self.language_needs.strip()
        return bool(need) and not any(word in need for word in DISABILITY_COMMUNICATION)


class HouseholdMember(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relationship = models.CharField("続柄", max_length=20, choices=Relationship.choices)
    lives_together = models.BooleanField("同居", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "世帯員"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "household", "person"], name="household_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relationship_display()})"


class PersonMerge(models.Model):
    """One 名寄せ: `absorbed` was merged into `kept`. Records every moved row so it can be split back.

    `moved` maps "app_label.Model.field" to the primary keys of the rows whose person reference was
    rewired from `absorbed` to `kept`; `kept_on_absorbed` lists rows left on the absorbed record because
    moving them would break a unique constraint (e.g. both were members of the same household).
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    absorbed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    reason = models.TextField("理由")
    moved = models.JSONField(default=dict)
    kept_on_absorbed = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="名寄せ実施者"
    )
    merged_at = models.DateTimeField("名寄せ日時", auto_now_add=True)
    split_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="分離実施者",
    )
    split_at = models.DateTimeField("分離日時", null=True, blank=True)
    split_reason = models.TextField("分離の理由", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "名寄せ記録"
        indexes = [models.Index(fields=["municipality", "merged_at"], name="person_merge_muni_at")]

    def __str__(self) -> str:
        return f"名寄せ {self.pk}: {self.absorbed_id} → {self.kept_id}"

    @property
    def is_split(self) -> bool:
        return self.split_at is not None

    @property
    def moved_count(self) -> int:
        """How many rows the merge rewired (household memberships, consultations …)."""
        return sum(len(ids) for ids in self.moved.values())


class RelationshipKind(models.TextChoices):
    """How person_a relates to person_b; directed kinds read 「A は B の…」."""

    PARENT_OF = "parent_of", "親"
    SPOUSE_OF = "spouse_of", "配偶者"
    SIBLING_OF = "sibling_of", "兄弟姉妹"
    GRANDPARENT_OF = "grandparent_of", "祖父母"
    PARTNER_OF = "partner_of", "パートナー（事実婚など）"
    GUARDIAN_OF = "guardian_of", "後見人・保護者"
    OTHER = "other", "その他"


# Kinds that read the same both ways: a genogram draws one line, and order of the pair carries no meaning.
SYMMETRIC_KINDS = frozenset(
    {
        RelationshipKind.SPOUSE_OF,
        RelationshipKind.SIBLING_OF,
        RelationshipKind.PARTNER_OF,
        RelationshipKind.OTHER,
    }
)


class PersonRelationship(models.Model):
    """A family relationship between two persons, independent of any household (for the genogram).

    `HouseholdMember.relationship` is the 続柄 to the head of one household; this records who is whose
    parent, spouse or guardian even when they live apart or one has died. Directed kinds read
    「person_a は person_b の <kind>」 (parent_of: a is b's parent); symmetric kinds are stored once.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    person_a = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships_as_a")
    person_b = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships_as_b")
    kind = models.CharField("関係", max_length=20, choices=RelationshipKind.choices)
    living_together = models.BooleanField("同居", default=False)
    ended = models.BooleanField("離別・死別", default=False)
    note = models.CharField("備考", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "親族関係"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "person_a", "person_b", "kind"], name="person_relationship_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(person_a=models.F("person_b")), name="person_relationship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id} {self.get_kind_display()} {self.person_b_id}"

    @property
    def symmetric(self) -> bool:
        return self.kind in SYMMETRIC_KINDS

    @property
    def living_label(self) -> str:
        return "同居" if self.living_together else "別居"

    def label_from(self, person_id: int) -> str:
        """What the *other* person is to `person_id`, e.g. 「親」 seen from the child is 「親」 of them."""
        kind = RelationshipKind(self.kind)
        if self.symmetric or person_id == self.person_b_id:
            return kind.label
        return _INVERSE_LABELS[kind]

    def other(self, person_id: int) -> Person:
        return self.person_b if person_id == self.person_a_id else self.person_a


# Directed kinds seen from person_a: the other (person_b) is their child / grandchild / ward.
_INVERSE_LABELS = {
    RelationshipKind.PARENT_OF: "子",
    RelationshipKind.GRANDPARENT_OF: "孫",
    RelationshipKind.GUARDIAN_OF: "被後見人・被保護者",
}


def relationships_for_household(
    household: Household, member_ids: Iterable[int] | None = None
) -> list[PersonRelationship]:
    """Relationships that touch any current member of `household` (either end), for the household page.

    The caller has already fetched `household` through `tsunagu.access` (and audits the persons it
    shows); `member_ids` saves a query when it has the members already. Persons merged into another
    record are followed through the kept record's rows, so a relationship recorded on a duplicate
    appears once the duplicate is merged.
    """
    if member_ids is None:
        member_ids = household.members.values_list("person_id", flat=True)
    member_ids = list(member_ids)
    return list(
        PersonRelationship.objects.filter(municipality_id=household.municipality_id)
        .filter(models.Q(person_a_id__in=member_ids) | models.Q(person_b_id__in=member_ids))
        .select_related("person_a", "person_b")
        .order_by("ended", "kind", "pk")
    )


class MatchDecision(models.TextChoices):
    AUTO_LINK = "auto_link", "4項目一致"
    REVIEW = "review", "要確認"
    DISTINCT = "distinct", "別人の可能性が高い"


class PersonMatchCandidate(models.Model):
    """A stored 名寄せ pair (left id < right id), kept current by `tsunagu.people.candidates`.

    Written only by `candidates.recompute_candidates` (a command, never a page request) and
    `candidates.refresh_candidates_for` (after persons are written); the candidates page reads and pages
    these rows. `evidence` holds the matcher's evidence codes (labels in `matching.EVIDENCE`), never names.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    left = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(max_digits=6, decimal_places=2)
    decision = models.CharField(max_length=12, choices=MatchDecision.choices)
    namesake = models.BooleanField(default=False)
    evidence = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "名寄せ候補"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "left", "right"], name="person_match_pair_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(left__lt=models.F("right")), name="person_match_left_first"
            ),
        ]
        indexes = [
            # The two tabs of the candidates page, each read in its order (keyset paging).
            models.Index(
                fields=["municipality", "-score", "left", "right"],
                name="person_match_review_page",
                condition=~models.Q(decision="distinct"),
            ),
            models.Index(
                fields=["municipality", "-score", "left", "right"],
                name="person_match_namesake_page",
                condition=models.Q(namesake=True),
            ),
            models.Index(fields=["right"], name="person_match_right"),
        ]

    def __str__(self) -> str:
        return f"名寄せ候補 {self.left_id}・{self.right_id}"


class PersonMatchRun(models.Model):
    """One full recomputation of a city's 名寄せ candidates (`manage.py match_persons`)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField()
    persons = models.PositiveIntegerField()
    compared_pairs = models.PositiveBigIntegerField()
    stored_pairs = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        verbose_name = verbose_name_plural = "名寄せ候補の再計算"
        indexes = [models.Index(fields=["municipality", "-finished_at"], name="person_match_run_latest")]

    def __str__(self) -> str:
        return f"名寄せ再計算 {self.finished_at:%Y-%m-%d %H:%M}"
