"""The per-case summary sheet (事例の概要) of an agenda item, as packet sections.

For each item: the facts of the item, the household drawn as a genogram (members only — the meeting is
not shown relatives outside the household) and an ecomap of the organizations around it, concerns by
life area (the newest assessment), the consultation and support history, the agencies involved, the
plan in force with its outstanding actions, each agency's part and the questions for the meeting.

The caller has fetched the items through `policy` (the item gate authorizes showing their cases); the
data for all items is read in a fixed number of queries (a 10-case packet draws ten households at once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from tsunagu.cases.current import plans_in_force
from tsunagu.cases.ecomap_data import OPEN_ACTIONS, case_ecomap, entities_by_case
from tsunagu.cases.models import Assessment, Case, CaseTeamMember, Monitoring, PlanAction, SupportPlan
from tsunagu.core.wareki import wareki
from tsunagu.documents.ecomap import render_ecomap
from tsunagu.documents.genogram import render_genogram
from tsunagu.documents.packet import Diagram, Facts, Heading, Notice, Paragraph, Section, Table
from tsunagu.people.genogram_data import household_genograms
from tsunagu.people.models import Household

from .material_models import AgencyPart
from .materials import parts_of
from .models import AgendaItem


@dataclass(frozen=True)
class CaseSheet:
    """One item's summary sheet, drawn once and reused for every recipient who may see the item."""

    item: AgendaItem
    sections: tuple[Section, ...]
    person_ids: tuple[int, ...]  # everyone drawn, for the caller's audit rows


def _day(d: dt.date | None) -> str:
    return wareki(d) if d else "—"


def _newest_assessments(case_ids: list[int]) -> dict[int, Assessment]:
    out: dict[int, Assessment] = {}
    for a in Assessment.objects.filter(case__in=case_ids).prefetch_related("areas").order_by("version_no"):
        out[a.case_id] = a
    return out


def _parts_table(parts: list[AgencyPart], today: dt.date) -> list[Section]:
    if not parts:
        return [Notice("機関への記入の依頼はありません。")]
    out: list[Section] = []
    for p in parts:
        due = f"提出期限 {_day(p.due_on)}"
        if p.submitted_at is None:
            state = "期限を過ぎて未提出" if p.is_overdue(today) else "未提出"
            out.append(Paragraph(f"{state}です（{due}）。", label=p.organization.name))
            continue
        lines = [
            f"【{label}】{text}"
            for label, text in (
                ("現在の状況", p.situation),
                ("これまでの対応", p.done),
                ("会議で検討したいこと", p.question),
            )
            if text
        ]
        out.append(Paragraph("\n".join(lines), label=p.organization.name))
    return out


def case_sheets(items: Sequence[AgendaItem], *, today: dt.date | None = None) -> list[CaseSheet]:
    """The summary sheets of `items`, in order."""
    today = today or timezone.localdate()
    if not items:
        return []
    cases = {i.case_id: i.case for i in items}
    case_ids = list(cases)
    subjects: dict[int, set[int]] = {}
    for case_id, person_id in Case.persons.through.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "person_id"
    ):
        subjects.setdefault(cases[case_id].household_id, set()).add(person_id)
    households = list(Household.objects.filter(pk__in={c.household_id for c in cases.values()}))
    # Members only (visible=None): the sheet shows the household, not the relatives around it.
    genograms = household_genograms(households, visible=None, subjects=subjects, today=today)
    entities = entities_by_case(cases.values())
    plans = plans_in_force(list(cases.values()))
    assessments = _newest_assessments(case_ids)
    team: dict[int, list[CaseTeamMember]] = {}
    for m in (
        CaseTeamMember.objects.filter(case__in=case_ids, removed_at__isnull=True)
        .select_related("organization")
        .order_by("pk")
    ):
        team.setdefault(m.case_id, []).append(m)
    monitorings: dict[int, list[Monitoring]] = {}
    for mo in Monitoring.objects.filter(case__in=case_ids).order_by("-held_on", "-pk"):
        monitorings.setdefault(mo.case_id, []).append(mo)
    open_actions: dict[int, list[PlanAction]] = {}
    for a in (
        PlanAction.objects.filter(plan__in=[p.pk for p in plans.values()], status__in=OPEN_ACTIONS)
        .select_related("organization")
        .order_by("due_on", "pk")
    ):
        open_actions.setdefault(a.plan_id, []).append(a)
    parts = parts_of(items)
    sheets = []
    for item in items:
        case = cases[item.case_id]
        geno = genograms[case.household_id]
        plan = plans.get(case.pk)
        sheets.append(
            CaseSheet(
                item=item,
                sections=tuple(
                    _sheet(
                        item,
                        case,
                        render_genogram(geno.genogram),
                        render_ecomap(case_ecomap(case, geno.genogram, entities=entities[case.pk]))
                        if entities[case.pk]
                        else None,
                        geno.inferred,
                        plan,
                        open_actions.get(plan.pk, []) if plan else [],
                        assessments.get(case.pk),
                        team.get(case.pk, []),
                        monitorings.get(case.pk, [])[:8],
                        parts[item.pk],
                        today,
                    )
                ),
                person_ids=geno.person_ids,
            )
        )
    return sheets


def _sheet(
    item: AgendaItem,
    case: Case,
    genogram_svg: str,
    ecomap_svg: str | None,
    inferred: bool,
    plan: SupportPlan | None,
    actions: list[PlanAction],
    assessment: Assessment | None,
    team: list[CaseTeamMember],
    monitorings: list[Monitoring],
    parts: list[AgencyPart],
    today: dt.date,
) -> list[Section]:
    out: list[Section] = [
        Heading(f"ケース {case.label}（{item.get_purpose_display()}）"),
        Facts(
            rows=(
                ("検討の根拠", item.legal_basis()),
                ("時間", f"{item.minutes}分"),
                ("ケースの状態", case.get_status_display()),
                ("開始日", _day(timezone.localtime(case.opened_at).date())),
            )
        ),
        Heading("世帯の構成（ジェノグラム）と関係機関（エコマップ）", level=2),
        Diagram(
            genogram_svg,
            caption="ジェノグラム",
            note="続柄から推定した線を含みます。" if inferred else "",
            max_height_mm=90,
        ),
    ]
    if ecomap_svg:
        out.append(Diagram(ecomap_svg, caption="エコマップ", max_height_mm=90))
    areas = list(assessment.areas.all()) if assessment else []
    out += [
        Heading("領域ごとの課題（最新のアセスメント）", level=2),
        Table(
            columns=("生活領域", "現状", "リスク"),
            rows=tuple((a.get_area_display(), a.situation, a.risks) for a in areas),
            widths=(1.2, 3, 2),
            empty="アセスメントの記録はありません。",
        ),
        Heading("相談・支援の経過（モニタリング）", level=2),
        Table(
            columns=("実施日", "経過と評価"),
            rows=tuple((_day(m.held_on), m.summary) for m in monitorings),
            widths=(1.2, 5),
        ),
        Heading("関わっている機関", level=2),
        Table(
            columns=("機関", "役割"),
            rows=tuple((m.organization.name, m.get_role_display()) for m in team),
            widths=(3, 1),
        ),
        Heading("現在の支援プラン", level=2),
    ]
    if plan is None:
        out.append(Notice("支援プランはまだありません。"))
    else:
        out += [
            Facts(
                rows=(
                    ("版・状態", f"第{plan.version_no}版 {plan.get_status_display()}"),
                    ("次回モニタリング日", _day(plan.monitoring_on)),
                )
            ),
            Paragraph(plan.overall_goal or "—", label="総合的な目標"),
            Heading("未完了の支援", level=2),
            Table(
                columns=("支援内容", "担当機関", "期限", "状態"),
                rows=tuple(
                    (a.description, a.organization.name, _day(a.due_on), a.get_status_display())
                    for a in actions
                ),
                widths=(4, 2, 1.4, 1),
                empty="未完了の支援はありません。",
            ),
        ]
    out += [Heading("各機関から", level=2), *_parts_table(parts, today)]
    questions = [q for q in (item.question, *[p.question for p in parts if p.submitted_at]) if q]
    out += [
        Heading("会議で検討したいこと", level=2),
        Paragraph("\n".join(f"・{q}" for q in questions)) if questions else Notice("問いはまだありません。"),
    ]
    return out
