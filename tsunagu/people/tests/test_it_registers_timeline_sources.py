"""The household timeline registry: sources must keep to the cursor, keys are unique."""

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


def test_a_key_cannot_be_taken_twice(clean_sources):
    source = TimelineSource(key="x.entries", label="X", entries=lambda *a: [])
    timeline.register_timeline_source(source)
    timeline.register_timeline_source(source)
    with pytest.raises(ValueError, match="already registered"):
        timeline.register_timeline_source(TimelineSource(key="x.entries", label="Y", entries=lambda *a: []))
    with pytest.raises(ValueError, match="bad timeline source key"):
        timeline.register_timeline_source(TimelineSource(key="a~b", label="Z", entries=lambda *a: []))


@pytest.mark.django_db
def test_a_source_that_ignores_the_cursor_fails_loudly(clean_sources):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    at = c.received_at

    def stuck(staff, household, before, limit):
        return [TimelineEntry(at=at, source="x.stuck", pk=1, template="", obj=None, audit_objects=())]

    timeline.register_timeline_source(TimelineSource(key="x.stuck", label="X", entries=stuck))
    with pytest.raises(ValueError, match="ignored the cursor"):
        timeline.timeline_page(city.window_worker, c.household, Cursor(at, "x.stuck", 1))


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
