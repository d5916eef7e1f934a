"""連絡帳 screens: the reader's threads with unread counts, a case's thread, an agenda item's thread, an
attachment, and turning a post into an agenda item or a plan change.

Every place is fetched through `notebook.case_place` / `notebook.item_place` (cases' and meetings'
policies; the same 404 for missing and forbidden); every showing is audited before rendering, with the
legal basis of the disclosure; every write is one action of `notebook`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission, permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.cases import actions as case_actions
from tsunagu.cases import screens as case_screens
from tsunagu.cases.current import plan_in_force
from tsunagu.cases.forms import MIN_GOAL_ROWS, ActionFormSet, GoalFormSet, PlanForm
from tsunagu.cases.models import PlanStatus
from tsunagu.core.pagination import numbered_page
from tsunagu.core.uploads import private_file_response
from tsunagu.directory.models import Organization

from . import notebook, notebook_plan
from .models import Meeting, MeetingStatus
from .notebook_forms import PlanChangeTokenForm, PostForm, ToAgendaForm
from .notebook_models import NotebookPost, PostKind

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 30


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    return staff


def _url(place: notebook.Place) -> str:
    if place.item is not None:
        return reverse("meetings:notebook_item", args=[place.item.pk])
    return reverse("meetings:notebook_case", args=[place.case.pk])


@login_required
@permission("meetings.notebook")
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """連絡帳: the threads this reader may read now, newest activity first, with their unread counts."""
    staff = _staff(request)
    threads = notebook.with_unread(notebook.visible_threads(staff), staff)
    if request.GET.get("unread") == "1":
        threads = threads.filter(unread__gt=0)  # type: ignore[misc]  # an annotation
    page = numbered_page(threads, request.GET.get("page"), THREADS_PER_PAGE)
    rows = list(page.object_list)
    audit.record(
        actor=staff,
        action="list",
        request=request,
        objects=[("notebook_thread", t.pk) for t in rows] + [("case", t.case_id) for t in rows],
        detail={"threads": len(rows)},
    )
    return render(
        request,
        "meetings/notebook_inbox.html",
        {"page": page, "threads": rows, "only_unread": request.GET.get("unread") == "1"},
    )


def _thread_page(request: HttpRequest, staff: Staff, place: notebook.Place) -> HttpResponse:
    thread = notebook.thread_at(place)
    posts_qs = (
        thread.posts.select_related("author", "organization", "refers_to__author")
        .prefetch_related("followed_by", "links__item__meeting__body", "plan_links__plan")
        .order_by("-pk")
        if thread
        else NotebookPost.objects.none()
    )
    references = (
        thread.posts.filter(Q(kind=PostKind.QUESTION) | Q(author=staff))
        .select_related("author")
        .order_by("-pk")
        if thread
        else NotebookPost.objects.none()
    )
    form = PostForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        references=references,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            notebook.post(
                actor=staff,
                place=place,
                data=notebook.PostInput(
                    kind=d["kind"],
                    body=d["body"],
                    submission_token=d["submission_token"],
                    refers_to=d["refers_to"].pk if d["refers_to"] else None,
                    document=d["document"],
                ),
            )
        except notebook.NotebookError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "投稿しました。")
            return redirect(_url(place))
    page = numbered_page(posts_qs, request.GET.get("page"), POSTS_PER_PAGE)
    posts = list(page.object_list)
    notebook.record_read(actor=staff, place=place, thread=thread, posts=posts, request=request)
    readers = notebook.readers_by_post(posts)
    return render(
        request,
        "meetings/notebook_thread.html",
        {
            "place": place,
            "case": place.case,
            "item": place.item,
            "thread": thread,
            "page": page,
            "posts": [(p, readers.get(p.pk, [])) for p in posts],
            "form": form,
            "follow_up_until": place.item.meeting.follow_up_until()
            if place.item is not None and place.item.needs_acknowledgement()
            else None,
            "may_make_item": place.item is None
            and place.case.coordinator_id == staff.pk
            and has_permission(staff, "meetings.coordinate"),
            "may_change_plan": notebook_plan.may_change_plan(staff, place),
        },
    )


@login_required
@permission("meetings.notebook")
@require_http_methods(["GET", "POST"])
def case_thread(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's thread: for whoever may open the case (cases' policy)."""
    staff = _staff(request)
    return _thread_page(request, staff, notebook.case_place(staff, case_id))


@login_required
@permission("meetings.notebook")
@require_http_methods(["GET", "POST"])
def item_thread(request: HttpRequest, item_id: int) -> HttpResponse:
    """An agenda item's thread: only for those who pass the item's gate now (meetings' policy)."""
    staff = _staff(request)
    return _thread_page(request, staff, notebook.item_place(staff, item_id))


def _post_for(staff: Staff, post_id: int) -> tuple[NotebookPost, notebook.Place]:
    """A post and its place, only when `staff` may read its thread now; 404 otherwise."""
    found = (
        NotebookPost.objects.filter(municipality=staff.municipality, pk=post_id)
        .select_related("thread")
        .first()
    )
    if found is None:
        raise Http404
    t = found.thread
    place = notebook.item_place(staff, t.item_id) if t.item_id else notebook.case_place(staff, t.case_id)
    return found, place


@login_required
@permission("meetings.notebook")
@require_GET
def attachment(request: HttpRequest, post_id: int) -> HttpResponseBase:
    """A post's attachment, only through this access-checked, audited view (never a public URL)."""
    staff = _staff(request)
    found, place = _post_for(staff, post_id)
    if not found.document:
        raise Http404
    audit.record(
        actor=staff,
        action="view",
        request=request,
        objects=[*place.audit_objects(), ("notebook_post", found.pk)],
        reason=place.reason(),
        detail={"attachment": True},
    )
    return private_file_response(found.document, f"notebook-{found.pk}")


@login_required
@permission("meetings.coordinate")
@require_http_methods(["GET", "POST"])
def to_agenda(request: HttpRequest, post_id: int) -> HttpResponse:
    """議題にする: the case's 束ね役 puts a case-thread post on a coming sitting's agenda."""
    staff = _staff(request)
    found, place = _post_for(staff, post_id)
    if place.item is not None or place.case.coordinator_id != staff.pk:
        raise Http404
    meetings = Meeting.objects.filter(
        municipality=staff.municipality, status=MeetingStatus.PLANNED, starts_at__gte=timezone.now()
    ).select_related("body", "area")
    form = ToAgendaForm(
        request.POST if request.method == "POST" else None,
        meetings=meetings,
        organizations=Organization.objects.filter(municipality=staff.municipality, active=True),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = notebook.post_to_agenda(
                actor=staff,
                post=found,
                meeting=d["meeting"],
                purpose=d["purpose"],
                minutes=d["minutes"],
                function=d["function"],
                organizations=list(d["organizations"]),
            )
        except notebook.NotebookError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "議題に加えました。")
            return redirect("meetings:item", item_id=item.pk)
    audit.record(
        actor=staff,
        action="view",
        request=request,
        objects=[*place.audit_objects(), ("notebook_post", found.pk)],
        reason=place.reason(),
    )
    return render(
        request,
        "meetings/notebook_to_agenda.html",
        {"post": found, "case": place.case, "form": form},
    )


@login_required
@permission("meetings.notebook")
@require_http_methods(["GET", "POST"])
def to_plan(request: HttpRequest, post_id: int) -> HttpResponse:
    """プランに反映する: a 束ね役 who may edit the case's plan saves a plan change from a case-thread post
    (its text prefilled as the reason) through cases' action; the post then links to the plan version."""
    staff = _staff(request)
    found, place = _post_for(staff, post_id)
    if place.item is not None or not has_permission(staff, "cases.coordinate"):
        raise Http404
    if not notebook_plan.may_change_plan(staff, place):
        messages.error(request, "終結したケースの支援プランは変更できません。再開すると変更できます。")
        return redirect(_url(place))
    case = place.case
    current = plan_in_force(case)
    mode = "create" if current is None else ("edit" if current.status == PlanStatus.DRAFT else "revise")
    muni = case.municipality
    error = ""
    token = PlanChangeTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        more = "more_rows" in request.POST
        data = case_screens.with_more_rows(request.POST) if more else request.POST
        form = PlanForm(data)
        goal_fs = GoalFormSet(data, prefix="goals")
        n_goals = goal_fs.total_form_count() if goal_fs.management_form.is_valid() else MIN_GOAL_ROWS
        action_fs = ActionFormSet(
            data, prefix="actions", form_kwargs={"municipality": muni, "goal_rows": n_goals}
        )
        if not more and not token.is_valid():
            error = "画面を開き直してから保存してください。何も保存していません。"
        elif not more and form.is_valid() and goal_fs.is_valid() and action_fs.is_valid():
            try:
                if (current.pk if current else None) != form.cleaned_data.get("plan_id"):
                    raise case_actions.StaleEdit()
                link = notebook_plan.post_to_plan(
                    actor=staff,
                    post=found,
                    place=place,
                    data=case_screens.plan_input(form, goal_fs, action_fs),
                    plan=current,
                    edit_version=form.cleaned_data.get("edit_version"),
                    submission_token=token.cleaned_data["submission_token"],
                )
            except (notebook.NotebookError, case_actions.CaseError) as e:
                error = str(e)
            else:
                messages.success(request, f"支援プラン第{link.plan.version_no}版に反映しました。")
                return redirect(f"{_url(place)}#post-{found.pk}")
        elif not more:
            error = "入力内容を確認してください（赤字の項目）。何も保存していません。"
    else:
        head, goals, acts = case_screens.plan_initial(current)
        head["change_reason"] = notebook_plan.reason_from(found)
        form = PlanForm(initial=head)
        goal_fs = GoalFormSet(initial=goals, prefix="goals")
        action_fs = ActionFormSet(
            initial=acts, prefix="actions", form_kwargs={"municipality": muni, "goal_rows": len(goals)}
        )
    audit.record(
        actor=staff,
        action="view",
        request=request,
        objects=[
            *place.audit_objects(),
            ("notebook_post", found.pk),
            *([("support_plan", current.pk)] if current else []),
        ],
        reason=place.reason(),
        detail={"form": "plan_from_post"},
    )
    return render(
        request,
        "meetings/notebook_to_plan.html",
        {
            "case": case,
            "post": found,
            "form": form,
            "goal_fs": goal_fs,
            "action_fs": action_fs,
            "token": token,
            "mode": mode,
            "current": current,
            "error": error,
        },
    )
