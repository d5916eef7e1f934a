"""Retention: closed cases and consultations past the city's period are deleted, audited, in one run;
a dry run lists the same and changes nothing; what is within the period, or tied to a kept case, stays."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tsunagu.access.models import AuditEvent
from tsunagu.cases.models import Assessment, Case, CaseStatus, Consent, Monitoring, PlanGoal, SupportPlan
from tsunagu.directory.profiles import ProfileError, load_profile
from tsunagu.directory.tests.test_it_rejects_bad_profiles import VALID
from tsunagu.intake.models import Consultation, ConsultationStatus
from tsunagu.people.models import Household, HouseholdMember, Person, PersonRelationship, RelationshipKind

from .helpers import make_world

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def years_ago(years: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(TODAY.year - years, 5, 1, 10, 0))


def close(case: Case, years: int) -> None:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=years_ago(years))


def close_consultations(household: Household, years: int) -> list[int]:
    """Close the household's consultations `years` ago; the household has existed at least as long."""
    qs = Consultation.objects.filter(household=household)
    qs.update(status=ConsultationStatus.CLOSED, updated_at=years_ago(years))
    Household.objects.filter(pk=household.pk).update(created_at=years_ago(years + 1))
    return sorted(qs.values_list("pk", flat=True))


def run(*args: str) -> str:
    out = StringIO()
    call_command("apply_retention", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def table_sizes() -> dict[str, int]:
    models = (Case, Assessment, SupportPlan, PlanGoal, Monitoring, Consent, Consultation, Person, Household)
    return {m.__name__: m.objects.count() for m in models}


def test_dry_run_lists_ids_and_changes_nothing():
    w = make_world()
    close(w.case, 6)
    close_consultations(w.household, 6)
    before, events = table_sizes(), AuditEvent.objects.count()
    out = run("--dry-run", "--municipality", w.city.muni.code)
    assert table_sizes() == before
    assert AuditEvent.objects.count() == events
    assert "試行・変更なし" in out
    assert f"ケース（cases.Case）1件: {w.case.pk}" in out
    ids = ", ".join(str(pk) for pk in sorted([w.consultation_p1.pk, w.consultation_p2.pk]))
    assert f"相談（intake.Consultation）2件: {ids}" in out
    assert f"アセスメント（cases.Assessment）1件: {w.assessment.pk}" in out


def test_case_closed_six_years_ago_goes_with_its_children_and_is_audited():
    w = make_world()
    close(w.case, 6)
    # The plan in force at closure points back from the case (a hidden key): it is unlinked, then deleted.
    Case.objects.filter(pk=w.case.pk).update(closure_plan=w.plan)
    consultations = close_consultations(w.household, 6)
    close(w.other_case, 6)  # another city, another run
    out = run("--municipality", w.city.muni.code)
    assert "削除しました" in out
    assert not Case.objects.filter(pk=w.case.pk).exists()
    assert not Assessment.objects.filter(case_id=w.case.pk).exists()
    assert not SupportPlan.objects.filter(pk=w.plan.pk).exists()
    assert not PlanGoal.objects.filter(plan_id=w.plan.pk).exists()
    assert not Monitoring.objects.filter(pk=w.monitoring.pk).exists()
    assert not Consent.objects.filter(case_id=w.case.pk).exists()
    assert not Consultation.objects.filter(pk__in=consultations).exists()
    assert Case.objects.filter(pk=w.other_case.pk).exists()
    # The household had nothing else left: it goes with its members; the audit row names every deleted id.
    assert not Household.objects.filter(pk=w.household.pk).exists()
    assert not Person.objects.filter(pk__in=[w.p1.pk, w.p2.pk]).exists()
    # Each app's step writes its own audit row naming every id it deleted.
    events = list(AuditEvent.objects.order_by("-pk")[:3])[::-1]
    assert [(e.action, e.channel, e.municipality_id) for e in events] == [
        ("delete", "system", w.city.muni.pk)
    ] * 3
    cases_row, intake_row, people_row = events
    assert cases_row.objects_json == [["case", w.case.pk]]
    assert cases_row.detail["deleted cases.Assessment"] == 1
    assert intake_row.objects_json == [["consultation", pk] for pk in consultations]
    assert ["household", w.household.pk] in people_row.objects_json
    assert ["person", w.p1.pk] in people_row.objects_json
    # Nothing is left to do: a second run deletes nothing and still leaves its audit row.
    assert "期限を過ぎた記録はありません" in run("--municipality", w.city.muni.code)


def test_a_member_of_another_household_keeps_the_household_and_persons():
    w = make_world()
    close(w.case, 6)
    close_consultations(w.household, 6)
    other = w.other_case.household  # another city's household is still a separate household row
    HouseholdMember.objects.create(household=other, person=w.p2, **member_fields(w))
    out = run("--municipality", w.city.muni.code)
    assert not Case.objects.filter(pk=w.case.pk).exists()
    assert Household.objects.filter(pk=w.household.pk).exists()
    assert Person.objects.filter(pk__in=[w.p1.pk, w.p2.pk]).count() == 2
    assert f"世帯員が保存中の別の世帯にいる）1件: {w.household.pk}" in out
    # p2 is still in casework elsewhere and is kept as is; p1's only household is past: anonymised.
    p1, p2 = Person.objects.get(pk=w.p1.pk), Person.objects.get(pk=w.p2.pk)
    assert (p2.family_name, p2.anonymised_on) == (w.p2.family_name, None)
    assert p1.anonymised_on == TODAY and p1.family_name == "匿名化済"
    assert f"人に保存中の記録が残っている）1件: {w.p2.pk}" in out


def member_fields(w) -> dict[str, object]:
    existing = HouseholdMember.objects.filter(household=w.household).order_by("pk")[0]
    skip = {"id", "household", "person"}
    return {
        f.attname: getattr(existing, f.attname) for f in existing._meta.concrete_fields if f.name not in skip
    }


def test_case_closed_four_years_ago_stays_with_its_consultations():
    w = make_world()
    close(w.case, 4)
    consultations = close_consultations(w.household, 6)
    before = table_sizes()
    out = run("--municipality", w.city.muni.code)
    assert table_sizes() == before
    assert Case.objects.filter(pk=w.case.pk).exists()
    assert "世帯に保存中のケースがある相談" in out
    assert Consultation.objects.filter(pk__in=consultations).count() == 2


def test_open_case_keeps_its_household_untouched():
    w = make_world()
    assert w.case.status != CaseStatus.CLOSED
    consultations = close_consultations(w.household, 10)
    before = table_sizes()
    run()
    assert table_sizes() == before
    assert Consultation.objects.filter(pk__in=consultations).count() == 2
    assert Household.objects.filter(pk=w.household.pk).exists()


def test_a_city_period_is_honoured():
    w = make_world()
    close(w.case, 4)
    close(w.other_case, 4)
    muni = w.city.muni
    muni.case_retention_years = 3
    muni.save(update_fields=["case_retention_years"])
    run()
    assert not Case.objects.filter(pk=w.case.pk).exists()
    assert Case.objects.filter(pk=w.other_case.pk).exists()  # city B keeps the default 5 years


def test_bad_today_and_unknown_city_are_refused_in_japanese():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("apply_retention", "--today", "2026-13-01")
    with pytest.raises(CommandError, match="自治体はありません"):
        call_command("apply_retention", "--municipality", "999999")


@pytest.mark.parametrize("value", ["0", "31", '"5年"', "-1"])
def test_bad_retention_in_a_profile_gets_a_japanese_message(tmp_path: Path, value: str):
    path = tmp_path / "bad.toml"
    path.write_text(
        VALID.replace(
            'prefecture = "テスト県"\n', f'prefecture = "テスト県"\ncase_retention_years = {value}\n'
        )
    )
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    message = str(exc.value)
    assert "municipality.case_retention_years" in message
    assert any(
        "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff"
        for ch in message.split("case_retention_years", 1)[1]
    )


def test_profile_sets_the_periods(tmp_path: Path):
    path = tmp_path / "ok.toml"
    path.write_text(
        VALID.replace(
            'prefecture = "テスト県"\n',
            'prefecture = "テスト県"\ncase_retention_years = 10\nconsultation_retention_years = 3\n',
        )
    )
    report = load_profile(path)
    muni = report.municipality
    muni.refresh_from_db()
    assert (muni.case_retention_years, muni.consultation_retention_years) == (10, 3)


def identity(person: Person) -> tuple[object, ...]:
    return (
        person.family_name,
        person.given_name,
        person.family_kana,
        person.given_kana,
        person.name_key,
        person.kana_key,
        person.phonetic_key,
        person.birth_date,
        person.address,
        person.address_key,
        person.phone,
        person.nationality,
        person.language_needs,
        person.area_id,
        person.disability,
    )


def relate(w) -> PersonRelationship:
    return PersonRelationship.objects.create(
        municipality=w.city.muni, person_a=w.p1, person_b=w.p2, kind=RelationshipKind.PARENT_OF
    )


def test_persons_kept_by_a_relationship_are_anonymised_through_people_and_audited():
    w = make_world()
    Person.objects.filter(pk=w.p1.pk).update(
        birth_date=dt.date(1950, 7, 7), phone="090-0000-0000", address="テスト市1-2-3", disability=True
    )
    Household.objects.filter(pk=w.household.pk).update(address="テスト市1-2-3", note="玄関は裏")
    close(w.case, 6)
    consultations = close_consultations(w.household, 6)
    relationship = relate(w)
    out = run("--municipality", w.city.muni.code)
    assert not Consultation.objects.filter(pk__in=consultations).exists()
    household = Household.objects.get(pk=w.household.pk)
    assert (household.address, household.note) == ("", "")
    p1, p2 = Person.objects.get(pk=w.p1.pk), Person.objects.get(pk=w.p2.pk)
    for person in (p1, p2):
        assert person.anonymised_on == TODAY
        assert identity(person) == (
            "匿名化済",
            "",
            "",
            "",
            *identity(person)[4:7],
            None,
            "",
            "",
            "",
            "",
            "",
            None,
            False,
        )
        assert w.p1.family_name not in (person.name_key + person.kana_key + person.phonetic_key)
    assert p1.estimated_age == 75  # the birth date reduced to the age on the day of the run
    assert PersonRelationship.objects.filter(pk=relationship.pk).exists()
    assert "匿名化する人（people.Person）2件" in out
    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None and (event.action, event.channel) == ("update", "system")
    assert event.detail["anonymised"] is True
    assert ["person", w.p1.pk] in event.objects_json and ["household", w.household.pk] in event.objects_json
    # A second run has nothing left to do for them, and writes nothing.
    events = AuditEvent.objects.count()
    assert "期限を過ぎた記録はありません" in run("--municipality", w.city.muni.code)
    assert AuditEvent.objects.count() == events


def test_a_household_emptied_by_an_earlier_run_is_revisited_once_nothing_points_at_it():
    w = make_world()
    close(w.case, 6)
    close_consultations(w.household, 6)
    relationship = relate(w)
    run("--municipality", w.city.muni.code)
    assert Household.objects.filter(pk=w.household.pk).exists()  # kept (anonymised) for the relationship
    relationship.delete()  # the relationship goes later (here directly: a test of the next run)
    out = run("--dry-run", "--municipality", w.city.muni.code)
    assert f"世帯（people.Household）1件: {w.household.pk}" in out
    assert Household.objects.filter(pk=w.household.pk).exists()
    run("--municipality", w.city.muni.code)
    assert not Household.objects.filter(pk=w.household.pk).exists()
    assert not Person.objects.filter(pk__in=[w.p1.pk, w.p2.pk]).exists()


def test_a_new_household_without_a_consultation_yet_is_not_touched():
    w = make_world()
    fresh = Household.objects.create(municipality=w.city.muni, address="テスト市9-9")
    old = Household.objects.create(municipality=w.city.muni, address="テスト市1-1")
    Household.objects.filter(pk=old.pk).update(created_at=years_ago(6))
    run("--municipality", w.city.muni.code)
    assert Household.objects.get(pk=fresh.pk).address == "テスト市9-9"
    assert not Household.objects.filter(pk=old.pk).exists()  # past its period with nothing in it


def test_a_person_in_casework_elsewhere_in_the_city_is_not_anonymised():
    w = make_world()
    live = Household.objects.create(municipality=w.city.muni)
    Household.objects.filter(pk=live.pk).update(created_at=years_ago(10))
    HouseholdMember.objects.create(municipality=w.city.muni, household=live, person=w.p2, relationship="head")
    Consultation.objects.filter(pk=w.consultation_p2.pk).update(household=live)  # still open
    close(w.case, 6)
    close_consultations(w.household, 6)
    relate(w)
    out = run("--municipality", w.city.muni.code)
    p1, p2 = Person.objects.get(pk=w.p1.pk), Person.objects.get(pk=w.p2.pk)
    assert p2.anonymised_on is None and identity(p2) == identity(w.p2)
    assert p1.anonymised_on == TODAY
    assert Consultation.objects.filter(pk=w.consultation_p2.pk).exists()
    assert Household.objects.filter(pk=live.pk).exists()
    assert f"人に保存中の記録が残っている）1件: {w.p2.pk}" in out
