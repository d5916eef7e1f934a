"""What `audit.record` writes, field by field, for every kind of caller: a staff member with an
organization, no actor at all (a failed login), an anonymous request, an explicit municipality, and
requests with and without a resolved view. Written to kill the mutants `make mutation` left alive in
`record`, `record_retention`, `lock_head`, `index_loaded_rows`, `_clean_detail` and `_normalise_objects`
(docs/security.md J): the older tests checked a handful of fields of one staff member's event."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Q
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.auditkey import head_mac
from tsunagu.access.checkpoints import read_checkpoints
from tsunagu.access.models import AuditChainHead, AuditEvent, AuditObject

from .factories import make_municipality, make_organization, make_staff

pytestmark = pytest.mark.django_db


def _staff(name: str = "テスト市"):  # type: ignore[no-untyped-def]
    city = make_municipality(name=name)
    org = make_organization(city, name=f"{name} 福祉相談課")
    return make_staff(city, "coordinator", org, mfa=False)


def _fields(event: AuditEvent) -> dict[str, object]:
    event.refresh_from_db()
    return {
        "seq": event.seq,
        "municipality_id": event.municipality_id,
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_role": event.actor_role,
        "organization_id_snapshot": event.organization_id_snapshot,
        "organization_name": event.organization_name,
        "action": event.action,
        "channel": event.channel,
        "objects_json": event.objects_json,
        "object_index": event.object_index,
        "reason": event.reason,
        "detail": event.detail,
        "view_name": event.view_name,
        "prev_hash": event.prev_hash,
    }


def _resolved(view_name: str | None) -> SimpleNamespace:
    return SimpleNamespace(resolver_match=SimpleNamespace(view_name=view_name))


def test_a_staff_members_event_keeps_who_what_how_why_and_where():
    actor = _staff()
    before = timezone.now()
    event = audit.record(
        actor=actor,
        action="export",
        channel="export",
        objects=[("household", 7), ("person", 11)],
        reason="会議資料",
        detail={"rows": 3, "fields": ("name", "kana"), "full": True, "note": None, 5: "five"},
        request=_resolved("cases:detail"),
    )
    assert _fields(event) == {
        "seq": 1,
        "municipality_id": actor.municipality_id,
        "actor_id": actor.pk,
        "actor_username": actor.username,
        "actor_role": "coordinator",
        "organization_id_snapshot": actor.organization_id,
        "organization_name": "テスト市 福祉相談課",
        "action": "export",
        "channel": "export",
        "objects_json": [["household", 7], ["person", 11]],
        "object_index": " household:7 person:11 ",
        "reason": "会議資料",
        "detail": {"rows": 3, "fields": ["name", "kana"], "full": True, "note": None, "5": "five"},
        "view_name": "cases:detail",
        "prev_hash": audit.GENESIS,
    }
    assert before <= event.at <= timezone.now()
    assert event.hash == audit.compute_hash(event)
    second = audit.record(actor=actor, action="view", objects=[("person", 11)])
    assert (second.seq, second.prev_hash, second.object_index) == (2, event.hash, " person:11 ")


def test_an_event_without_an_actor_leaves_every_who_field_empty():
    event = audit.record(actor=None, action="login_failed", channel="system")
    assert _fields(event) == {
        "seq": 1,
        "municipality_id": None,
        "actor_id": None,
        "actor_username": "",
        "actor_role": "",
        "organization_id_snapshot": None,
        "organization_name": "",
        "action": "login_failed",
        "channel": "system",
        "objects_json": [],
        "object_index": "",
        "reason": "",
        "detail": {},
        "view_name": "",
        "prev_hash": audit.GENESIS,
    }


def test_an_anonymous_user_and_an_unresolved_request_are_recorded_without_an_account_or_view():
    """A failed login passes `request.user` (AnonymousUser: no pk, no municipality, no organization) and a
    request that never went through the URL resolver, or a request-like object without one at all."""
    request = RequestFactory().post("/accounts/login/")
    assert request.resolver_match is None
    for req in (request, SimpleNamespace()):
        event = audit.record(actor=AnonymousUser(), action="login_failed", channel="system", request=req)
        fields = _fields(event)
        assert (fields["municipality_id"], fields["actor_id"], fields["actor_username"]) == (None, None, "")
        assert (fields["organization_id_snapshot"], fields["organization_name"], fields["view_name"]) == (
            None,
            "",
            "",
        )


def test_the_view_name_is_kept_to_its_column_and_an_empty_one_stays_empty():
    actor = _staff()
    long = audit.record(actor=actor, action="view", request=_resolved("v" * 130))
    assert _fields(long)["view_name"] == "v" * 120
    for unnamed in ("", None):
        event = audit.record(actor=actor, action="view", request=_resolved(unnamed))
        assert _fields(event)["view_name"] == ""


def test_an_explicit_municipality_wins_over_the_actors_own():
    actor = _staff("テスト市A")
    other = make_municipality(name="テスト市B")
    by_instance = audit.record(actor=actor, action="view", municipality=other, objects=[("person", 1)])
    by_id = audit.record(actor=actor, action="view", municipality=other.pk)
    assert [(e.municipality_id, e.seq) for e in (by_instance, by_id)] == [(other.pk, 1), (other.pk, 2)]
    assert not AuditEvent.objects.filter(municipality_id=actor.municipality_id).exists()
    assert list(AuditObject.objects.values_list("municipality_id", "kind", "obj_id")) == [
        (other.pk, "person", 1)
    ]


def test_a_bad_action_or_channel_is_refused_with_its_name():
    actor = _staff()
    with pytest.raises(ValueError, match="unknown audit action 'peek'"):
        audit.record(actor=actor, action="peek")
    with pytest.raises(ValueError, match="unknown audit channel 'fax'"):
        audit.record(actor=actor, action="view", channel="fax")
    assert not AuditEvent.objects.exists()
    for channel in ("view", "export", "print", "api", "system"):
        assert audit.record(actor=actor, action="view", channel=channel).channel == channel


def test_detail_holds_only_str_int_bool_and_none_also_inside_lists():
    actor = _staff()
    for bad, key in (({"ids": [1, 2.5]}, "ids"), ({"when": date(2026, 1, 1)}, "when"), ({"f": 0.5}, "f")):
        with pytest.raises(ValueError, match=f"audit detail '{key}': only str/int/bool values"):
            audit.record(actor=actor, action="view", detail=bad)
    assert not AuditEvent.objects.exists()
    event = audit.record(actor=actor, action="view", detail={"ids": [1, "a", True, None]})
    assert _fields(event)["detail"] == {"ids": [1, "a", True, None]}


def test_objects_are_pairs_or_model_instances_and_a_kind_is_one_word():
    actor = _staff()
    event = audit.record(actor=actor, action="view", objects=[actor, ("person", "12")])
    assert _fields(event)["objects_json"] == [["staff", actor.pk], ["person", 12]]
    for kind in ("", "house hold", "house:hold"):
        with pytest.raises(ValueError, match=f"bad audit object type {kind!r}"):
            audit.record(actor=actor, action="view", objects=[(kind, 1)])


# --- the checkpoint after commit ---------------------------------------------------------------------


def test_every_nth_row_of_a_chain_is_anchored_with_its_chain_and_hash(
    settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_EVERY = 2
    actor = _staff()
    with django_capture_on_commit_callbacks(execute=True):
        events = [audit.record(actor=actor, action="view") for _ in range(5)]
    assert [(c.chain, c.seq, c.hash) for c in read_checkpoints().checkpoints] == [
        (actor.municipality_id, 2, events[1].hash),
        (actor.municipality_id, 4, events[3].hash),
    ]


def test_no_checkpoint_is_written_when_the_interval_is_zero_or_unset(
    settings, django_capture_on_commit_callbacks
):
    actor = _staff()
    settings.AUDIT_CHECKPOINT_EVERY = 0
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(actor=actor, action="view")
        audit.record(actor=actor, action="view")
    del settings.AUDIT_CHECKPOINT_EVERY
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(actor=actor, action="view")
    assert read_checkpoints().checkpoints == []
    assert AuditEvent.objects.count() == 3


# --- the chain head ----------------------------------------------------------------------------------


def test_a_new_chain_starts_from_a_signed_empty_head_that_verifies():
    """lock_head also serves the history generator, which continues a chain from whatever head it finds."""
    city = make_municipality(name="テスト市")
    with transaction.atomic():
        head = audit.lock_head(city.pk)
        system = audit.lock_head(AuditChainHead.SYSTEM_CHAIN)
    for h, chain, municipality_id in ((head, city.pk, city.pk), (system, 0, None)):
        h.refresh_from_db()
        assert (h.pk, h.municipality_id, h.last_seq, h.last_hash, h.mac) == (
            chain,
            municipality_id,
            0,
            audit.GENESIS,
            head_mac(0, audit.GENESIS, chain),
        )
        result = audit.verify_chain(chain=chain)
        assert (result.ok, result.checked, result.problem) == (True, 0, "")


def test_locking_an_existing_head_is_one_select_for_update():
    actor = _staff()
    audit.record(actor=actor, action="view")
    audit.record(actor=actor, action="view")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        head = audit.lock_head(actor.municipality_id)
    assert (head.pk, head.last_seq) == (actor.municipality_id, 2)
    sql = [q["sql"] for q in queries.captured_queries if "auditchainhead" in q["sql"].lower()]
    assert len(sql) == 1
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in sql[0]


# --- retention --------------------------------------------------------------------------------------


def test_a_retention_delete_names_every_removed_record_and_the_counts():
    actor = _staff()
    event = audit.record_retention(
        actor=actor,
        municipality=actor.municipality,
        objects=[("case", 3), ("consultation", 4), ("consultation", 5)],
        cutoff=date(2021, 4, 1),
        counts={"consultation": 2, "case": 1},
    )
    assert event is not None
    fields = _fields(event)
    assert (fields["actor_id"], fields["municipality_id"], fields["action"], fields["channel"]) == (
        actor.pk,
        actor.municipality_id,
        "delete",
        "system",
    )
    assert fields["objects_json"] == [["case", 3], ["consultation", 4], ["consultation", 5]]
    assert fields["detail"] == {
        "retention": True,
        "cutoff": "2021-04-01",
        "deleted case": 1,
        "deleted consultation": 2,
    }


def test_a_retention_anonymisation_is_an_update_and_nothing_to_name_writes_no_row():
    actor = _staff()
    other = make_municipality(name="テスト市B")
    assert (
        audit.record_retention(actor=actor, municipality=other, objects=[], cutoff=date(2021, 4, 1)) is None
    )
    assert not AuditEvent.objects.exists()
    event = audit.record_retention(
        actor=None,
        municipality=other,
        objects=iter([("person", 9)]),
        cutoff=date(2021, 4, 1),
        anonymised=True,
    )
    assert event is not None
    fields = _fields(event)
    assert (fields["actor_id"], fields["municipality_id"], fields["action"], fields["channel"]) == (
        None,
        other.pk,
        "update",
        "system",
    )
    assert (fields["objects_json"], fields["detail"]) == (
        [["person", 9]],
        {"retention": True, "cutoff": "2021-04-01", "anonymised": True},
    )


# --- the object index of rows loaded in bulk ---------------------------------------------------------


def test_index_loaded_rows_indexes_exactly_the_rows_of_the_range_once_each():
    actor = _staff()
    events = [
        audit.record(actor=actor, action="view", objects=[("person", 1), ("person", 1), ("household", 2)]),
        audit.record(
            actor=None, action="login_failed", channel="system", detail={}
        ),  # system chain: no index
        audit.record(actor=actor, action="view", objects=[("person", 3)]),
        audit.record(actor=actor, action="view", objects=[("person", 4)]),
    ]
    AuditObject.objects.all().delete()  # as after the history generator's COPY of the rows

    def indexed() -> set[tuple[object, ...]]:
        return set(AuditObject.objects.values_list("municipality_id", "event_id", "kind", "obj_id"))

    audit.index_loaded_rows(events[3].pk, events[2].pk)  # an empty range: nothing
    assert indexed() == set()
    audit.index_loaded_rows(events[3].pk, events[3].pk)  # one row
    assert indexed() == {(actor.municipality_id, events[3].pk, "person", 4)}
    audit.index_loaded_rows(events[0].pk, events[2].pk)
    assert AuditObject.objects.count() == 4
    assert indexed() == {
        (actor.municipality_id, events[0].pk, "person", 1),
        (actor.municipality_id, events[0].pk, "household", 2),
        (actor.municipality_id, events[2].pk, "person", 3),
        (actor.municipality_id, events[3].pk, "person", 4),
    }
    assert all(r.ok for r in audit.verify_all())


# --- verification: chains, labels, batches -----------------------------------------------------------


def test_chain_labels_name_the_system_chain_and_a_city():
    assert audit.VerifyResult(True, 0, chain=0).label == "システム"
    assert audit.VerifyResult(True, 0, chain=13).label == "自治体 13"
    assert (audit.chain_label(0), audit.chain_label(13)) == ("システム", "自治体 13")


def test_verify_all_walks_in_batches_of_the_size_given():
    actor = _staff()
    for _ in range(5):
        audit.record(actor=actor, action="view", objects=[("person", 1)])
    for size, index_queries in ((2, 3), (4, 2), (5, 1)):
        with CaptureQueriesContext(connection) as queries:
            [result] = audit.verify_all(batch_size=size, municipality_id=actor.municipality_id)
        assert (result.ok, result.checked) == (True, 5)
        selects = [q for q in queries.captured_queries if 'FROM "access_auditobject"' in q["sql"]]
        # one per batch, and one for index rows of other cities' events
        assert len(selects) == index_queries + 1, [q["sql"] for q in selects]


def test_an_index_row_pointing_at_an_event_of_no_city_is_named_in_the_system_chain():
    actor = _staff()
    audit.record(actor=actor, action="view", objects=[("person", 1)])
    audit.record(actor=None, action="login_failed", channel="system")
    failed = audit.record(actor=None, action="login_failed", channel="system")
    assert audit.verify_chain(chain=0).ok
    AuditObject.objects.create(municipality_id=actor.municipality_id, event=failed, kind="person", obj_id=1)
    assert audit._stray_index_problem(0) == (2, "対象索引（AuditObject）に別の自治体の行を指すものがあります")
    result = audit.verify_chain(chain=0)
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert audit._stray_index_problem(actor.municipality_id) == (
        2,
        "対象索引（AuditObject）に別の自治体の行を指すものがあります",
    )
    assert AuditObject.objects.filter(~Q(event__municipality_id=actor.municipality_id)).count() == 1


def test_the_time_in_the_hash_moves_with_the_row():
    actor = _staff()
    event = audit.record(actor=actor, action="view")
    moved = AuditEvent(**{f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields})
    moved.at = event.at + timedelta(seconds=1)
    assert audit.compute_hash(moved) != event.hash


def test_a_removed_index_row_is_named_in_so_many_words():
    actor = _staff()
    events = [audit.record(actor=actor, action="view", objects=[("person", i)]) for i in (1, 2)]
    AuditObject.objects.filter(event=events[1]).delete()
    result = audit.verify_chain(chain=actor.municipality_id)
    assert (result.ok, result.first_bad_seq, result.problem) == (
        False,
        2,
        "対象索引（AuditObject）が行の対象と一致しません（索引の削除・追加）",
    )


def test_the_system_chain_is_verified_without_reading_the_object_index():
    """Events of no city have no index rows: the walk does not query for them (one query, for stray rows)."""
    for _ in range(3):
        audit.record(actor=None, action="login_failed", channel="system")
    with CaptureQueriesContext(connection) as queries:
        result = audit.verify_chain(chain=AuditChainHead.SYSTEM_CHAIN, batch_size=2)
    assert (result.ok, result.checked) == (True, 3)
    selects = [q for q in queries.captured_queries if 'FROM "access_auditobject"' in q["sql"]]
    assert len(selects) == 1, [q["sql"] for q in selects]
