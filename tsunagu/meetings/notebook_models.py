"""連絡帳 (issue 11 part 8): the agencies' shared message threads between meetings.

A thread belongs to a case (the team's daily sharing) or to one agenda item (what the members selected for
that item share about it). Who may read or post is never stored here: it is the case's rule (cases'
policy) or the item's gate (meetings' policy) at the moment of reading. Posts are never changed after the
fact — a correction is a new post that names the one it corrects — so these rows are written once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Municipality

# Longest post body (characters): a message, not a document — documents go in as attachments.
POST_MAX_CHARS = 2000


class NotebookThread(models.Model):
    """A thread (連絡帳のスレッド): one per case, and one per agenda item."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "meetings.AgendaItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "連絡帳のスレッド"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case"],
                condition=Q(item__isnull=True),
                name="notebook_case_thread_once",
            ),
            models.UniqueConstraint(
                fields=["municipality", "item"],
                condition=Q(item__isnull=False),
                name="notebook_item_thread_once",
            ),
        ]

    def __str__(self) -> str:
        return f"連絡帳 {self.pk}"


class PostKind(models.TextChoices):
    UPDATE = "update", "連絡"
    QUESTION = "question", "質問"
    ANSWER = "answer", "回答"
    CORRECTION = "correction", "訂正"


class NotebookPost(models.Model):
    """One post (投稿): its author, the author's organization at the time, when, and what. Never edited."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    thread = models.ForeignKey(NotebookThread, on_delete=models.PROTECT, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("種類", max_length=12, choices=PostKind.choices, default=PostKind.UPDATE)
    # An answer names its question; a correction names the post it corrects.
    refers_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="followed_by"
    )
    body = models.TextField("本文", max_length=POST_MAX_CHARS)
    # One attachment per post (PDF/JPEG/PNG by content), stored under a random name; served only through
    # the access-checked, audited attachment view.
    document = models.FileField("添付ファイル", upload_to="notebook/%Y/", blank=True)
    document_bytes = models.PositiveIntegerField("添付ファイルの大きさ", default=0)
    submission_token = models.UUIDField("送信識別子", editable=False)
    created_at = models.DateTimeField("投稿日時", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "連絡帳の投稿"
        ordering = ["pk"]
        constraints = [
            # A double submit (two clicks, a reload) carries the same token: the second insert fails.
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="notebook_post_unique_submission"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["update", "question"]) | Q(refers_to__isnull=False),
                name="notebook_answer_or_correction_refers",
            ),
        ]

    def __str__(self) -> str:
        return f"投稿 {self.pk}"

    def document_kind(self) -> str:
        name = self.document.name.lower() if self.document else ""
        return {"pdf": "PDF", "jpg": "JPEG", "png": "PNG"}.get(name.rsplit(".", 1)[-1], "") if name else ""


class NotebookRead(models.Model):
    """既読: a staff member was shown a post (one row per post and reader, so 'who has read what' is exact
    even when a reader paged back to older posts)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(NotebookPost, on_delete=models.PROTECT, related_name="reads")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "連絡帳の既読"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "post", "staff"], name="notebook_read_once"),
        ]

    def __str__(self) -> str:
        return f"既読 {self.pk}"


class NotebookPlanLink(models.Model):
    """A post that became a plan change (プランに反映した): the plan version the change saved, so the thread
    links to it. Written in the same transaction as the plan (cases' `save_plan_within`); the change
    form's submission token, unique here, stops a double submit."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(NotebookPost, on_delete=models.PROTECT, related_name="plan_links")
    plan = models.ForeignKey("cases.SupportPlan", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submission_token = models.UUIDField("送信識別子", editable=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="notebook_plan_link_unique_submission"
            ),
        ]

    def __str__(self) -> str:
        return f"連絡帳からプラン変更 {self.pk}"


class NotebookLink(models.Model):
    """A post that became an agenda item (議題にした): kept so the thread shows where it went."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(NotebookPost, on_delete=models.PROTECT, related_name="links")
    item = models.ForeignKey("meetings.AgendaItem", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "post", "item"], name="notebook_link_once"),
        ]

    def __str__(self) -> str:
        return f"連絡帳から議題 {self.pk}"
