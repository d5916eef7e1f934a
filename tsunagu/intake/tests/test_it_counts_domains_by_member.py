"""Issue 8 B2: a concern counts the domains of its type and of the member it is about (誰についての相談か)."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_person
from tsunagu.access.models import AuditEvent
from tsunagu.intake import actions
from tsunagu.intake.escalation import advise
from tsunagu.intake.models import ConcernSubject, Consultation
from tsunagu.municipalities.models import ConcernType
from tsunagu.people import actions as people_actions
from tsunagu.people.models import HouseholdMember, Person

from .helpers import City, make_city

pytestmark = pytest.mark.django_db


def _years_ago(n: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - n, day=min(today.day, 28))


def _city() -> City:
    city = make_city()
    for code, name, domains in (
        ("abuse-dv", "虐待・DV", []),
        ("isolation", "孤独・孤立", ["other"]),
        ("debt", "債務", ["hardship"]),
        ("foreign-language", "外国籍・言語", ["other"]),
    ):
        city.concerns[code] = ConcernType.objects.create(
            municipality=city.muni, code=code, name=name, domains=domains
        )
    return city


def _family(city: City):
    """A son of 50 who consults, his father of 82 and his daughter of 12."""
    son = make_person(city.muni, "田中", "健一", birth_date=_years_ago(50))
    father = make_person(city.muni, "田中", "茂", birth_date=_years_ago(82))
    girl = make_person(city.muni, "田中", "結衣", birth_date=_years_ago(12))
    hh = people_actions.create_household(actor=city.window_worker)
    for p, rel in ((son, "head"), (father, "parent"), (girl, "child")):
        people_actions.add_member(actor=city.window_worker, household=hh, person=p, relationship=rel)
    return hh, son, father, girl


def _record(city: City, person: Person, concerns: dict[str, Person | None], consent: str = "consented"):
    data = actions.ConsultationInput(
        window=city.window,
        received_at=timezone.now(),
        channel="visit",
        consulter_kind="self",
        business_line="1ni",
        sharing_consent=consent,
        submission_token=uuid.uuid4(),
        person=person,
        concerns=[city.concerns[c] for c in concerns],
        actions=["listening"],
        subjects={city.concerns[c].pk: who for c, who in concerns.items() if who is not None},
    )
    return actions.record_consultation(actor=city.window_worker, data=data)[0]


def test_a_concern_about_an_elderly_parent_counts_elderly():
    city = _city()
    hh, son, father, _girl = _family(city)
    # About the son himself: 生活困窮 + その他 = 2 domains, no advice.
    _record(city, son, {"poverty": None, "hikikomori": None})
    assert advise(city.window_worker, hh) == []
    # The father's isolation (その他) is about someone of 82: 高齢 too.
    _record(city, son, {"isolation": father})
    [advice] = advise(city.window_worker, hh)
    assert advice.domain_codes == ["elderly", "hardship", "other"]
    assert "3 分野（高齢・生活困窮・その他）" in advice.message
    why = "\n".join(advice.explanation())
    assert "孤独・孤立（田中\u3000茂さん・82歳）: 高齢（65歳以上）、その他（課題の分類）" in why


def test_abuse_alone_counts_only_the_domain_of_whom_it_is_about():
    city = _city()
    hh, son, _father, girl = _family(city)
    c = _record(city, son, {"abuse-dv": girl})
    [row] = advise_rows(city, hh)
    assert row == ("abuse-dv", ("child",))
    c.status = "closed"
    c.save()
    _record(city, son, {"abuse-dv": None})  # DV between adults of working age: その他
    assert advise_rows(city, hh) == [("abuse-dv", ("other",))]


def advise_rows(city: City, hh):
    from tsunagu.directory.models import EscalationRule
    from tsunagu.intake.escalation import evaluate, visible_open_concerns

    rule = EscalationRule.objects.get(municipality=city.muni, key="three-domains")
    rule.min_domains = 0
    advice = evaluate(rule, visible_open_concerns(city.window_worker, hh), on=timezone.localdate())
    assert advice is not None
    return [(c.concern.code, c.domains) for c in advice.counted]


def test_a_recorded_disability_counts_and_foreign_counts_only_where_the_city_counts_it():
    city = _city()
    hh, son, _father, _girl = _family(city)
    _record(city, son, {"debt": None})
    assert advise_rows(city, hh) == [("debt", ("hardship",))]
    people_actions.update_person_attributes(
        actor=city.window_worker,
        person=son,
        version=son.version,
        data=people_actions.PersonAttributes(disability=True, nationality="ブラジル"),
    )
    # The national five count 障害 but not 外国籍.
    assert advise_rows(city, hh) == [("debt", ("disability", "hardship"))]
    city.muni.domains = [
        {"code": c, "name": ""} for c in ("elderly", "disability", "hardship", "child", "foreign")
    ]
    city.muni.save()
    assert advise_rows(city, hh) == [("debt", ("disability", "hardship", "foreign"))]


def test_sign_language_is_not_a_foreign_language():
    p = Person(language_needs="手話通訳")
    assert not p.foreign_or_language_need
    assert Person(language_needs="ポルトガル語").foreign_or_language_need
    assert Person(nationality="日本").foreign_or_language_need is False
    assert Person(nationality="ベトナム").foreign_or_language_need


def test_a_member_of_another_household_cannot_be_the_subject():
    city = _city()
    _hh, son, _f, _g = _family(city)
    stranger = make_person(city.muni, "他人", "一人")
    with pytest.raises(actions.IntakeError):
        _record(city, son, {"poverty": stranger})
    assert not Consultation.objects.exists()
    assert not ConcernSubject.objects.exists()


def _form(city: City, person: Person, **extra):
    data = {
        "submission_token": str(uuid.uuid4()),
        "window": city.window.pk,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "visit",
        "consulter_kind": "family",
        "person_choice": str(person.pk),
        "sex": "unknown",
        "relationship": "head",
        "concerns": [city.concerns["care"].pk, city.concerns["poverty"].pk],
        "actions": ["listening"],
        "business_line": "1ni",
        "sharing_consent": "consented",
    }
    data.update(extra)
    return data


def test_the_intake_form_records_whom_each_concern_is_about(client):
    city = _city()
    hh, son, father, _girl = _family(city)
    login_client(client, city.window_worker)
    care = city.concerns["care"]
    # The advice partial offers the household's members for each concern, the consulting person first.
    page = client.get(
        reverse("intake:advice"), {"concerns": [care.pk], "person_choice": son.pk}
    ).content.decode()
    assert f'name="subject_{care.pk}"' in page
    assert page.index("健一") < page.index("茂")
    assert "相談者本人" in page
    assert AuditEvent.objects.filter(action="view", detail__screen="intake_advice").exists()
    response = client.post(reverse("intake:new"), _form(city, son, **{f"subject_{care.pk}": father.pk}))
    assert response.status_code == 302
    c = Consultation.objects.get()
    assert [(s.concern.code, s.person_id) for s in c.concern_subjects.all()] == [("care", father.pk)]
    household_page = client.get(reverse("people:household", args=[hh.pk])).content.decode()
    assert "介護: 田中\u3000茂さんについて" in household_page


def test_a_subject_outside_the_household_is_refused_and_nothing_saved(client):
    city = _city()
    _hh, son, _father, _girl = _family(city)
    stranger = make_person(city.muni, "他人", "一人")
    login_client(client, city.window_worker)
    care = city.concerns["care"]
    response = client.post(reverse("intake:new"), _form(city, son, **{f"subject_{care.pk}": stranger.pk}))
    assert response.status_code == 200
    assert "この世帯の人を選んでください" in response.content.decode()
    assert not Consultation.objects.exists()


def test_staff_record_a_members_disability_audited_and_a_stale_form_is_refused(client):
    city = _city()
    hh, _son, father, _girl = _family(city)
    login_client(client, city.window_worker)
    url = reverse("people:member_attributes", args=[hh.pk, father.pk])
    response = client.post(url, {"version": father.version, "disability": "on", "language_needs": "手話"})
    assert response.status_code == 302
    father.refresh_from_db()
    assert father.disability and father.language_needs == "手話" and father.version == 2
    event = AuditEvent.objects.filter(action="update", detail__operation="attributes").get()
    assert event.detail["disability"] == [False, True]
    assert "手話" not in str(event.detail)
    # The same (now stale) form again changes nothing.
    client.post(url, {"version": 1, "nationality": "中国"})
    father.refresh_from_db()
    assert father.nationality == "" and father.version == 2
    # A person who is not a member of this household: 404.
    stranger = make_person(city.muni, "他人", "一人")
    assert (
        client.post(
            reverse("people:member_attributes", args=[hh.pk, stranger.pk]), {"version": 1}
        ).status_code
        == 404
    )
    page = client.get(reverse("people:household", args=[hh.pk])).content.decode()
    assert "障害あり" in page
    assert HouseholdMember.objects.filter(household=hh).count() == 3
