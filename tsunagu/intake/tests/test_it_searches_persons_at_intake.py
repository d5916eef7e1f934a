import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import login_client, make_person
from tsunagu.access.models import AuditEvent

from .helpers import make_city

pytestmark = pytest.mark.django_db
URL = reverse("intake:person_search")


def test_it_finds_persons_by_kana_and_marks_same_reading_namesakes(client):
    city = make_city()
    a = make_person(
        city.muni, "高橋", "花子", family_kana="タカハシ", given_kana="ハナコ", birth_date=dt.date(1950, 5, 1)
    )
    b = make_person(
        city.muni, "髙橋", "華子", family_kana="タカハシ", given_kana="ハナコ", birth_date=dt.date(1980, 1, 1)
    )
    login_client(client, city.window_worker)
    response = client.post(URL, {"q": "ﾀｶﾊｼ ﾊﾅｺ"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="{a.pk}"' in body and f'value="{b.pk}"' in body
    assert "同じ読みの人が複数います" in body
    event = AuditEvent.objects.latest("seq")
    assert event.action == "list"
    assert {tuple(o) for o in event.objects_json} == {("person", a.pk), ("person", b.pk)}


def test_it_never_lists_another_citys_persons(client):
    city = make_city()
    other = make_city(code="012025", name="別の市")
    make_person(other.muni, "山田", "太郎")
    login_client(client, city.window_worker)
    body = client.post(URL, {"q": "やまだ"}).content.decode()
    assert "山田" not in body
    assert "見つかりません" in body


def test_it_refuses_auditors(client):
    city = make_city()
    login_client(client, city.auditor)
    assert client.post(URL, {"q": "やまだ"}).status_code == 403


def test_it_keeps_search_terms_out_of_urls(client):
    city = make_city()
    login_client(client, city.window_worker)
    assert client.get(URL, {"q": "やまだ"}).status_code == 405
