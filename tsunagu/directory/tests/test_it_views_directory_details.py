"""Detail pages of an organization, a window and a meeting body."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .makers import make_body


def url(city, name: str, attr: str) -> str:
    return reverse(f"directory:{name}", args=[getattr(city, attr).pk])


DETAILS = [("organization", "hokatsu_north"), ("window", "w_kurashi"), ("body", "core")]
OTHER_CITY = [("organization", "b_org"), ("window", "b_window"), ("body", "b_body")]


@pytest.mark.parametrize(("name", "attr"), DETAILS)
def test_anonymous_is_sent_to_login(client, city, name, attr):
    response = client.get(url(city, name, attr))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "attr"), OTHER_CITY)
def test_another_citys_object_is_404(client, city, name, attr):
    client.force_login(city.worker)
    assert client.get(url(city, name, attr)).status_code == 404
    # …and the same object is there for its own city's staff.
    client.force_login(city.outsider)
    assert client.get(url(city, name, attr)).status_code == 200


@pytest.mark.parametrize("name", ["organization", "window", "body"])
def test_missing_object_is_404(client, city, name):
    client.force_login(city.worker)
    assert client.get(reverse(f"directory:{name}", args=[999999])).status_code == 404


@pytest.mark.parametrize(("name", "attr"), DETAILS)
@pytest.mark.parametrize("persona", ["worker", "coordinator", "auditor"])
def test_staff_of_the_city_may_read(client, city, name, attr, persona):
    client.force_login(getattr(city, persona))
    assert client.get(url(city, name, attr)).status_code == 200


def test_organization_page_shows_what_it_runs_and_where_it_sits(client, city):
    client.force_login(city.worker)
    body = client.get(url(city, "organization", "hokatsu_north")).content.decode()
    assert "<h1>北地域包括支援センター</h1>" in body
    assert "地域包括支援センター" in body and "委託" in body
    assert "高齢支援課" in body  # 所管課
    assert "地域包括支援センターの運営" in body  # its program
    assert "北包括 相談窓口" in body  # its window
    assert "スクラム会議" in body and "ふれあい調整会議" in body  # bodies it is a member of
    assert "北圏域" in body


def test_department_page_lists_its_contracted_bodies_programs_posts_and_secretariat(client, city):
    client.force_login(city.coordinator)
    response = client.get(url(city, "organization", "elderly_dept"))
    detail = response.context["detail"]
    assert {o.name for o in detail.contracted_bodies} == {"北地域包括支援センター", "南地域包括支援センター"}
    assert {p.name for p in detail.programs} == {"地域包括支援センターの運営"}
    assert {c.title for c in detail.coordinator_posts} == {"生活支援コーディネーター"}
    body = client.get(url(city, "organization", "hardship_dept")).content.decode()
    assert "スクラム会議</a>（事務局）" in body
    assert "相談サロン" in body and "自立相談支援事業" in body


def test_window_page_shows_operator_concerns_and_rules(client, city):
    client.force_login(city.worker)
    body = client.get(url(city, "window", "w_kurashi")).content.decode()
    assert "くらし相談センター" in body and "生活福祉課" in body
    assert "生活に困りごとのある方" in body
    assert "課題が3分野以上" in body and "スクラム会議" in body  # rule from this window


def test_confidential_conference_page_states_duty_and_no_consent(client, city):
    client.force_login(city.worker)
    body = client.get(url(city, "body", "core")).content.decode()
    assert "支援会議" in body and "守秘義務・本人同意不要" in body
    assert "本人の同意がなくても検討できます" in body
    assert "本人同意が必要" not in body
    assert "北地域包括支援センター" in body and "くらし相談センター" in body  # members
    assert "月1回" in body and "第1段階" in body
    # Escalations: in from the window rule, out to the tier-2 body.
    assert "くらしとしごとの相談窓口" in body
    assert "ふれあい調整会議" in body


def test_consented_conference_page_states_consent_is_needed(client, city):
    client.force_login(city.worker)
    body = client.get(url(city, "body", "top")).content.decode()
    assert "重層的支援会議" in body and "本人同意が必要" in body
    assert "守秘義務・本人同意不要" not in body
    assert "2か月に1回" in body
    assert "支援会議で解決しない事例を上げる" in body


def test_confidential_function_without_duty_is_flagged(client, city):
    body_obj = make_body(city.a, "守秘義務のない会議", legal_functions=["confidential_conference"])
    client.force_login(city.worker)
    body = client.get(reverse("directory:body", args=[body_obj.pk])).content.decode()
    assert "守秘義務の定めなし（要確認）" in body
    assert "本人の同意がなくても検討できます" not in body


def test_urls_carry_no_more_than_a_number(city):
    assert url(city, "window", "w_kurashi") == f"/directory/windows/{city.w_kurashi.pk}/"


def test_manager_role_also_reads(client, city):
    client.force_login(city.manager)
    assert client.get(url(city, "body", "core")).status_code == 200
