"""Issue 8 B3: rules honour from_windows / from_body, and may point at a meeting function."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_staff
from tsunagu.accounts.models import Role
from tsunagu.directory.models import EscalationRule, MeetingBody, Window
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.intake.escalation import ConcernAbout, advise

from .helpers import make_city, record

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[3]
THREE = ("care", "poverty", "futoko")


def _second_window(city):
    return Window.objects.create(
        municipality=city.muni, key="w-agency", name="地域包括支援センター", organization=city.agency_org
    )


def test_a_rule_from_some_windows_advises_only_there():
    city = make_city()
    other = _second_window(city)
    rule = EscalationRule.objects.get(municipality=city.muni, key="three-domains")
    rule.from_windows.set([city.window])
    items = [ConcernAbout(concern=city.concerns[c]) for c in THREE]
    assert [a.rule.key for a in advise(city.window_worker, None, items, windows=[city.window.pk])] == [
        "three-domains"
    ]
    assert advise(city.window_worker, None, items, windows=[other.pk]) == []
    # On the household page the step starts at the viewer's own windows.
    c = record(city, city.window_worker, "consented", concerns=THREE)
    assert advise(city.window_worker, c.household) != []
    assert advise(city.agency_worker, c.household) == []


def test_the_intake_advice_follows_the_window_chosen_on_the_form(client):
    city = make_city()
    other = _second_window(city)
    EscalationRule.objects.get(municipality=city.muni, key="three-domains").from_windows.set([other])
    login_client(client, city.window_worker)
    ids = [city.concerns[c].pk for c in THREE]
    url = reverse("intake:advice")
    here = client.get(url, {"concerns": ids, "person_choice": "new", "window": city.window.pk})
    there = client.get(url, {"concerns": ids, "person_choice": "new", "window": other.pk})
    assert "多機関協働" not in here.content.decode()
    assert "多機関協働へのつなぎを検討してください" in there.content.decode()


def test_a_rule_from_a_meeting_body_advises_only_at_that_body():
    city = make_city()
    body = MeetingBody.objects.create(
        municipality=city.muni, key="core", name="コアメンバー会議", kind="other", legal_functions=[]
    )
    rule = EscalationRule.objects.get(municipality=city.muni, key="three-domains")
    rule.from_body = body
    rule.save()
    items = [ConcernAbout(concern=city.concerns[c]) for c in THREE]
    assert advise(city.window_worker, None, items) == []
    assert [a.rule.key for a in advise(city.window_worker, None, items, body=body.pk)] == ["three-domains"]


FUNCTION_RULE = """
[[escalation_rules]]
key = "doi-nashi-kino"
name = "本人同意がないまま支援体制の検討が必要なとき"
trigger = "concerns_any"
concerns = ["abuse-dv"]
target = "meeting_function"
meeting_function = "confidential_conference"
"""


def _komaki_with(tmp_path, extra: str) -> Path:
    text = (REPO / "profiles" / "komaki.toml").read_text("utf-8") + extra
    path = tmp_path / "komaki.toml"
    path.write_text(text, "utf-8")
    return path


def test_a_rule_may_point_at_a_meeting_function(tmp_path):
    load_profile(_komaki_with(tmp_path, FUNCTION_RULE))
    rule = EscalationRule.objects.get(key="doi-nashi-kino")
    assert rule.to_body is None and rule.to_function == "confidential_conference"
    assert [b.key for b in rule.function_bodies()] == ["shien-kaigi"]
    assert rule.target_text() == "支援会議（本人の同意がなくても。構成員に守秘義務）（支援会議）"
    window = Window.objects.get(municipality=rule.municipality, key="jiritsu-soudan")
    staff = make_staff(rule.municipality, Role.WINDOW_WORKER, window.organization)
    from tsunagu.municipalities.models import ConcernType

    abuse = ConcernType.objects.get(municipality=rule.municipality, code="abuse-dv")
    [advice] = advise(staff, None, [ConcernAbout(concern=abuse)], on=timezone.localdate())
    assert advice.message == (
        "「虐待・DV」の相談があります。本人同意がないまま支援体制の検討が必要なとき: "
        "支援会議（本人の同意がなくても。構成員に守秘義務）（支援会議）へつなぐことを検討してください。"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (FUNCTION_RULE.replace('meeting_function = "confidential_conference"\n', ""), "meeting_function"),
        (FUNCTION_RULE.replace('target = "meeting_function"', 'target = "case"'), "meeting_function は"),
        (
            FUNCTION_RULE.replace('"confidential_conference"', '"loneliness_council"'),
            "使用できない値 'loneliness_council'",
        ),
    ],
)
def test_a_function_rule_that_cannot_be_followed_is_refused_in_japanese(tmp_path, extra, message):
    with pytest.raises(ProfileError) as exc:
        load_profile(_komaki_with(tmp_path, extra))
    assert message in str(exc.value)
    assert not EscalationRule.objects.filter(key="doi-nashi-kino").exists()


def test_a_function_no_body_of_the_city_carries_is_refused(tmp_path):
    text = (REPO / "profiles" / "komaki.toml").read_text("utf-8")
    text = text.replace(
        'legal_functions = ["confidential_conference", "case_review"]', 'legal_functions = ["case_review"]'
    ).replace('kind = "confidential_conference"', 'kind = "other"')
    path = tmp_path / "komaki.toml"
    path.write_text(text + FUNCTION_RULE, "utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    assert "の機能を持つ会議体がありません" in str(exc.value)
