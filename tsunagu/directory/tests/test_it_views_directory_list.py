"""/directory/: the filterable lists of windows, organizations, programs, coordinators and meeting bodies."""

from __future__ import annotations

import pytest
from django.urls import reverse

URL = reverse("directory:home")


def names(response, tab: str) -> set[str]:
    """The names listed on the response's current tab (all tabs are computed in the context)."""
    items = getattr(response.context["results"], tab).items
    return {getattr(o, "name", None) or o.title for o in items}


def get(client, staff, **params):
    client.force_login(staff)
    return client.get(URL, params)


def test_anonymous_is_sent_to_login(client, city):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["worker", "coordinator", "auditor"])
def test_staff_of_the_city_see_its_windows(client, city, persona):
    response = get(client, getattr(city, persona))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ａ市の支援機関・窓口" in body
    assert "くらしとしごとの相談窓口" in body
    assert "委託" in body  # 直営/委託 column
    assert names(response, "windows") == {"北包括 相談窓口", "南包括 相談窓口", "くらしとしごとの相談窓口"}


def test_lists_show_only_the_own_city(client, city):
    response = get(client, city.worker)
    for tab in ("windows", "organizations", "programs", "coordinators", "bodies"):
        assert not any(n.startswith("Ｂ市") for n in names(response, tab)), tab
    response = get(client, city.outsider)
    assert names(response, "windows") == {"Ｂ市 包括 相談窓口"}
    assert "くらしとしごと" not in response.content.decode()


def test_each_tab_renders_its_list_with_counts(client, city):
    client.force_login(city.worker)
    expected = {
        "organizations": ["くらし相談センター", "高齢支援課", "拠点数"],
        "programs": ["第1号イ（地域包括支援センターの運営）", "自立相談支援事業", "相談サロン"],
        "coordinators": ["地域福祉コーディネーター（北）", "束ね役", "3人"],
        "bodies": ["スクラム会議", "守秘義務・本人同意不要", "ふれあい調整会議", "本人同意が必要"],
    }
    for tab, texts in expected.items():
        response = client.get(URL, {"tab": tab})
        body = response.content.decode()
        assert response.status_code == 200
        assert response.context["tab"] == tab
        for text in texts:
            assert text in body, (tab, text)
    response = client.get(URL, {"tab": "organizations"})
    assert '関係機関・所管課 <span class="count">5</span>' in response.content.decode()


def test_domain_filter_narrows_every_list(client, city):
    response = get(client, city.worker, domain="hardship")
    assert names(response, "windows") == {"くらしとしごとの相談窓口"}
    assert names(response, "organizations") == {"生活福祉課", "くらし相談センター"}
    assert names(response, "programs") == {"自立相談支援事業", "相談サロン"}
    assert names(response, "coordinators") == {"地域福祉コーディネーター（北）"}
    # 会議体 have no 分野: they stay and the page says the filter does not apply to them.
    assert names(response, "bodies") == {"スクラム会議", "ふれあい調整会議"}
    assert response.context["results"].bodies.ignores_facets


def test_business_line_filter(client, city):
    response = get(client, city.worker, line="1i")
    assert names(response, "windows") == {"北包括 相談窓口", "南包括 相談窓口"}
    assert names(response, "programs") == {"地域包括支援センターの運営"}
    assert names(response, "organizations") == {"北地域包括支援センター", "南地域包括支援センター"}
    response = get(client, city.worker, line="3ro")
    assert names(response, "coordinators") == {"生活支援コーディネーター"}
    assert names(response, "windows") == set()


def test_area_filter_keeps_city_wide_entries_and_nested_areas(client, city):
    # 北一地区 lies inside 北圏域: the 圏域's centre serves it, the south one does not.
    response = get(client, city.worker, area="north-1")
    assert names(response, "windows") == {"北包括 相談窓口", "くらしとしごとの相談窓口"}
    assert "北地域包括支援センター" in names(response, "organizations")
    assert "南地域包括支援センター" not in names(response, "organizations")
    assert names(response, "programs") == {"地域包括支援センターの運営", "自立相談支援事業"}
    assert names(response, "coordinators") == {"地域福祉コーディネーター（北）", "生活支援コーディネーター"}
    response = get(client, city.worker, area=city.south.key)
    assert names(response, "windows") == {"南包括 相談窓口", "くらしとしごとの相談窓口"}
    assert "相談サロン" in names(response, "programs")
    assert names(response, "coordinators") == {"生活支援コーディネーター"}


def test_text_search_matches_names_across_width_and_kana(client, city):
    response = get(client, city.worker, q="くらし")
    assert names(response, "windows") == {"くらしとしごとの相談窓口"}
    # Katakana and half-width input meet hiragana names; a 所管課 name finds its bodies.
    response = get(client, city.worker, q="ｸﾗｼ")
    assert names(response, "windows") == {"くらしとしごとの相談窓口"}
    response = get(client, city.worker, q="スクラム", tab="bodies")
    assert names(response, "bodies") == {"スクラム会議"}
    response = get(client, city.worker, q="高齢支援課", tab="organizations")
    assert names(response, "organizations") == {
        "高齢支援課",
        "北地域包括支援センター",
        "南地域包括支援センター",
    }


def test_filters_combine(client, city):
    response = get(client, city.worker, domain="elderly", area=city.south.key, q="包括")
    assert names(response, "windows") == {"南包括 相談窓口"}


def test_empty_result_says_so_in_japanese(client, city):
    response = get(client, city.worker, q="存在しない窓口")
    body = response.content.decode()
    assert "条件に合う相談窓口はありません。" in body
    assert response.context["results"].windows.count == 0


def test_another_citys_area_or_a_bad_value_is_refused_with_a_message(client, city):
    from tests.factories import make_area

    b_area = make_area(city.b, "Ｂ市の地区")
    response = get(client, city.worker, area=b_area.key, domain="nonsense")
    body = response.content.decode()
    assert response.status_code == 200
    assert "この地区は選べません。" in body
    assert "この値は選べません。" in body
    # Invalid filters are ignored, not applied half-way: the full list is shown.
    assert len(names(response, "windows")) == 3


def test_htmx_request_gets_only_the_result_region(client, city):
    client.force_login(city.worker)
    response = client.get(URL, {"domain": "hardship"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body
    assert "くらしとしごとの相談窓口" in body and "北包括" not in body
    assert "HX-Request" in response["Vary"]


def test_full_page_has_a_get_filter_form_enhanced_by_htmx(client, city):
    response = get(client, city.worker, domain="elderly", tab="programs")
    body = response.content.decode()
    assert 'method="get"' in body and 'hx-get="/directory/"' in body
    assert '<option value="elderly" selected>' in body
    assert 'name="tab" value="programs"' in body
    # Tab links keep the filters.
    assert "?domain=elderly&amp;tab=windows" in body


def test_area_filter_is_offered_only_where_the_city_has_areas(client, city):
    assert 'id="id_area"' in get(client, city.worker).content.decode()
    assert "北一地区（地区）" in get(client, city.worker).content.decode()
    body = get(client, city.outsider).content.decode()  # city B has no areas
    assert 'id="id_area"' not in body
    assert ">地区</th>" not in body
