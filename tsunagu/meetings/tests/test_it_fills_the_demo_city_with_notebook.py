"""`setup_demo` gives the demo city live 連絡帳 threads (issue 11 part 9), written through the notebook's
actions and readable by the demo logins under the same rules as any other thread; a second run adds none."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tsunagu.accounts.models import Role
from tsunagu.meetings import notebook
from tsunagu.meetings.notebook_models import NotebookPost, NotebookThread, PostKind

pytestmark = pytest.mark.django_db


def setup_demo() -> str:
    out = io.StringIO()
    call_command("setup_demo", "--city", "132047", "--households", "150", stdout=out)
    return out.getvalue()


def test_live_threads_once():
    out = setup_demo()
    threads = NotebookThread.objects.filter(municipality__code="132047")
    assert threads.filter(item__isnull=True).count() >= 2
    assert threads.filter(item__isnull=False).exists()
    posts = NotebookPost.objects.filter(thread__in=threads)
    assert {PostKind.UPDATE, PostKind.QUESTION, PostKind.ANSWER, PostKind.CORRECTION} <= set(
        posts.values_list("kind", flat=True)
    )
    assert "連絡帳" in out
    coordinator = posts.order_by("pk")[0].author  # the demo 束ね役 opens every thread
    assert coordinator.role == Role.COORDINATOR
    assert set(notebook.visible_threads(coordinator)) == set(threads)
    before = posts.count()
    again = setup_demo()
    assert NotebookPost.objects.filter(thread__in=threads).count() == before
    assert "連絡帳は既にあります" in again
