"""連絡帳: who may read and post in which thread, unread counts, and every write (post, read mark, a post
becoming an agenda item).

Access is never decided here on its own. A case thread is open to whoever may open the case under cases'
policy (`get_case_for`: the 束ね役, team organizations named by an active consent, a 支援会議 member inside
the follow-up window, break-glass); an item thread to whoever passes the item's gate under meetings'
policy (`get_item_for`: consent for 重層的支援会議, acknowledged 守秘義務 and the follow-up window for
支援会議). Everyone else gets the same 404 as for a missing case or item, and sees no thread, post or count.

Writes are one transaction each with their audit row; posts are never changed (a correction is a new post
naming the one it corrects), and a double submit is stopped by the post's submission token.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.scope import casework
from tsunagu.accounts.models import Staff
from tsunagu.cases.models import OPEN_STATUSES, Case
from tsunagu.cases.policy import get_case_for, visible_cases
from tsunagu.directory.models import Organization

from . import actions as meeting_actions
from .models import AgendaItem, Meeting
from .notebook_models import (
    POST_MAX_CHARS,
    NotebookLink,
    NotebookPost,
    NotebookRead,
    NotebookThread,
    PostKind,
)
from .policy import get_item_for, visible_items


class NotebookError(Exception):
    """A 連絡帳 write that cannot be done as asked (message in Japanese, for the user)."""


@dataclass(frozen=True)
class Place:
    """Where a thread is: a case (item None) or one agenda item of that case."""

    case: Case
    item: AgendaItem | None = None

    def audit_objects(self) -> list[tuple[str, int]]:
        objs = [("case", self.case.pk)]
        if self.item is not None:
            objs.append(("agenda_item", self.item.pk))
        return objs

    def reason(self) -> str:
        """The legal basis of the disclosure: an item's own (法第106条の6 for 支援会議), else the case's rule."""
        return self.item.legal_basis() if self.item is not None else "ケースの閲覧権限（cases の規則）"


# ---- who may read ---------------------------------------------------------------------------------


def case_place(staff: Staff, case_id: object) -> Place:
    """The case's thread place if `staff` may open the case (cases' policy); Http404 otherwise."""
    return Place(get_case_for(staff, case_id))


def item_place(staff: Staff, item_id: object) -> Place:
    """The item's thread place if `staff` passes the item's gate now (meetings' policy); Http404 otherwise."""
    item = get_item_for(staff, item_id)
    return Place(item.case, item)


def thread_at(place: Place) -> NotebookThread | None:
    rows = NotebookThread.objects.filter(municipality_id=place.case.municipality_id, case=place.case)
    return rows.filter(item=place.item).first() if place.item else rows.filter(item__isnull=True).first()


def visible_threads(staff: Staff, at: dt.datetime | None = None) -> QuerySet[NotebookThread]:
    """Threads `staff` may read at `at`: case threads of cases they may open, item threads of items whose
    gate they pass. Nothing for staff outside casework."""
    cw = casework(staff)
    if cw is None:
        return NotebookThread.objects.none()
    at = at or timezone.now()
    cases = visible_cases(staff, at).values("pk")
    items = visible_items(staff, at).values("pk")
    return NotebookThread.objects.filter(municipality_id=cw.municipality_id).filter(
        Q(item__isnull=True, case__in=cases) | Q(item__in=items)
    )


def with_unread(threads: QuerySet[NotebookThread], staff: Staff) -> QuerySet[NotebookThread]:
    """Each thread with `unread` (others' posts the reader has not been shown), `posts_total` and
    `last_post_at`, newest activity first."""
    seen = NotebookRead.objects.filter(post=OuterRef("pk"), staff=staff)
    unread = (
        NotebookPost.objects.filter(thread=OuterRef("pk"))
        .exclude(author=staff)
        .exclude(Exists(seen))
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        threads.annotate(
            unread=Coalesce(Subquery(unread), Value(0)),
            posts_total=Count("posts"),
            last_post_at=Max("posts__created_at"),
        )
        .select_related("case", "item__meeting__body", "item__meeting__area")
        .order_by(F("last_post_at").desc(nulls_last=True), "-pk")
    )


def readers_by_post(posts: Sequence[NotebookPost]) -> dict[int, list[NotebookRead]]:
    """既読: for each post, who (other than its author) has been shown it, first reader first."""
    out: dict[int, list[NotebookRead]] = {p.pk: [] for p in posts}
    authors = {p.pk: p.author_id for p in posts}
    reads = (
        NotebookRead.objects.filter(post__in=[p.pk for p in posts])
        .select_related("staff__organization")
        .order_by("read_at", "pk")
    )
    for r in reads:
        if r.staff_id != authors[r.post_id]:
            out[r.post_id].append(r)
    return out


# ---- writes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostInput:
    kind: str
    body: str
    submission_token: uuid.UUID
    refers_to: int | None = None
    document: UploadedFile | None = None


def _clean_body(body: str) -> str:
    text = body.replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise NotebookError("本文に使えない文字（NUL）が含まれています。")
    if not text:
        raise NotebookError("本文を入力してください。")
    if len(text) > POST_MAX_CHARS:
        raise NotebookError(f"本文は{POST_MAX_CHARS}文字以内にしてください。")
    return text


def _thread_for_post(place: Place) -> NotebookThread:
    """The place's thread, created on its first post (a concurrent first post finds the other's row)."""
    found = thread_at(place)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return NotebookThread.objects.create(
                municipality_id=place.case.municipality_id, case=place.case, item=place.item
            )
    except IntegrityError:
        found = thread_at(place)
        assert found is not None
        return found


def _refers_to(thread: NotebookThread, actor: Staff, kind: str, ref_id: int | None) -> NotebookPost | None:
    if kind in (PostKind.UPDATE, PostKind.QUESTION):
        return None
    ref = thread.posts.filter(pk=ref_id).first() if ref_id else None
    if kind == PostKind.ANSWER:
        if ref is None or ref.kind != PostKind.QUESTION:
            raise NotebookError("回答する質問を、このスレッドの質問から選んでください。")
        return ref
    if kind == PostKind.CORRECTION:
        if ref is None or ref.author_id != actor.pk:
            raise NotebookError("訂正できるのは、このスレッドのご自身の投稿だけです。")
        return ref
    raise NotebookError("投稿の種類を選んでください。")


def _existing(actor: Staff, token: uuid.UUID) -> NotebookPost | None:
    return NotebookPost.objects.filter(municipality=actor.municipality, submission_token=token).first()


def _same_submission(previous: NotebookPost, actor: Staff, place: Place) -> NotebookPost:
    """A token seen before is the same form sent again only from the same author to the same place."""
    thread = previous.thread
    if (
        previous.author_id != actor.pk
        or thread.case_id != place.case.pk
        or thread.item_id != (place.item.pk if place.item else None)
    ):
        raise NotebookError("この画面は古くなっています。画面を開き直してから投稿してください。")
    return previous


@transaction.atomic
def post(*, actor: Staff, place: Place, data: PostInput) -> NotebookPost:
    """Add a post to the place's thread (update, question, answer to a question, or a correction of one's
    own post). `place` comes from `case_place`/`item_place`, so the reader check has been made. The same
    submission token twice returns the first post and writes nothing."""
    cw = casework(actor)
    if cw is None or place.case.municipality_id != cw.municipality_id:
        raise NotebookError("この連絡帳には投稿できません。")
    previous = _existing(actor, data.submission_token)
    if previous is not None:
        return _same_submission(previous, actor, place)
    if place.case.status not in OPEN_STATUSES:
        # Cases' rule: a closed case is read-only until it is reopened (再開) with a reason.
        raise NotebookError(
            "終結したケースの連絡帳には投稿できません（読むことはできます）。再開すると投稿できます。"
        )
    body = _clean_body(data.body)
    if data.kind not in PostKind.values:
        raise NotebookError("投稿の種類を選んでください。")
    thread = _thread_for_post(place)
    ref = _refers_to(thread, actor, data.kind, data.refers_to)
    try:
        with transaction.atomic():
            created = NotebookPost.objects.create(
                municipality_id=cw.municipality_id,
                thread=thread,
                author=actor,
                organization_id=cw.organization_id,
                kind=data.kind,
                refers_to=ref,
                body=body,
                document=data.document or "",
                document_bytes=(data.document.size or 0) if data.document else 0,
                submission_token=data.submission_token,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request's post stands.
        again = _existing(actor, data.submission_token)
        if again is None:
            raise
        return _same_submission(again, actor, place)
    _mark(actor, [created])
    audit.record(
        actor=actor,
        action="create",
        objects=[*place.audit_objects(), ("notebook_post", created.pk)],
        reason=place.reason(),
        detail={"kind": data.kind, "attachment": bool(data.document), "thread": thread.pk},
    )
    return created


def _mark(staff: Staff, posts: Sequence[NotebookPost]) -> None:
    """Record that `staff` was shown these posts (a post already marked keeps its first time)."""
    NotebookRead.objects.bulk_create(
        [NotebookRead(municipality_id=p.municipality_id, post=p, staff=staff) for p in posts],
        ignore_conflicts=True,
    )


@transaction.atomic
def record_read(
    *,
    actor: Staff,
    place: Place,
    thread: NotebookThread | None,
    posts: Sequence[NotebookPost],
    request: object,
) -> None:
    """Audit the showing of a thread's page (with the disclosure's legal basis) and move the reader's
    既読 mark to the newest post shown. Call before rendering."""
    objs = place.audit_objects()
    if thread is not None:
        objs.append(("notebook_thread", thread.pk))
    audit.record(
        actor=actor,
        action="view",
        request=request,
        objects=objs,
        reason=place.reason(),
        detail={"posts": len(posts), **({"legal_function": place.item.legal_function} if place.item else {})},
    )
    if thread is not None and posts:
        _mark(actor, posts)


@transaction.atomic
def post_to_agenda(
    *,
    actor: Staff,
    post: NotebookPost,
    meeting: Meeting,
    purpose: str,
    minutes: int,
    function: str,
    organizations: Sequence[Organization] = (),
) -> AgendaItem:
    """議題にする: the case's 束ね役 puts a case-thread post on a coming sitting's agenda, the post as the
    item's question. The item is placed by meetings' `place_item` (its gate applies); the link is kept."""
    thread = post.thread
    if thread.item_id is not None:
        raise NotebookError("ケースの連絡帳の投稿だけを議題にできます。")
    if thread.case.coordinator_id != actor.pk:
        raise NotebookError("議題にできるのは、このケースの束ね役だけです。")
    if NotebookLink.objects.filter(post=post, item__meeting=meeting).exists():
        raise NotebookError("この投稿はすでにこの会議の議題です。")
    try:
        item = meeting_actions.place_item(
            actor=actor,
            meeting=meeting,
            case=thread.case,
            purpose=purpose,
            minutes=minutes,
            function=function,
            organizations=organizations,
            question=post.body,
        )
    except meeting_actions.MeetingError as e:
        raise NotebookError(str(e)) from None
    link = NotebookLink.objects.create(
        municipality_id=post.municipality_id, post=post, item=item, created_by=actor
    )
    audit.record(
        actor=actor,
        action="create",
        objects=[("case", thread.case_id), ("notebook_post", post.pk), ("agenda_item", item.pk)],
        detail={"link": link.pk},
    )
    return item
