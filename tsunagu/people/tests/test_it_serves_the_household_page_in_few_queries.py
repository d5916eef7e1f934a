"""Issue 10 (request overhead): the household page reads each thing once — members, cases, the
consultation counts — one query per panel at most, the timeline in one query plus one per kind of record
on the page, and the same number of queries however long the household's history. The access rules hold
while doing so: what another organization may not read is neither shown nor counted nor audited."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.cases import actions as case_actions
from tsunagu.intake.models import Consultation
from tsunagu.intake.tests.helpers import make_city, record
from tsunagu.municipalities.models import ConcernType

pytestmark = pytest.mark.django_db

# Middleware (session, staff with municipality and organization, TOTP device): 3. Household, members,
# relationships, the household's case statuses: 4. Timeline positions (one UNION ALL) and the
# consultations on the page with their concerns and subjects: 4. The consultation summary (hidden count,
# newest, open, pending, open referrals): 1. The escalation advice over the open consultations the reader
# may read (with their concerns and subjects; the city's rules and their windows): 5. Participation
# records: 1. Audit row (chain head, event, objects, head): 4. (Before issue 10: 46 for the same page.)
WINDOW_WORKER_QUERIES = 22
# The same with a case the reader may open: its row, its events on the timeline, the 連絡帳 panel
# (agenda items — the gate reads its facts once: the organization's and the named items — threads) and
# the ecomap's team and plans.
COORDINATOR_QUERIES = 31


def short(sql):
    return "\n".join(q[:120] for q in sql)


def url(household_id):
    return reverse("people:household", args=[household_id])


def queries_of(client, path):
    client.get(path)  # warm: first-request work (templates, content types) is not the page's
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def _history(city, n):
    first = record(city, city.window_worker, "consented", note="相談-0")
    for i in range(1, n):
        record(city, city.window_worker, "not_consented", person=first.person, note=f"相談-{i}")
    now = timezone.now()
    for i, c in enumerate(Consultation.objects.filter(household=first.household).order_by("pk")):
        Consultation.objects.filter(pk=c.pk).update(received_at=now - dt.timedelta(minutes=n - i))
    return first


def test_a_window_worker_reads_a_household_page_in_a_fixed_number_of_queries(client):
    city = make_city()
    short = _history(city, 2)
    long = _history(city, 45)  # more than a timeline page
    login_client(client, city.window_worker)
    few = queries_of(client, url(short.household_id))
    many = queries_of(client, url(long.household_id))
    assert len(few) <= WINDOW_WORKER_QUERIES, short(few)
    assert len(many) == len(few), "the count does not grow with the household's history"


def test_a_coordinator_reads_a_household_with_a_case_in_a_fixed_number_of_queries(client):
    city = make_city()
    c = _history(city, 3)
    case = case_actions.open_case(actor=city.coordinator, household=c.household, persons=[c.person])
    case_actions.set_team_member(actor=city.coordinator, case=case, organization=city.agency_org, role="lead")
    case_actions.transition(actor=city.coordinator, case=case, version=case.version, to="assessment")
    login_client(client, city.coordinator)
    sql = queries_of(client, url(c.household_id))
    assert len(sql) <= COORDINATOR_QUERIES, short(sql)
    assert sum('FROM "cases_case"' in q.split(" WHERE ")[0] for q in sql) <= 2, "cases read once"
    assert sum('FROM "people_householdmember"' in q.split(" WHERE ")[0] for q in sql) == 1, "members once"
    body = client.get(url(c.household_id)).content.decode()
    assert f"ケース {case.label}" in body and "受付 → アセスメント" in body
    assert city.agency_org.name in body  # the ecomap's team


def test_another_organization_sees_no_unconsented_concern_not_even_as_a_count(client):
    city = make_city()
    city.concerns["abuse-dv"] = ConcernType.objects.create(
        municipality=city.muni, code="abuse-dv", name="虐待・DV", domains=[]
    )
    shared = record(city, city.window_worker, "consented", concerns=("poverty",), note="共有された相談")
    hidden = record(
        city,
        city.window_worker,
        "not_consented",
        concerns=("abuse-dv", "futoko"),
        person=shared.person,
        note="同意のない相談",
    )
    login_client(client, city.agency_worker)
    sql = queries_of(client, url(shared.household_id))
    assert len(sql) <= WINDOW_WORKER_QUERIES, short(sql)
    body = client.get(url(shared.household_id)).content.decode()
    assert "共有された相談" in body and "生活困窮" in body
    for secret in (
        "同意のない相談",
        "虐待",
        "不登校",
        "子ども",
        " 分野（",
        "多機関協働へのつなぎを検討してください",
    ):
        assert secret not in body, secret
    # Only the number of records it may not open, as before (「ほかに 1 件」), nothing of their content.
    assert "ほかに 1 件の記録があります" in body
    event = AuditEvent.objects.latest("seq")
    named = {(k, pk) for k, pk in event.objects_json}
    assert ("consultation", shared.pk) in named
    assert ("consultation", hidden.pk) not in named
    # The recording organization, by contrast, is advised from everything it recorded.
    login_client(client, city.window_worker)
    own = client.get(url(shared.household_id)).content.decode()
    assert "同意のない相談" in own and "虐待・DV" in own and "多機関協働へのつなぎを検討してください" in own
