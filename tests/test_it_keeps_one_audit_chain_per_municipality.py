"""Issue 10 item 4: one audit chain per municipality (and a system chain), verified chain by chain, and the
object index the auditor's "who read this record / this person" lookups use."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tsunagu.access import audit
from tsunagu.access.auditkey import head_mac
from tsunagu.access.models import AuditChainHead, AuditEvent, AuditObject
from tsunagu.access.views import _object_filter

from .factories import login_client, make_personas
from .test_it_audit_chain import _delete_rows, _drop_triggers, _recreate_triggers

pytestmark = pytest.mark.django_db
NEEDS_DB_OWNER = True  # drops the audit triggers to tamper with one city's chain (conftest.py)


def _two_cities(n: int = 4):  # type: ignore[no-untyped-def]
    p = make_personas()
    a = [audit.record(actor=p.window_worker, action="view", objects=[("person", 10 + i)]) for i in range(n)]
    b = [audit.record(actor=p.worker_b, action="view", objects=[("household", 20 + i)]) for i in range(n - 1)]
    return p, a, b


def _result(chain: int) -> audit.VerifyResult:
    [result] = [r for r in audit.verify_all() if r.chain == chain]
    return result


def test_each_city_numbers_its_own_chain_and_events_of_no_city_go_to_the_system_chain():
    p, a, b = _two_cities()
    a += [audit.record(actor=p.window_worker, action="view", objects=[("person", 99)])]
    failed = audit.record(
        actor=None, action="login_failed", channel="system", detail={"known_account": False}
    )
    assert [e.seq for e in a] == [1, 2, 3, 4, 5] and {e.municipality_id for e in a} == {p.city_a.pk}
    assert [e.seq for e in b] == [1, 2, 3] and {e.municipality_id for e in b} == {p.city_b.pk}
    assert a[0].prev_hash == b[0].prev_hash == audit.GENESIS  # each chain starts on its own
    assert [e.prev_hash for e in a[1:]] == [e.hash for e in a[:-1]]
    assert (failed.municipality_id, failed.seq, failed.prev_hash) == (None, 1, audit.GENESIS)
    heads = {h.pk: h for h in AuditChainHead.objects.all()}
    assert heads[p.city_a.pk].municipality_id == p.city_a.pk and heads[p.city_a.pk].last_seq == 5
    assert heads[p.city_b.pk].last_seq == 3 and heads[p.city_b.pk].last_hash == b[-1].hash
    assert heads[AuditChainHead.SYSTEM_CHAIN].municipality_id is None
    assert heads[AuditChainHead.SYSTEM_CHAIN].last_hash == failed.hash
    results = audit.verify_all()
    assert [(r.chain, r.checked, r.ok) for r in results] == [
        (0, 1, True),
        (p.city_a.pk, 5, True),
        (p.city_b.pk, 3, True),
    ]


def test_verify_audit_reports_every_chain_and_one_city_with_municipality(capsys):
    p, _a, _b = _two_cities()
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert (
        f"OK [自治体 {p.city_a.pk}]: 監査ログ 4 行" in out
        and f"OK [自治体 {p.city_b.pk}]: 監査ログ 3 行" in out
    )
    call_command("verify_audit", "--municipality", str(p.city_b.pk))
    out = capsys.readouterr().out
    assert f"OK [自治体 {p.city_b.pk}]: 監査ログ 3 行" in out and f"自治体 {p.city_a.pk}" not in out
    with pytest.raises(CommandError, match="1以上"):
        call_command("verify_audit", "--municipality", "0")


def test_tampering_in_one_city_is_found_there_and_leaves_the_other_citys_result_alone(capsys):
    p, a, _b = _two_cities()
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE access_auditevent SET actor_username = 'someone' WHERE id = %s", [a[1].pk])
    _recreate_triggers()
    broken, fine = _result(p.city_a.pk), _result(p.city_b.pk)
    assert (broken.ok, broken.first_bad_seq, broken.checked) == (False, 2, 1) and "改変" in broken.problem
    assert (fine.ok, fine.checked) == (True, 3)
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit")
    assert f"[自治体 {p.city_a.pk}] 監査ログの改ざんを検出しました: 通番 2:" in str(excinfo.value)
    assert f"自治体 {p.city_b.pk}" not in str(excinfo.value)
    assert f"OK [自治体 {p.city_b.pk}]" in capsys.readouterr().out
    call_command("verify_audit", "--municipality", str(p.city_b.pk))  # B alone verifies


def test_a_cut_tail_of_one_city_with_its_head_rolled_back_is_found_against_its_checkpoint(settings):
    """Someone with the database and the key cuts city A's last rows and re-signs A's head: the daily
    checkpoint of A's chain still says it was longer; city B's chain and checkpoint still verify."""
    p, a, _b = _two_cities()
    call_command("verify_audit", "--checkpoint")
    _drop_triggers()
    _delete_rows("municipality_id = %s AND seq > %s", [p.city_a.pk, a[1].seq])
    AuditChainHead.objects.filter(pk=p.city_a.pk).update(
        last_seq=a[1].seq, last_hash=a[1].hash, mac=head_mac(a[1].seq, a[1].hash, p.city_a.pk)
    )
    _recreate_triggers()
    broken, fine = _result(p.city_a.pk), _result(p.city_b.pk)
    assert not broken.ok and broken.first_bad_seq == 3
    assert "チェックポイントでは通番 4 まで" in broken.problem and "いまは通番 2 まで" in broken.problem
    assert fine.ok and fine.checkpoints == 1


def test_a_head_copied_from_another_city_does_not_verify():
    """A head's signature is bound to its chain: B's signed head values do not pass as A's."""
    p, a, _b = _two_cities(n=3)
    head_b = AuditChainHead.objects.get(pk=p.city_b.pk)
    _drop_triggers()
    _delete_rows("municipality_id = %s AND seq > %s", [p.city_a.pk, 2])
    with connection.cursor() as cur:  # make A's row 2 look like B's last row, then restore B's head on A
        cur.execute("UPDATE access_auditchainhead SET mac = %s WHERE id = %s", [head_b.mac, p.city_a.pk])
    _recreate_triggers()
    AuditChainHead.objects.filter(pk=p.city_a.pk).update(last_seq=2, last_hash=a[1].hash)
    assert "署名" in _result(p.city_a.pk).problem


def test_a_deleted_or_forged_object_index_row_is_reported():
    p, a, _b = _two_cities()
    AuditObject.objects.filter(event=a[2]).delete()  # hide who read person 12
    result = _result(p.city_a.pk)
    assert (result.ok, result.first_bad_seq) == (False, 3) and "対象索引" in result.problem
    assert _result(p.city_b.pk).ok
    AuditObject.objects.create(municipality=p.city_a, event=a[2], kind="person", obj_id=12)
    assert _result(p.city_a.pk).ok
    AuditObject.objects.create(municipality=p.city_b, event=a[2], kind="household", obj_id=20)  # B's record
    assert "別の自治体" in _result(p.city_b.pk).problem


def test_the_auditors_lookup_by_record_uses_the_object_index(client):
    p, _a, _b = _two_cities()
    audit.record(
        actor=p.window_worker, action="view", objects=[("household", 7), ("person", 11), ("person", 11)]
    )
    assert AuditObject.objects.filter(municipality=p.city_a, kind="person", obj_id=11).count() == 2
    events = AuditEvent.objects.filter(municipality_id=p.city_a.pk).filter(
        _object_filter(p.city_a.pk, [("person", 11), ("household", 7)])
    )
    assert sorted(e.seq for e in events) == [2, 5]
    # Not B's household 20, although B has one: the index is per city.
    assert not AuditEvent.objects.filter(_object_filter(p.city_a.pk, [("household", 20)])).exists()
    sql, params = events.order_by("-seq")[:101].query.sql_with_params()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SET LOCAL enable_seqscan = off"
            )  # a handful of rows: force the plan a large log gets
            cur.execute("EXPLAIN " + sql, params)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(part) for row in cur.fetchall() for part in row)
    if connection.vendor == "postgresql":
        assert plan.count("audit_object_lookup") == 2, plan  # one index lookup per record
    else:  # SQLite names the constraint's index itself; both lookups use all three columns
        assert plan.count("access_auditobject_1 (municipality_id=? AND kind=? AND obj_id=?)") == 2, plan
    assert "LIKE" not in sql.upper()  # no text search through the rows
    # The screen itself: the record filter answers through the same lookup.
    login_client(client, p.auditor)
    response = client.get("/access/audit/", {"obj_type": "person", "obj_id": 11})
    assert response.status_code == 200
    shown = {e.seq for e in response.context["page"]}
    assert shown == {2, 5}
