"""The household timeline registry: keys are unique, a source returns only the rows it was asked for."""

import datetime as dt

import pytest

from tsunagu.intake.tests.helpers import make_city, record
from tsunagu.people import timeline
from tsunagu.people.timeline import Cursor, TimelineEntry, TimelineSource, older_than


@pytest.fixture
def clean_sources(monkeypatch):
    monkeypatch.setattr(timeline, "_SOURCES", dict(timeline._SOURCES))


def test_intake_and_cases_register_their_sources():
    keys = {s.key for s in timeline.timeline_sources()}
    assert {"intake.consultation", "intake.escalation", "cases.event", "cases.plan"} <= keys


def _source(key, label="X", rows=lambda *a: None, entries=lambda *a: []):
    return TimelineSource(key=key, label=label, rows=rows, at_field="at", entries=entries)


def test_a_key_cannot_be_taken_twice(clean_sources):
    source = _source("x.entries")
    timeline.register_timeline_source(source)
    timeline.register_timeline_source(source)
    with pytest.raises(ValueError, match="already registered"):
        timeline.register_timeline_source(_source("x.entries", label="Y"))
    with pytest.raises(ValueError, match="bad timeline source key"):
        timeline.register_timeline_source(_source("a~b", label="Z"))


@pytest.mark.django_db
def test_a_source_that_returns_rows_it_was_not_asked_for_fails_loudly(clean_sources):
    """The page asks a source for the rows on the page, by id; an entry for any other row (one the cursor
    or the page size left out) is a bug in the source, not something to show."""
    from tsunagu.intake.models import Consultation

    city = make_city()
    c = record(city, city.window_worker, "consented")
    other = record(city, city.window_worker, "consented")

    def rows(staff, household):
        return Consultation.objects.filter(household=household)

    def wrong(staff, household, chosen):
        return [
            TimelineEntry(
                at=other.received_at, source="x.wrong", pk=other.pk, template="", obj=None, audit_objects=()
            )
        ]

    timeline._SOURCES.clear()  # the fixture's copy: restored after the test
    timeline.register_timeline_source(
        TimelineSource(key="x.wrong", label="X", rows=rows, at_field="received_at", entries=wrong)
    )
    with pytest.raises(ValueError, match="not asked for"):
        timeline.timeline_page(city.window_worker, c.household, limit=1)


@pytest.mark.django_db
def test_the_cursor_is_applied_to_every_source_by_the_timeline(clean_sources):
    """Sources give their rows; the timeline itself keeps to the cursor, so a source cannot page wrongly."""
    city = make_city()
    first = record(city, city.window_worker, "consented", minutes_ago=30)
    second = record(city, city.window_worker, "consented", person=first.person)
    page = timeline.timeline_page(city.window_worker, first.household, limit=1)
    assert [e.pk for e in page.entries] == [second.pk]
    older = timeline.timeline_page(city.window_worker, first.household, page.next_cursor, limit=1)
    assert [e.pk for e in older.entries] == [first.pk]
    assert older.next_cursor is None


def test_older_than_orders_by_time_then_source_then_id():
    at = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    before = Cursor(at, "m.source", 10)
    assert older_than(None, "m.source", "at") == older_than(None, "z", "at")
    same = older_than(before, "m.source", "at")
    assert str(same) == str(older_then_same(at))
    later_key = older_than(before, "z.source", "at")
    assert "at__lte" in str(later_key)
    earlier_key = older_than(before, "a.source", "at")
    assert "at__lt" in str(earlier_key) and "at__lte" not in str(earlier_key)


def older_then_same(at):
    from django.db.models import Q

    return Q(at__lt=at) | Q(at=at, pk__lt=10)
