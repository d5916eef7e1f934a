"""The case forms as PDF: 支援プラン（プラン兼利用申込書） and 評価シート.

They render for a full case and for a case with nothing recorded yet, embed the Japanese font, keep
髙・﨑・half-width kana, name the recipient and the time on every page, are audited as prints, and are
reachable only by staff who may read the case.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from dataclasses import dataclass
from typing import Any

import pypdf
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_household, make_organization, make_person, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role, Staff
from tsunagu.cases import actions
from tsunagu.cases.models import Case, CaseStatus, PlanStatus, TeamRole
from tsunagu.core.wareki import wareki
from tsunagu.documents import pdf as documents_pdf
from tsunagu.documents.pdf import PdfRenderError, render_pdf
from tsunagu.intake.tests.helpers import City, make_city
from tsunagu.people.models import Person, Relationship

pytestmark = pytest.mark.django_db


# ---- reading a PDF ------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """All text of the PDF with whitespace removed (table cells wrap lines where they like)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "".join("".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def actual_texts(pdf: bytes) -> list[str]:
    """The /ActualText of marked-content spans. Typst writes a glyph cluster that has no one-to-one
    glyph → character mapping (ｼﾞ: half-width kana + half-width dakuten) as a span with ActualText,
    which poppler and Acrobat read but pypdf's extract_text skips."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = []
    for page in reader.pages:
        data = page.get_contents().get_data()  # type: ignore[union-attr]
        for hex_text in re.findall(rb"/ActualText\s*<([0-9A-Fa-f]+)>", data):
            found.append(bytes.fromhex(hex_text.decode()).decode("utf-16"))
    return found


def pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the pages use → whether its program is embedded (FontFile / FontFile2 / FontFile3)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"].get_object()
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            inner = descendants[0].get_object() if descendants else font
            descriptor = inner.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            # Subset fonts are named ABCDEF+RealName.
            name = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
            fonts[name] = fonts.get(name, True) and embedded
    return fonts


def assert_fonts_embedded(pdf: bytes) -> None:
    fonts = pdf_fonts(pdf)
    assert fonts, "the PDF uses no font at all"
    assert all(fonts.values()), f"fonts not embedded: {fonts}"
    # Only IPAexGothic: a Latin fallback font would mean some text lost its Japanese font.
    assert {name.split("-")[0] for name in fonts} == {"IPAexGothic"}, fonts


# ---- a small world ------------------------------------------------------------------------------


@dataclass
class World:
    city: City
    other_city: City
    case: Case
    empty_case: Case
    taro: Person
    off_team: Staff


def build_world() -> World:
    city = make_city()
    other_city = make_city(code="012025", name="別の市")
    muni = city.muni
    coord = city.coordinator
    coord.display_name = "山﨑 まとめ"
    coord.save(update_fields=["display_name"])
    today = timezone.localdate()
    shakyo = make_organization(muni, name="社会福祉協議会", kind="social_welfare_council")

    taro = make_person(
        muni, "髙橋", "太郎", family_kana="ﾀｶﾊｼ", given_kana="ﾀﾛｳ", birth_date=dt.date(1958, 5, 3)
    )
    hanako = make_person(
        muni, "山﨑", "花子", family_kana="ヤマザキ", given_kana="ハナコ", birth_date=dt.date(1931, 2, 10)
    )
    jiro = make_person(
        muni, "斎藤", "次郎", family_kana="ｻｲﾄｳ", given_kana="ｼﾞﾛｳ", birth_date=dt.date(1989, 1, 7)
    )
    household = make_household(
        muni, (taro, Relationship.HEAD), (hanako, Relationship.PARENT), (jiro, Relationship.NON_RELATIVE)
    )
    case = actions.open_case(actor=coord, household=household, persons=[taro])
    actions.set_team_member(actor=coord, case=case, organization=city.agency_org, role=TeamRole.LEAD)
    actions.record_consent(
        actor=coord,
        case=case,
        data=actions.ConsentInput(
            given_by=taro,
            basis="agent",
            persons=[taro, hanako],
            organizations=[city.agency_org, shakyo],
            method="written",
            given_on=today - dt.timedelta(days=40),
            meeting_kinds=["consented_conference"],
        ),
    )
    case = actions.transition(actor=coord, case=case, version=case.version, to=CaseStatus.ASSESSMENT)
    actions.save_assessment(
        actor=coord,
        case=case,
        based_on=0,
        person_wish="母と一緒に、この家で暮らし続けたい。",
        summary="介護と家計の課題が重なっている。",
        areas={"care": {"situation": "母の介護を一人で担っている"}},
    )
    case = actions.transition(actor=coord, case=case, version=case.version, to=CaseStatus.PLANNING)
    plan = actions.save_plan(
        actor=coord,
        case=case,
        data=actions.PlanInput(
            overall_goal="親子が地域とつながりながら安心して暮らす",
            goals=[
                actions.GoalInput(text="母の介護サービスを使い始める", life_area="care"),
                actions.GoalInput(text="家計を立て直す", life_area="economy"),
            ],
            actions=[
                actions.ActionInput(
                    description="要介護認定の申請を手伝う",
                    organization=city.agency_org,
                    goal_index=0,
                    role=TeamRole.LEAD,
                    person_in_charge="佐藤",
                    due_on=today + dt.timedelta(days=20),
                    review_on=today + dt.timedelta(days=30),
                    status="in_progress",
                ),
                actions.ActionInput(
                    description="家計改善支援につなぐ",
                    organization=shakyo,
                    goal_index=1,
                    person_in_charge="鈴木",
                ),
            ],
            monitoring_on=today + dt.timedelta(days=30),
        ),
    )
    actions.mark_plan_agreed(
        actor=coord, plan=plan, edit_version=plan.edit_version, meeting_note="重層的支援会議"
    )
    case.refresh_from_db()
    case = actions.transition(actor=coord, case=case, version=case.version, to=CaseStatus.SUPPORT)
    actions.record_monitoring(
        actor=coord,
        case=case,
        held_on=today - dt.timedelta(days=5),
        summary="介護保険サービスの利用が始まった。",
        next_on=today + dt.timedelta(days=25),
        # 達成状況 of each goal is judged at the monitoring (評価) and printed on the 評価シート.
        attainments={
            g.pk: v for g, v in zip(plan.goals.order_by("order"), ["achieved", "partly"], strict=True)
        },
    )
    case = actions.transition(actor=coord, case=case, version=case.version, to=CaseStatus.EVALUATION)
    actions.close_case(
        actor=coord,
        case=case,
        version=case.version,
        reason="目標がおおむね達成され、包括の継続支援で見守れるため",
        goal_attainment="partly",
        handover_to=city.agency_org,
        main_agency_after_closure=city.agency_org,
        handover_note="月1回の訪問を継続",
    )

    lone = make_person(muni, "山田", "一人", family_kana="ヤマダ", given_kana="カズト")
    empty_case = actions.open_case(actor=coord, household=make_household(muni, (lone, Relationship.HEAD)))
    off_team_org = make_organization(muni, name="障害者相談支援センター", kind="disability_support_center")
    off_team = make_staff(muni, Role.AGENCY_WORKER, off_team_org)
    return World(city, other_city, case, empty_case, taro, off_team)


@pytest.fixture
def world() -> World:
    return build_world()


def get_pdf(client, user: Staff, name: str, case: Case):
    login_client(client, user)
    return client.get(reverse(f"cases:{name}", args=[case.pk]))


# ---- the forms ----------------------------------------------------------------------------------


def test_plan_pdf_of_a_full_case(client, world):
    response = get_pdf(client, world.city.coordinator, "plan_pdf", world.case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="case-{world.case.label}-plan.pdf"'
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert_fonts_embedded(pdf)
    text = pdf_text(pdf)
    for expected in [
        "支援プラン（プラン兼利用申込書）",
        f"ケース番号{world.case.label}",
        "髙橋太郎",
        "ﾀｶﾊｼﾀﾛｳ",
        "山﨑花子",
        "ｻｲﾄｳ",
        "昭和33年5月3日",  # 和暦 birth dates
        "昭和64年1月7日",  # the last week of 昭和: 平成 began on January 8, 1989
        "世帯主",
        "父母",
        "母と一緒に、この家で暮らし続けたい。",
        "親子が地域とつながりながら安心して暮らす",
        "母の介護サービスを使い始める",
        "介護・養育",
        "要介護認定の申請を手伝う",
        "地域包括支援センター",
        "主担当",
        "佐藤",
        "実施中",
        "次回モニタリング日",
        "第1版協議済",
        "重層的支援会議",
        "書面",
        "社会福祉協議会",
        "本人署名",
        "代理人署名",
        "利用を申し込みます",
        "取扱注意（要配慮個人情報）",
        "出力者:山﨑まとめ（地域福祉課）",
        "印刷から7日以内",
        "1/1ページ",
    ]:
        assert expected in text, expected
    assert "令和" in text
    assert "ｼﾞ" in actual_texts(pdf)


def test_evaluation_pdf_of_a_closed_case(client, world):
    response = get_pdf(client, world.city.coordinator, "evaluation_pdf", world.case)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="case-{world.case.label}-evaluation.pdf"'
    pdf = response.content
    assert_fonts_embedded(pdf)
    text = pdf_text(pdf)
    for expected in [
        "評価シート",
        "髙橋太郎",
        "ｻｲﾄｳ",
        "母の介護サービスを使い始める",
        "達成",
        "一部達成",
        "介護保険サービスの利用が始まった。",
        "目標がおおむね達成され、包括の継続支援で見守れるため",
        "引継ぎ先",
        "月1回の訪問を継続",
        "終結後の主担当機関",
        "束ね役",
        "山﨑まとめ",
        "取扱注意（要配慮個人情報）",
        "出力者:山﨑まとめ（地域福祉課）",
    ]:
        assert expected in text, expected
    assert world.case.closed_at is not None
    assert f"終結日{wareki(timezone.localtime(world.case.closed_at).date())}" in text
    # Each goal's 達成状況 as judged at the monitoring, with the day it was judged (not "—").
    judged = wareki(timezone.localdate() - dt.timedelta(days=5))
    assert f"介護・養育—達成{judged}" in text and f"経済—一部達成{judged}" in text


def test_a_case_with_nothing_recorded_prints_clear_forms(client, world):
    plan = get_pdf(client, world.city.coordinator, "plan_pdf", world.empty_case)
    evaluation = client.get(reverse("cases:evaluation_pdf", args=[world.empty_case.pk]))
    assert plan.status_code == evaluation.status_code == 200
    assert_fonts_embedded(plan.content)
    assert_fonts_embedded(evaluation.content)
    plan_text, evaluation_text = pdf_text(plan.content), pdf_text(evaluation.content)
    assert "支援プランはまだ作成されていません" in plan_text
    assert "本人同意は記録されていません" in plan_text
    assert "山田一人" in plan_text
    assert "本人署名" not in plan_text  # nothing to apply for yet
    assert "支援プランが作成されていないため" in evaluation_text
    assert "モニタリングの記録はありません" in evaluation_text
    assert "まだ終結していません" in evaluation_text


def test_each_print_is_audited_with_the_case_plan_and_persons(client, world):
    before = AuditEvent.objects.filter(action="print").count()
    get_pdf(client, world.city.coordinator, "plan_pdf", world.case)
    client.get(reverse("cases:evaluation_pdf", args=[world.case.pk]))
    events = list(AuditEvent.objects.filter(action="print").order_by("seq")[before:])
    assert [e.detail["form"] for e in events] == ["plan", "evaluation"]
    plan = world.case.plans.get(status=PlanStatus.AGREED)
    for event in events:
        assert event.channel == "print"
        assert event.actor_id == world.city.coordinator.pk
        assert f" case:{world.case.pk} " in event.object_index
        assert f" support_plan:{plan.pk} " in event.object_index
        assert f" person:{world.taro.pk} " in event.object_index
        assert event.detail["why"] == ["COORDINATOR"]
        assert event.view_name in ("cases:plan_pdf", "cases:evaluation_pdf")


def test_team_agency_with_consent_may_print(client, world):
    response = get_pdf(client, world.city.agency_worker, "plan_pdf", world.case)
    assert response.status_code == 200
    assert "出力者:テスト職員（地域包括支援センター）" in pdf_text(response.content)


@override_settings(PRINT_RETENTION_DAYS=3)
def test_retention_days_come_from_the_setting(client, world):
    text = pdf_text(get_pdf(client, world.city.coordinator, "plan_pdf", world.case).content)
    discard_by = timezone.localdate() + dt.timedelta(days=3)
    assert "印刷から3日以内" in text
    assert f"{discard_by.month}月{discard_by.day}日まで" in text


# ---- who may print ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["plan_pdf", "evaluation_pdf"])
def test_other_city_off_team_anonymous_and_auditor_get_nothing(client, world, name):
    url = reverse(f"cases:{name}", args=[world.case.pk])
    before = AuditEvent.objects.filter(action="print").count()

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for user in (world.other_city.coordinator, world.off_team, world.city.window_worker):
        response = get_pdf(client, user, name, world.case)
        assert response.status_code == 404, user
        assert not response.content.startswith(b"%PDF")
    auditor = get_pdf(client, world.city.auditor, name, world.case)
    assert auditor.status_code == 403
    assert AuditEvent.objects.filter(action="print").count() == before


# ---- the renderer -------------------------------------------------------------------------------


def test_render_pdf_keeps_rare_kanji_and_half_width_kana_and_is_fast():
    data: dict[str, Any] = {
        "program": "重層的支援体制整備事業",
        "municipality": "髙﨑市",
        "case_label": "2026-0001",
        "opened_on": "令和8年1月1日",
        "case_status": "受付",
        "coordinator": "",
        "printed": {
            "by": "ｻｲﾄｳ",
            "org": "山﨑課",
            "at": "令和8年1月1日 9時00分",
            "retention_days": 7,
            "discard_by": "令和8年1月8日",
        },
        "members": [],
        "person_wish": "#set text(size: 40pt) *markup* $x$ は文字のまま",
        "plan": None,
        "consents": [],
    }
    render_pdf("case_plan", data)  # warm up: the first compile loads the font
    started = time.perf_counter()
    pdf = render_pdf("case_plan", data)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed  # about 0.02 s on the development machine
    assert_fonts_embedded(pdf)
    text = pdf_text(pdf)
    assert "髙﨑市" in text and "出力者:ｻｲﾄｳ（山﨑課）" in text
    # What staff type is text, never Typst markup.
    assert "#settext(size:40pt)*markup*$x$は文字のまま" in text


def test_long_plans_run_over_pages_each_marked_and_numbered():
    action = {
        "goal_no": "1",
        "description": "要介護認定の申請を手伝い、結果が出たらサービス担当者会議を開く",
        "organization": "地域包括支援センター",
        "role": "主担当",
        "person_in_charge": "佐藤",
        "due_on": "令和8年12月31日",
        "review_on": "令和8年12月15日",
        "status": "実施中",
    }
    data: dict[str, Any] = {
        "program": "重層的支援体制整備事業",
        "municipality": "テスト市",
        "case_label": "2026-0001",
        "opened_on": "令和8年1月1日",
        "case_status": "支援中",
        "coordinator": "",
        "printed": {
            "by": "職員",
            "org": "課",
            "at": "令和8年1月1日 9時00分",
            "retention_days": 7,
            "discard_by": "令和8年1月8日",
        },
        "members": [],
        "person_wish": "",
        "consents": [],
        "plan": {
            "version_label": "第1版　作成中",
            "created_on": "令和8年1月1日",
            "overall_goal": "",
            "change_reason": "",
            "monitoring_on": "",
            "agreed_on": "",
            "agreed_note": "",
            "agreed_recorded_on": "",
            "goals": [{"no": 1, "text": "目標", "life_area": "", "review_on": ""}],
            "actions": [action] * 60,
        },
    }
    pdf = render_pdf("case_plan", data)
    pages = pdf_pages(pdf)
    assert pages >= 3
    text = pdf_text(pdf)
    # Header and footer of every page carry the warning; every page says which of how many it is.
    assert text.count("取扱注意（要配慮個人情報）") == 2 * pages
    for n in range(1, pages + 1):
        assert f"{n}/{pages}ページ" in text
    assert text.count("目標支援内容担当機関役割担当者期限確認日状況") == pages  # header row on each page
    assert "本人署名" in text


def test_render_pdf_reports_bad_templates_clearly(tmp_path, monkeypatch):
    with pytest.raises(PdfRenderError, match="no PDF template"):
        render_pdf("no_such_form", {})
    with pytest.raises(PdfRenderError, match="invalid PDF template name"):
        render_pdf("../settings", {})
    with pytest.raises(PdfRenderError, match="not JSON"):
        render_pdf("case_plan", {"when": dt.date(2026, 1, 1)})
    (tmp_path / "broken.typ").write_text("#let x = (\n", encoding="utf-8")
    (tmp_path / "latin.typ").write_text('#set text(font: "No Such Font")\nこんにちは\n', encoding="utf-8")
    monkeypatch.setattr(documents_pdf, "TEMPLATE_DIR", tmp_path)
    with pytest.raises(PdfRenderError, match=r"could not compile broken\.typ"):
        render_pdf("broken", {})
    with pytest.raises(PdfRenderError, match="unknown font family"):
        render_pdf("latin", {})
