"""Live 連絡帳 threads for the demo city (issue 11 part 9), written through `notebook.post`.

For the demo city's open cases: the 束ね役 and the agency worker (where cases' policy lets the worker open
the case) share updates, a question is asked and answered, a post is corrected by a new one; the coming
sitting's first item gets a thread of its own. Each post has a deterministic submission token, so running
`setup_demo` again writes nothing twice. Registered after the meetings' year (order 210).
"""

from __future__ import annotations

import uuid

from django.http import Http404

from tsunagu.accounts.models import Role, Staff
from tsunagu.cases.models import Case, CaseStatus
from tsunagu.core.demo import DemoWorld

from . import notebook
from .models import AgendaItem, ItemStatus
from .notebook_models import NotebookThread, PostKind

_TOKENS = uuid.UUID("6b1c7f0e-2d7e-4a53-9a7e-0c3f3b0d2a11")
CASES = 3


def _token(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_TOKENS, ":".join(str(p) for p in parts))


def _place(staff: Staff, case: Case) -> notebook.Place | None:
    try:
        return notebook.case_place(staff, case.pk)
    except Http404:
        return None


def _say(
    staff: Staff, place: notebook.Place, key: str, kind: str, body: str, refers_to: int | None = None
) -> int:
    made = notebook.post(
        actor=staff,
        place=place,
        data=notebook.PostInput(
            kind=kind,
            body=body,
            submission_token=_token(place.case.pk, place.item and place.item.pk, key),
            refers_to=refers_to,
        ),
    )
    return made.pk


def _case_thread(coordinator: Staff, worker: Staff | None, case: Case) -> int:
    place = _place(coordinator, case)
    if place is None:
        return 0
    _say(
        coordinator,
        place,
        "c1",
        PostKind.UPDATE,
        "本日、本人宅を訪問しました。体調は落ち着いています。次回は来週の予定です。",
    )
    wrong = _say(coordinator, place, "c2", PostKind.UPDATE, "家計相談の面談日は10日です。")
    _say(
        coordinator,
        place,
        "c3",
        PostKind.CORRECTION,
        f"No.{wrong}の訂正: 面談日は10日ではなく17日です。",
        wrong,
    )
    count = 3
    theirs = _place(worker, case) if worker is not None else None
    if worker is not None and theirs is not None:
        question = _say(
            worker,
            theirs,
            "w1",
            PostKind.QUESTION,
            "ご家族から通所の希望が出ています。次の会議で役割分担を相談できますか。",
        )
        _say(
            coordinator,
            place,
            "c4",
            PostKind.ANSWER,
            "次回の会議の議題にします。資料の準備をお願いします。",
            question,
        )
        count += 2
    return count


def _item_thread(coordinator: Staff) -> int:
    item = (
        AgendaItem.objects.filter(municipality=coordinator.municipality, case__coordinator=coordinator)
        .exclude(status=ItemStatus.WITHDRAWN)
        .filter(status=ItemStatus.PLACED)
        .order_by("meeting__starts_at", "pk")
        .first()
    )
    if item is None:
        return 0
    try:
        place = notebook.item_place(coordinator, item.pk)
    except Http404:
        return 0
    _say(
        coordinator,
        place,
        "i1",
        PostKind.UPDATE,
        "この議題の資料は会議の3日前までに各機関の記入をお願いします。",
    )
    return 1


def demo_step(world: DemoWorld) -> str:
    muni = world.municipality
    if NotebookThread.objects.filter(municipality=muni).exists():
        return f"{muni}: 連絡帳は既にあります（そのままにします）"
    coordinator = world.staff.get(Role.COORDINATOR)
    if coordinator is None or not coordinator.is_active:
        return f"{muni}: 束ね役のデモ用アカウントがないため、連絡帳は作りませんでした"
    worker = world.staff.get(Role.AGENCY_WORKER)
    cases = Case.objects.filter(
        municipality=muni,
        coordinator=coordinator,
        status__in=[CaseStatus.SUPPORT, CaseStatus.EVALUATION, CaseStatus.PLANNING],
    ).order_by("number")[:CASES]
    posts = sum(_case_thread(coordinator, worker, c) for c in cases)
    posts += _item_thread(coordinator)
    threads = NotebookThread.objects.filter(municipality=muni).count()
    return f"{muni}: 連絡帳 {threads} スレッド・投稿 {posts} 件を作成しました"
