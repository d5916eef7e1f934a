"""連絡帳 screens: the reader's threads with unread counts, a case's thread, an agenda item's thread, an
attachment, and turning a post into an agenda item.

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
from tsunagu.core.pagination import numbered_page
from tsunagu.core.uploads import private_file_response
from tsunagu.directory.models import Organization

from . import notebook
from .models import Meeting, MeetingStatus
from .notebook_forms import PostForm, ToAgendaForm
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
        .prefetch_related("followed_by", "links__item__meeting__body")
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
