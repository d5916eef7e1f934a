"""Citus-readiness (docs/scaling.md): every table of municipal data carries municipality_id, every unique
constraint includes it, and every foreign key between municipal tables can be declared with it.

Citus itself is not installed here: these tests check the keys on the app registry and, on PostgreSQL,
apply the composite primary and foreign keys `manage.py citus_ddl --keys-only` prints to a database with
two cities' records in it. The create_distributed_table / create_reference_table calls are not run.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import isolate_apps

from tsunagu.core import distribution
from tsunagu.people.models import Household, HouseholdMember, Person, Relationship

from .factories import make_household, make_municipality, make_person


def _describe(problems: list[distribution.Problem]) -> str:
    return "\n".join(f"{p.label} [{p.rule}]: {p.message}" for p in problems)


def test_every_table_is_classified_and_municipal_tables_carry_municipality_in_every_key():
    unexpected = distribution.unexpected_problems()
    assert unexpected == [], (
        "Tables that a Citus installation distributed by municipality_id could not hold. Add "
        "municipality to the table or its unique constraint, or list the table in "
        "tsunagu/core/distribution.py with the reason:\n" + _describe(unexpected)
    )


def test_every_known_gap_is_still_a_gap():
    found = {p.key for p in distribution.problems()}
    fixed = [key for key in distribution.KNOWN_GAPS if key not in found]
    assert fixed == [], f"fixed — remove from KNOWN_GAPS in tsunagu/core/distribution.py: {fixed}"


def test_every_listed_table_is_a_real_model():
    labels = {t.label for t in distribution.tables()}
    listed = set(distribution.REFERENCE_TABLES) | set(distribution.LOCAL_TABLES)
    assert listed - labels == set()
    assert set(distribution.REFERENCE_TABLES) & set(distribution.LOCAL_TABLES) == set()


def test_the_municipal_tables_are_distributed_and_the_vocabularies_are_reference_tables():
    kinds = {t.label: t.kind for t in distribution.tables()}
    for label in ("people.Person", "people.Household", "intake.Consultation", "cases.Case", "cases.Consent"):
        assert kinds[label] == "distributed"
    for label in ("municipalities.Municipality", "municipalities.ConcernType", "directory.Window"):
        assert kinds[label] == "reference"
    assert kinds["sessions.Session"] == "local"


@isolate_apps("tsunagu.municipalities", "tsunagu.core")
def test_the_rules_catch_each_kind_of_offender():
    class Municipality(models.Model):  # noqa: DJ008 - throwaway models in an isolated registry
        class Meta:
            app_label = "municipalities"

    class Record(models.Model):  # noqa: DJ008 - municipal, but unique on its own number across cities
        municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
        number = models.IntegerField(unique=True)
        code = models.CharField(max_length=5)

        class Meta:
            app_label = "core"
            constraints = [models.UniqueConstraint(fields=["code"], name="record_code")]

    class Loose(models.Model):  # noqa: DJ008 - neither municipal nor listed
        record = models.ForeignKey(Record, on_delete=models.PROTECT, null=True)

        class Meta:
            app_label = "core"

    class Tag(models.Model):  # noqa: DJ008 - nullable distribution column; many-to-many without municipality
        municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True)
        records = models.ManyToManyField(Record)

        class Meta:
            app_label = "core"

    registry = Record._meta.apps
    found = {(p.label, p.rule) for p in distribution.problems(registry)}
    assert ("core.Record", "unique_without_municipality") in found
    assert len([p for p in distribution.problems(registry) if p.label == "core.Record"]) == 2
    assert ("core.Loose", "unclassified") in found
    assert ("core.Tag", "municipality_nullable") in found
    assert ("core.Tag_records", "no_municipality") in found
    assert ("municipalities.Municipality", "reference_points_at_distributed") not in found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composite keys are applied on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_composite_keys_hold_on_real_rows_and_refuse_a_row_pointing_into_another_city():
    city_a, city_b = make_municipality(), make_municipality()
    for city in (city_a, city_b):
        person = make_person(city)
        make_household(city, (person, Relationship.HEAD))
    out = io.StringIO()
    call_command("citus_ddl", "--keys-only", stdout=out)
    statements = [line for line in out.getvalue().splitlines() if line and not line.startswith("--")]
    assert statements[0] == "BEGIN;" and statements[-1] == "COMMIT;"
    body = statements[1:-1]
    assert any("ADD PRIMARY KEY (municipality_id" in s for s in body)
    assert any('REFERENCES "people_household" (municipality_id' in s for s in body)

    household_a = Household.objects.get(municipality=city_a)
    person_b = Person.objects.get(municipality=city_b)
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            for sql in body:
                cursor.execute(sql)  # every existing row of both cities satisfies the new keys
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Same ids, wrong city: a member row of city B pointing at a household of city A.
        HouseholdMember.objects.create(
            municipality=city_b, household=household_a, person=person_b, relationship=Relationship.HEAD
        )
    # The keys were rolled back with the transaction; Django's own keys are untouched.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "people_householdmember")
    assert not any("_muni_fk_" in name for name in constraints)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composite keys are applied on PostgreSQL")
@pytest.mark.django_db
def test_two_generated_cities_satisfy_every_composite_key():
    """Ten years of two cities (tiny): every foreign key between distributed tables agrees on the city."""
    for profile in ("profiles/mitaka.toml", "profiles/inagi.toml"):
        call_command(
            "generate_history",
            "--profile",
            profile,
            "--persons",
            "200",
            "--consultations",
            "500",
            "--cases",
            "8",
            "--audit-events",
            "200",
            "--end",
            "2026-11-01",
            stdout=io.StringIO(),
        )
    out = io.StringIO()
    call_command("citus_ddl", "--keys-only", stdout=out)
    body = [
        line
        for line in out.getvalue().splitlines()
        if line and not line.startswith(("--", "BEGIN", "COMMIT"))
    ]
    with connection.cursor() as cursor:
        for sql in body:
            cursor.execute(sql)  # ADD CONSTRAINT … FOREIGN KEY checks every existing row
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname LIKE %s AND contype = 'f'",
            ["%\\_muni\\_fk\\_%"],
        )
        assert cursor.fetchone()[0] == len(distribution.distributed_foreign_keys())
    assert Person.objects.values("municipality").distinct().count() == 2
