"""Issue 8 B4 / issue 9 A2: the escalation advice counts only what the viewer may read.

An organization off the household's team (no consent, no case) must learn nothing of a consultation it
may not read from the advice — not its concerns, not its domains, not a domain count — on the household
page or in the intake form's advice.
"""

import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.intake import actions
from tsunagu.intake.escalation import advise
from tsunagu.municipalities.models import ConcernType

from .helpers import make_city, record

pytestmark = pytest.mark.django_db


def _household_with_a_hidden_abuse_record():
    city = make_city()
    city.concerns["abuse-dv"] = ConcernType.objects.create(
        municipality=city.muni, code="abuse-dv", name="虐待・DV", domains=[]
    )
    # Shared with every organization (consented): 生活困窮 about a man of 78 → 高齢・生活困窮.
    shared = record(city, city.window_worker, "consented", concerns=("poverty",))
    # Not consented: abuse of the same man, and a child's 不登校 → would make it 3+ domains.
    hidden = record(
        city, city.window_worker, "not_consented", concerns=("abuse-dv", "futoko"), person=shared.person
    )
    return city, shared.household, hidden


def test_the_recording_organization_is_advised_from_everything_it_recorded():
    city, household, _hidden = _household_with_a_hidden_abuse_record()
    [advice] = advise(city.window_worker, household)
    assert "虐待・DV" in advice.concern_names


def test_an_off_team_organization_learns_nothing_hidden_from_the_advice():
    city, household, _hidden = _household_with_a_hidden_abuse_record()
    assert advise(city.agency_worker, household) == []


def test_the_household_page_shows_an_off_team_organization_no_hidden_concern_domain_or_count(client):
    city, household, _hidden = _household_with_a_hidden_abuse_record()
    login_client(client, city.window_worker)
    own = client.get(reverse("people:household", args=[household.pk])).content.decode()
    assert "多機関協働へのつなぎを検討してください" in own and "虐待・DV" in own
    client.logout()
    login_client(client, city.agency_worker)
    page = client.get(reverse("people:household", args=[household.pk])).content.decode()
    assert "生活困窮" in page  # what it may read is there
    for secret in ("虐待", "不登校", "子ども", " 分野（", "多機関協働へのつなぎを検討してください"):
        assert secret not in page, secret


def test_the_intake_advice_shows_an_off_team_organization_nothing_hidden(client):
    city, _household, hidden = _household_with_a_hidden_abuse_record()
    login_client(client, city.agency_worker)
    care = city.concerns["care"]
    # Entering 介護 now: with the hidden records it would be 4 domains; from what it may read, 2.
    page = client.get(
        reverse("intake:advice"), {"concerns": [care.pk], "person_choice": hidden.person_id}
    ).content.decode()
    for secret in ("虐待", "不登校", "子ども", " 分野（", "多機関協働"):
        assert secret not in page, secret


def test_a_pending_request_names_its_organization_only_to_who_may_see_it(client):
    city = make_city()
    c = record(city, city.window_worker, "not_consented", concerns=("poverty",))
    actions.request_escalation(actor=city.window_worker, household=c.household, reason="複合課題")
    login_client(client, city.agency_worker)
    page = client.get(reverse("people:household", args=[c.household_id])).content.decode()
    assert "受付待ちの依頼があります。" in page
    assert "福祉総合窓口" not in page
    client.logout()
    login_client(client, city.coordinator)
    page = client.get(reverse("people:household", args=[c.household_id])).content.decode()
    assert "受付待ちの依頼があります（" in page and "福祉総合窓口" in page
