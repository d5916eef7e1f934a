"""How the case papers read: a section heading never stands alone at the foot of a page, and every date
on them says what it is (協議日, 作成日 …)."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pypdf
import pytest

from tsunagu.documents.pdf import render_pdf

FOOTER_TOP = 60.0  # points from the bottom: the footer (出力者, page number, 廃棄) sits below this
HEADING = re.compile(r"^\d+　\S")


def fragments(pdf: bytes) -> list[list[tuple[float, str]]]:
    """Per page, (height from the bottom in points, text) of every text run."""
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        runs: list[tuple[float, str]] = []

        def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any, runs: Any = runs) -> None:
            if text.strip():
                runs.append((cm[1] * tm[4] + cm[3] * tm[5] + cm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def lonely_headings(pdf: bytes) -> list[str]:
    """Headings with nothing of their section under them on the same page."""
    found = []
    for no, runs in enumerate(fragments(pdf), start=1):
        for y, text in runs:
            if HEADING.match(text) and not any(FOOTER_TOP < y2 < y - 3 for y2, _ in runs):
                found.append(f"page {no}: {text}")
    return found


def member(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "is_subject": i == 0,
        "name": f"山田 {i}郎",
        "kana": "ヤマダ",
        "birth": "昭和50年1月1日",
        "age": "51歳",
        "relationship": "子",
        "lives_together": True,
    }


def common(n_members: int) -> dict[str, Any]:
    return {
        "program": "重層的支援体制整備事業　多機関協働事業",
        "municipality": "テスト町",
        "case_label": "2026-0001",
        "case_status": "支援中",
        "coordinator": "束ね 役子（福祉課）",
        "opened_on": "令和8年1月5日",
        "printed": {
            "by": "職員",
            "org": "福祉課",
            "at": "令和8年11月1日 9時00分",
            "retention_days": 7,
            "discard_by": "令和8年11月8日",
        },
        "members": [member(i) for i in range(n_members)],
    }


PLAN: dict[str, Any] = {
    "version_label": "第2版　協議済",
    "status": "協議済",
    "created_on": "令和8年4月1日",
    "overall_goal": "地域で安心して暮らし続ける",
    "change_reason": "評価を受けて見直し",
    "monitoring_on": "令和8年7月1日",
    "agreed_on": "令和8年4月10日",
    "agreed_note": "重層的支援会議",
    "agreed_recorded_on": "令和8年4月11日",
    "goals": [
        {
            "no": n,
            "text": f"目標{n}の文",
            "life_area": "経済",
            "review_on": "令和8年9月30日",
            "attainment": "一部達成",
            "evaluated_on": "令和8年7月1日",
        }
        for n in (1, 2, 3)
    ],
    "actions": [
        {
            "goal_no": "1",
            "description": "家計の相談",
            "organization": "社協",
            "role": "主担当",
            "person_in_charge": "",
            "due_on": "令和8年6月30日",
            "review_on": "",
            "status": "実施中",
        }
    ]
    * 3,
}


def plan_paper(n: int) -> dict[str, Any]:
    consent = {
        "given_on": "令和8年3月1日",
        "given_by": "山田 0郎　根拠: 本人",
        "method": "書面",
        "organizations": ["社協"],
        "meetings": ["重層的支援会議"],
        "expires_on": "",
        "state": "有効",
    }
    return common(n) | {"person_wish": "家で暮らしたい", "plan": PLAN, "consents": [consent] * 2}


def evaluation_paper(n: int) -> dict[str, Any]:
    monitoring = {
        "held_on": "令和8年7月1日",
        "summary": "予定どおり",
        "next_on": "令和8年10月1日",
        "recorded_by": "職員",
    }
    closure = {
        "closed_on": "令和8年10月30日",
        "goal_attainment": "一部達成",
        "reason": "安定した",
        "handover_to": "",
        "handover_note": "",
        "main_agency": "社協",
    }
    return common(n) | {"plan": PLAN, "monitorings": [monitoring] * 3, "closure": closure}


@pytest.mark.parametrize(
    ("template", "build"), [("case_plan", plan_paper), ("case_evaluation", evaluation_paper)]
)
def test_no_section_heading_stands_alone_at_a_page_foot(template, build):
    """Household sizes from 0 to 35 move every heading across the foot of the first and second pages."""
    problems = []
    pages_seen = set()
    for n in range(0, 36):
        pdf = render_pdf(template, build(n))
        pages_seen.add(len(fragments(pdf)))
        problems += [f"{n} members, {p}" for p in lonely_headings(pdf)]
    assert len(pages_seen) >= 2  # the sizes did push sections over a page break
    assert problems == []


def text_of(pdf: bytes) -> str:
    return "".join(t for page in fragments(pdf) for _y, t in page)


def test_every_date_is_labelled():
    plan = text_of(render_pdf("case_plan", plan_paper(2)))
    for label, date in [
        ("作成日", "令和8年4月1日"),
        ("協議日", "令和8年4月10日"),
        ("協議した会議", "重層的支援会議"),
        ("次回モニタリング日", "令和8年7月1日"),
        ("同意日", "令和8年3月1日"),
        ("評価日", "令和8年9月30日"),
        ("開始日", "令和8年1月5日"),
    ]:
        assert label in plan and date in plan, label
    assert "申込日" in plan  # the hand-written date of the 利用申込
    evaluation = text_of(render_pdf("case_evaluation", evaluation_paper(2)))
    for label in ("開始日", "実施日", "次回モニタリング日", "終結日", "協議日", "評価した日"):
        assert label in evaluation, label


@pytest.mark.django_db
def test_monitoring_records_each_goals_attainment_which_the_evaluation_sheet_prints(client):
    """Today the 達成状況 column is all "—": it is judged per goal at a monitoring and printed."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories import login_client
    from tsunagu.access.models import AuditEvent
    from tsunagu.cases.models import PlanGoal
    from tsunagu.cases.pdf_views import evaluation_data
    from tsunagu.core.wareki import wareki

    from .helpers import make_world
    from .pages import url

    w = make_world()
    goal = PlanGoal.objects.get(plan=w.plan)
    login_client(client, w.coordinator)
    page = client.get(url("cases:monitoring", w.case.pk)).content.decode()
    assert "目標ごとの達成状況" in page and f'name="goal_{goal.pk}"' in page
    held = timezone.localdate() - dt.timedelta(days=1)
    post = {
        "held_on": held.isoformat(),
        "summary": "家計が安定してきた",
        f"goal_{goal.pk}": "bogus",
        "submission_token": str(uuid.uuid4()),
    }
    response = client.post(url("cases:monitoring", w.case.pk), post)
    assert response.status_code == 200 and "達成状況を選び直してください" in response.content.decode()
    goal.refresh_from_db()
    assert goal.attainment == ""
    assert (
        client.post(url("cases:monitoring", w.case.pk), post | {f"goal_{goal.pk}": "partly"}).status_code
        == 302
    )
    goal.refresh_from_db()
    assert (goal.attainment, goal.attainment_on) == ("partly", held)
    event = AuditEvent.objects.filter(action="create", detail__has_key=f"goal{goal.pk}_attainment").latest(
        "seq"
    )
    assert event.detail[f"goal{goal.pk}_attainment"] == ["", "partly"]
    printed = evaluation_data(w.case, w.coordinator, timezone.now())
    assert printed["plan"]["goals"][0]["attainment"] == "一部達成"
    assert printed["plan"]["goals"][0]["evaluated_on"] == wareki(held)
    assert "達成状況: 一部達成" in client.get(url("cases:detail", w.case.pk)).content.decode()
