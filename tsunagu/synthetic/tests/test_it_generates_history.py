"""`manage.py generate_history`, run tiny on both databases: a consistent, fictitious, deterministic city
whose audit chain verifies, written only into an empty city, with room for other apps' steps."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Max, Min

from tsunagu.access.audit import verify_all
from tsunagu.access.models import AuditEvent, AuditObject
from tsunagu.cases.models import Case, CaseTransition, Consent, Monitoring, SupportPlan
from tsunagu.core import history
from tsunagu.intake.models import Consultation, EscalationRequest, EscalationStatus
from tsunagu.municipalities.models import Municipality
from tsunagu.people import demo
from tsunagu.people.models import Household, HouseholdMember, Person

pytestmark = pytest.mark.django_db

END = "2026-11-01"
TINY = ["--persons", "300", "--consultations", "900", "--cases", "12", "--audit-events", "600", "--end", END]


def generate(*extra: str) -> str:
    out = io.StringIO()
    call_command("generate_history", *TINY, *extra, stdout=out)
    return out.getvalue()


def mitaka() -> Municipality:
    return Municipality.objects.get(code="132047")


def digest(muni: Municipality) -> str:
    """Content of the city's records without primary keys (ids depend on what the database held before)."""
    h = hashlib.sha256(demo.content_digest(muni).encode())
    row: tuple[object, ...]
    for row in (
        Consultation.objects.filter(municipality=muni)
        .order_by("received_at", "submission_token")
        .values_list(
            "received_at", "person__name_key", "household__address", "note", "channel", "submission_token"
        )
    ):
        h.update(repr(row).encode())
    for row in (
        Case.objects.filter(municipality=muni)
        .order_by("number")
        .values_list("number", "status", "opened_at", "household__address")
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_it_writes_a_consistent_fictitious_city_whose_audit_chain_verifies():
    output = generate()
    muni = mitaka()
    persons = Person.objects.filter(municipality=muni)
    assert persons.count() >= 300 and not persons.filter(synthetic=False).exists()
    assert not Household.objects.filter(municipality=muni, synthetic=False).exists()
    # Fictitious: addresses in 架空町, no phone number but the dummy one.
    assert not Household.objects.filter(municipality=muni).exclude(address__contains="架空町").exists()
    assert not persons.exclude(phone__in=["", demo.DUMMY_PHONE]).exists()
    # Every member row, consultation and case stays inside the city and points at its household's people.
    assert HouseholdMember.objects.filter(municipality=muni).count() == 300
    consultations = Consultation.objects.filter(municipality=muni)
    assert consultations.count() == 900
    members = set(HouseholdMember.objects.filter(municipality=muni).values_list("household_id", "person_id"))
    assert set(consultations.values_list("household_id", "person_id")) <= members
    counts = consultations.annotate(n=Count("concerns")).aggregate(lo=Min("n"), hi=Max("n"))
    assert counts == {"lo": 1, "hi": 3}
    span = consultations.aggregate(first=Min("received_at"), last=Max("received_at"))
    assert span["first"].date() >= dt.date(2016, 11, 1) and span["last"].date() < dt.date(2026, 11, 1)
    assert span["last"] - span["first"] > dt.timedelta(days=365 * 8)
    assert not consultations.exclude(note__endswith="（架空）").exists()
    cases = Case.objects.filter(municipality=muni)
    assert 1 <= cases.count() <= 12
    assert not cases.exclude(household__consultations__isnull=False).exists()
    assert CaseTransition.objects.filter(case__in=cases).count() >= cases.count()
    assert (
        Consent.objects.filter(case__in=cases).exists()
        and SupportPlan.objects.filter(case__in=cases).exists()
    )
    for case in cases.filter(escalation_request__isnull=False):
        assert case.escalation_request is not None
        assert case.escalation_request.status == EscalationStatus.ACCEPTED
        assert case.escalation_request.household_id == case.household_id
    assert Monitoring.objects.filter(case__in=cases).exists()
    assert EscalationRequest.objects.filter(municipality=muni, status=EscalationStatus.PENDING).exists()
    # The audit chain: a sample of the writes' events, in time order, verified by the audit module.
    results = verify_all()
    assert [r.chain for r in results] == [muni.pk]  # the city's own chain
    assert all(r.ok for r in results), results
    events = AuditEvent.objects.filter(municipality=muni)
    assert 500 <= events.count() <= 700
    times = list(events.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)
    assert events.filter(action="create", object_index__contains=" consultation:").exists()
    # The object index holds every object of the loaded rows (verify_all checked it row by row).
    assert AuditObject.objects.filter(municipality=muni, kind="consultation").exists()
    # Sequences continue after the reserved ids: the application can write new rows.
    new = Person.objects.create(municipality=muni, family_name="新規", given_name="登録")
    assert new.pk > persons.exclude(pk=new.pk).aggregate(m=Max("pk"))["m"]
    assert "intake_consultation" in output


def test_the_same_seed_gives_the_same_city_and_another_seed_another():
    digests = []
    for seed in ("7", "7", "8"):
        with transaction.atomic():
            generate("--seed", seed, "--steps", "city,staff,people,consultations,cases")
            digests.append(digest(mitaka()))
            transaction.set_rollback(True)
    assert digests[0] == digests[1] != digests[2]


def test_it_refuses_a_city_that_already_has_persons_and_changes_nothing():
    generate("--steps", "city,staff,people")
    before = (Person.objects.count(), AuditEvent.objects.count(), Consultation.objects.count())
    with pytest.raises(CommandError, match="既に本人の記録があります"):
        generate()
    assert (Person.objects.count(), AuditEvent.objects.count(), Consultation.objects.count()) == before


def test_bad_options_are_refused():
    with pytest.raises(CommandError, match="不明な手順"):
        generate("--steps", "people,meteors")
    with pytest.raises(CommandError, match="0 以上"):
        call_command("generate_history", "--persons", "-1", stdout=io.StringIO())
    assert not Person.objects.exists()


@pytest.fixture
def steps_restored():
    saved = dict(history._STEPS)
    yield
    history._STEPS.clear()
    history._STEPS.update(saved)


def test_another_app_plugs_in_a_step_that_reads_what_earlier_steps_made(steps_restored):
    seen: dict[str, int] = {}

    @history.history_step("test_outreach", after=("cases", "people"))
    def outreach(ctx: history.HistoryContext) -> None:
        """A later app's generator: it sees the households and cases made before it."""
        seen["households"] = ctx.shared["people"].households
        seen["cases"] = len(ctx.shared["cases"].ids)
        ctx.audit.add(
            "outreach", iter([history.AuditItem(ctx.shared["calendar"].midnights[-1], None, "view", ())]), 1
        )

    names = [s.name for s in history.registered_steps()]
    assert names.index("test_outreach") > names.index("cases") and names[-1] == "audit"
    generate()
    assert seen["households"] == Household.objects.count() and seen["cases"] == Case.objects.count()
    assert all(r.ok for r in verify_all())


def test_steps_that_name_an_unknown_step_or_each_other_are_refused(steps_restored):
    history.history_step("lonely", after=("nowhere",))(lambda ctx: None)
    with pytest.raises(ValueError, match="unknown"):
        history.registered_steps()
    del history._STEPS["lonely"]
    history.history_step("egg", after=("chicken",))(lambda ctx: None)
    history.history_step("chicken", after=("egg",))(lambda ctx: None)
    with pytest.raises(ValueError, match="circular"):
        history.registered_steps()
