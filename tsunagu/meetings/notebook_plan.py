"""A 連絡帳 post becomes a plan change (プランに反映する), without waiting for a meeting.

From a post in a case thread, a 束ね役 who may edit the case's plan (cases' `cases.coordinate`, on a case
cases' policy lets them open) saves the plan through cases' own action (`save_plan_within`: create, edit
the draft, or revise an agreed plan as a new version), the post's text prefilled as the change's reason.
The link from the post to the plan version is this app's own row, written in the same transaction; the
form's submission token (unique on the link) makes a double submit return the first change.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission
from tsunagu.accounts.models import Staff
from tsunagu.cases import actions as case_actions
from tsunagu.cases.models import OPEN_STATUSES, SupportPlan

from .notebook import NotebookError, Place
from .notebook_models import NotebookPlanLink, NotebookPost

REASON_MAX_CHARS = 200  # cases' PlanForm.change_reason


def may_change_plan(staff: Staff, place: Place) -> bool:
    """Whether `staff` may turn posts of this (already readable) thread into plan changes."""
    return (
        place.item is None
        and place.case.status in OPEN_STATUSES
        and has_permission(staff, "cases.coordinate")
    )


def reason_from(post: NotebookPost) -> str:
    """The post's text as the change's reason, on one line, cut to what the plan keeps."""
    text = f"連絡帳 No.{post.pk}: " + " ".join(post.body.split())
    return text if len(text) <= REASON_MAX_CHARS else text[: REASON_MAX_CHARS - 1] + "…"


def _link_for(post: NotebookPost, token: uuid.UUID) -> NotebookPlanLink | None:
    return (
        NotebookPlanLink.objects.filter(municipality_id=post.municipality_id, submission_token=token)
        .select_related("plan")
        .first()
    )


def _same_submission(link: NotebookPlanLink, actor: Staff, post: NotebookPost) -> NotebookPlanLink:
    if link.created_by_id != actor.pk or link.post_id != post.pk:
        raise NotebookError("この画面は古くなっています。画面を開き直してから保存してください。")
    return link


@transaction.atomic(durable=True)
def post_to_plan(
    *,
    actor: Staff,
    post: NotebookPost,
    place: Place,
    data: case_actions.PlanInput,
    plan: SupportPlan | None,
    edit_version: int | None,
    submission_token: uuid.UUID,
) -> NotebookPlanLink:
    """Save the plan change made from `post` and link the post to the saved plan version, in one
    transaction with its audit rows. `place` is the post's thread, fetched through cases' policy. The same
    submission token again returns the first link and writes nothing."""
    if place.item is not None or post.thread.case_id != place.case.pk or post.thread.item_id is not None:
        raise NotebookError("ケースの連絡帳の投稿だけをプランに反映できます。")
    if post.municipality_id != actor.municipality_id or not may_change_plan(actor, place):
        raise NotebookError("このケースの支援プランを変更できるのは、束ね役だけです。")
    if (first := _link_for(post, submission_token)) is not None:
        return _same_submission(first, actor, post)
    try:
        with transaction.atomic():
            saved = case_actions.save_plan_within(
                actor=actor, case=place.case, data=data, plan=plan, edit_version=edit_version
            )
            link = NotebookPlanLink.objects.create(
                municipality_id=post.municipality_id,
                post=post,
                plan=saved,
                created_by=actor,
                submission_token=submission_token,
            )
    except (IntegrityError, case_actions.StaleEdit) as e:
        # The same form sent twice at once: the first request's change stands (the second found its plan
        # version taken, or its token on the link).
        if (first := _link_for(post, submission_token)) is not None:
            return _same_submission(first, actor, post)
        if isinstance(e, IntegrityError):
            raise
        raise NotebookError(str(e)) from None
    except case_actions.CaseError as e:
        raise NotebookError(str(e)) from None
    audit.record(
        actor=actor,
        action="create",
        objects=[*place.audit_objects(), ("notebook_post", post.pk), ("support_plan", saved.pk)],
        reason=place.reason(),
        detail={"plan_link": link.pk, "version": saved.version_no},
    )
    return link
