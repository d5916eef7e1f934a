import uuid

import pytest
from django.urls import reverse

from tests.factories import login_client, make_person
from tsunagu.access.models import AuditEvent
from tsunagu.intake import actions
from tsunagu.intake.models import Consultation
from tsunagu.people.models import Household, HouseholdMember, Person

from .helpers import make_city, record

pytestmark = pytest.mark.django_db
URL = reverse("intake:new")


def form_data(city, **over):
    data = {
        "submission_token": str(uuid.uuid4()),
        "window": city.window.pk,
        "received_at": "2026-11-20T10:30",
        "channel": "visit",
        "consulter_kind": "self",
        "person_choice": "new",
        "family_name": "髙橋",
        "given_name": "花子",
        "family_kana": "タカハシ",
        "given_kana": "ハナコ",
        "birth_date": "S25.5.1",
        "sex": "female",
        "address": "テスト市架空町1-2-3",
        "relationship": "head",
        "concerns": [city.concerns["care"].pk, city.concerns["poverty"].pk],
        "note": "介護と生活費の相談",
        "actions": ["listening", "information"],
        "business_line": "1ni",
        "sharing_consent": "consented",
    }
    data.update(over)
    return data


def counts():
    return (
        Person.objects.count(),
        Household.objects.count(),
        HouseholdMember.objects.count(),
        Consultation.objects.count(),
    )


def test_it_sends_anonymous_users_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["auditor", "manager"])
def test_it_refuses_roles_that_do_not_take_consultations(client, who):
    city = make_city()
    login_client(client, getattr(city, who))
    assert client.get(URL).status_code == 403


def test_it_shows_the_form_with_the_staff_members_window(client):
    city = make_city()
    login_client(client, city.window_worker)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "相談受付" in body
    assert city.window.name in body
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]


def test_it_records_a_consultation_for_a_new_household(client):
    city = make_city()
    login_client(client, city.window_worker)
    before = AuditEvent.objects.count()
    response = client.post(URL, form_data(city))
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert response["Location"] == reverse("people:household", args=[consultation.household_id])
    person = consultation.person
    assert (person.family_name, person.family_kana, person.municipality) == ("髙橋", "タカハシ", city.muni)
    assert person.kana_key == "たかはしはなこ"
    assert HouseholdMember.objects.filter(household=consultation.household, person=person).exists()
    assert consultation.organization == city.window_org
    assert consultation.staff == city.window_worker
    assert set(consultation.concerns.values_list("code", flat=True)) == {"care", "poverty"}
    assert consultation.sharing_consent == "consented"
    # One row per write, all in the request's transaction: people's actions create the person, the
    # household and the membership; intake's the consultation (naming household and person too).
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, [k for k, _ in e.objects_json]) for e in events] == [
        ("create", ["person"]),
        ("create", ["household"]),
        ("create", ["household", "person", "householdmember"]),
        ("create", ["consultation", "household", "person"]),
    ]
    event = events[-1]
    assert ["consultation", consultation.pk] in event.objects_json
    assert ["person", person.pk] in event.objects_json
    assert events[0].objects_json == [["person", person.pk]]


def test_it_never_creates_two_records_from_a_double_submit(client):
    city = make_city()
    login_client(client, city.window_worker)
    data = form_data(city)
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first.status_code == second.status_code == 302
    assert counts() == (1, 1, 1, 1)


def test_it_adds_a_consultation_to_an_existing_persons_household(client):
    city = make_city()
    login_client(client, city.window_worker)
    client.post(URL, form_data(city))
    person = Person.objects.get()
    response = client.post(
        URL, form_data(city, person_choice=str(person.pk), concerns=[city.concerns["hikikomori"].pk])
    )
    assert response.status_code == 302
    assert counts() == (1, 1, 1, 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"concerns": []}, "課題を 1 つ以上選んでください。"),
        ({"family_name": ""}, "姓を入力してください。"),
        ({"family_kana": ""}, "セイ（フリガナ）を入力してください。"),
        ({"birth_date": "", "estimated_age": ""}, "生年月日か推定年齢のどちらかを入力してください。"),
        ({"person_choice": ""}, "本人を検索して選ぶか"),
        ({"actions": ["referral"]}, "つなぎ先を選んでください。"),
        ({"received_at": "2099-01-01T10:00"}, "未来の日時は入力できません。"),
        ({"birth_date": "2020-02-30"}, "存在しない日付です。"),
        ({"birth_date": "昭和65年1月1日"}, "昭和65年という日付はありません"),
        ({"person_choice": "abc"}, "本人の選択が正しくありません。"),
    ],
)
def test_it_explains_bad_input_in_japanese_and_saves_nothing(client, change, message):
    city = make_city()
    login_client(client, city.window_worker)
    before = counts()
    response = client.post(URL, form_data(city, **change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_it_does_not_let_staff_pick_a_person_of_another_city(client):
    city = make_city()
    other = make_city(code="012025", name="別の市")
    stranger = make_person(other.muni)
    login_client(client, city.window_worker)
    before = counts()
    response = client.post(URL, form_data(city, person_choice=str(stranger.pk)))
    assert response.status_code == 404
    assert counts() == before


def test_it_does_not_let_staff_record_at_another_citys_window(client):
    city = make_city()
    other = make_city(code="012025", name="別の市")
    login_client(client, city.window_worker)
    before = counts()
    response = client.post(URL, form_data(city, window=other.window.pk))
    assert response.status_code == 200
    assert "正しく選択してください" in response.content.decode()
    assert counts() == before


def test_it_refuses_a_stale_edit_instead_of_overwriting():
    city = make_city()
    c = record(city, city.window_worker, "consented")
    opened = c.version
    actions.update_consultation(
        actor=city.window_worker, consultation=c, version=opened, changes={"note": "A"}
    )
    with pytest.raises(actions.StaleEdit):
        actions.update_consultation(
            actor=city.colleague, consultation=c, version=opened, changes={"note": "B"}
        )
    c.refresh_from_db()
    assert c.note == "A"
    assert Consultation.objects.get(pk=c.pk).version == opened + 1
