"""Consent for another person needs its basis (同意の根拠): 本人 agrees only for themselves, a 親権者 for a
minor child, a 成年後見人等 or an appointed 代理人 for an adult. Without it the consent is refused with a
Japanese message and nothing is recorded."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.factories import login_client, make_person
from tsunagu.cases import actions
from tsunagu.cases.models import Consent, ConsentBasis
from tsunagu.cases.pdf_views import plan_data

from .helpers import add_member, consent_input, make_world
from .pages import url

pytestmark = pytest.mark.django_db


def child_of(w, years: int):
    today = timezone.localdate()
    child = make_person(
        w.city.muni,
        "佐藤",
        "みらい",
        family_kana="サトウ",
        given_kana="ミライ",
        birth_date=today.replace(year=today.year - years) - dt.timedelta(days=1),
    )
    add_member(w.household, child)
    return child


@pytest.mark.parametrize(
    ("who", "basis", "message"),
    [
        ("adult", ConsentBasis.SELF, "本人以外の人について同意を記録するには"),
        ("adult", ConsentBasis.PARENT, "親権者として同意できるのは、未成年（18歳未満）の子の分だけです"),
        ("child18", ConsentBasis.PARENT, "親権者として同意できるのは、未成年（18歳未満）の子の分だけです"),
        ("minor", ConsentBasis.SELF, "本人以外の人について同意を記録するには"),
        ("none", ConsentBasis.GUARDIAN, "「本人」を選んでください"),
        ("adult", "", "同意の根拠"),
        ("adult", "boss", "同意の根拠"),
    ],
)
def test_consent_for_another_person_without_a_fitting_basis_is_refused(who, basis, message):
    w = make_world()
    others = {"adult": [w.p2], "minor": [child_of(w, 10)], "child18": [child_of(w, 18)], "none": []}[who]
    data = consent_input(w.p1, [w.orgs["team"]], persons=[w.p1, *others], basis=basis)
    before = Consent.objects.count()
    with pytest.raises(actions.CaseError, match=message):
        actions.record_consent(actor=w.coordinator, case=w.case, data=data)
    assert Consent.objects.count() == before


def test_an_unknown_age_is_not_a_minor():
    w = make_world()
    w.p2.birth_date = None
    w.p2.estimated_age = None
    w.p2.save()
    data = consent_input(w.p1, [w.orgs["team"]], persons=[w.p2], basis=ConsentBasis.PARENT)
    with pytest.raises(actions.CaseError, match="年齢の分からない人"):
        actions.record_consent(actor=w.coordinator, case=w.case, data=data)


@pytest.mark.parametrize(
    ("who", "basis"),
    [
        ("minor", ConsentBasis.PARENT),
        ("adult", ConsentBasis.GUARDIAN),
        ("adult", ConsentBasis.AGENT),
        ("none", ConsentBasis.SELF),
    ],
)
def test_consent_with_its_basis_is_recorded(who, basis):
    w = make_world()
    others = {"adult": [w.p2], "minor": [child_of(w, 10)], "none": []}[who]
    data = consent_input(w.p1, [w.orgs["team"]], persons=[w.p1, *others], basis=basis)
    consent = actions.record_consent(actor=w.coordinator, case=w.case, data=data)
    assert consent.basis == basis


def test_the_form_asks_for_the_basis_and_the_case_page_and_paper_show_it(client):
    w = make_world()
    login_client(client, w.coordinator)
    page = client.get(url("cases:consent_new", w.case.pk)).content.decode()
    assert (
        "同意の根拠" in page
        and "親権者（未成年の子について）" in page
        and "成年後見人・保佐人・補助人" in page
    )
    post = {
        "given_by": w.p1.pk,
        "persons": [w.p1.pk, w.p2.pk],
        "organizations": [w.orgs["unnamed"].pk],
        "method": "written",
        "given_on": "R7.4.1",
        "basis": "self",
        "submission_token": str(uuid.uuid4()),
    }
    before = Consent.objects.count()
    response = client.post(url("cases:consent_new", w.case.pk), post)
    assert (
        response.status_code == 200 and "本人以外の人について同意を記録するには" in response.content.decode()
    )
    assert Consent.objects.count() == before
    response = client.post(url("cases:consent_new", w.case.pk), post | {"basis": "guardian"})
    assert response.status_code == 302
    assert Consent.objects.latest("pk").basis == ConsentBasis.GUARDIAN
    assert "根拠: 成年後見人・保佐人・補助人" in client.get(url("cases:detail", w.case.pk)).content.decode()
    printed = plan_data(w.case, w.coordinator, timezone.now())
    assert any("根拠: 成年後見人・保佐人・補助人" in c["given_by"] for c in printed["consents"])
