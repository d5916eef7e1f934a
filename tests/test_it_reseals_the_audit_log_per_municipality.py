"""Migration access 0007 (issue 10 item 4): the installation's single audit chain is checked and re-sealed
into one chain per municipality, and back again — on real rows, both directions, both databases."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import connection

from tsunagu.access import audit
from tsunagu.access.models import AuditChainHead, AuditEvent, AuditObject

from .factories import make_personas
from .test_it_audit_chain import _drop_triggers, _recreate_triggers

NEEDS_DB_OWNER = True  # migrates the audit tables back and forth
reseal = import_module("tsunagu.access.migrations.0007_auditchain_reseal_per_municipality")


def _single_chain_rows() -> list[tuple[int, int | None, int, str, str]]:
    with connection.cursor() as cur:
        cur.execute("SELECT id, municipality_id, seq, prev_hash, hash FROM access_auditevent ORDER BY id")
        return [tuple(r) for r in cur.fetchall()]


def _single_head() -> list[tuple[int, int, str, str]]:
    with connection.cursor() as cur:
        cur.execute("SELECT id, last_seq, last_hash, mac FROM access_auditchainhead")
        return [tuple(r) for r in cur.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_single_chain_is_resealed_per_city_and_back():
    p = make_personas()
    written = []
    for i in range(3):  # interleaved, as a shared installation writes them
        written.append(audit.record(actor=p.window_worker, action="view", objects=[("person", 10 + i)]))
        written.append(audit.record(actor=p.worker_b, action="view", objects=[("household", 20 + i)]))
    written.append(audit.record(actor=None, action="login_failed", channel="system"))
    ids = [e.pk for e in written]

    call_command("migrate", "access", "0006", verbosity=0)  # 0008, then 0007 backwards
    rows = _single_chain_rows()
    assert [r[0] for r in rows] == ids and [r[2] for r in rows] == list(range(1, 8))  # one chain, write order
    assert [r[3] for r in rows[1:]] == [r[4] for r in rows[:-1]] and rows[0][3] == reseal.GENESIS
    [(head_id, last_seq, last_hash, mac)] = _single_head()
    assert (head_id, last_seq, last_hash) == (1, 7, rows[-1][4])
    assert mac == reseal._single_head_mac(7, last_hash)
    assert not AuditObject.objects.exists()

    call_command("migrate", "access", verbosity=0)  # 0007 forwards: checked, then re-sealed per city
    results = audit.verify_all()
    assert [(r.chain, r.checked, r.ok) for r in results] == [
        (0, 1, True),
        (p.city_a.pk, 3, True),
        (p.city_b.pk, 3, True),
    ], results
    assert list(
        AuditEvent.objects.filter(municipality=p.city_b).order_by("seq").values_list("pk", flat=True)
    ) == [
        ids[1],
        ids[3],
        ids[5],
    ]
    assert AuditObject.objects.filter(municipality=p.city_a, kind="person").count() == 3
    assert set(AuditChainHead.objects.values_list("pk", flat=True)) == {0, p.city_a.pk, p.city_b.pk}
    assert audit.record(actor=p.window_worker, action="view").seq == 4  # the city's chain goes on


@pytest.mark.django_db(transaction=True)
def test_a_single_chain_that_does_not_verify_is_not_resealed():
    p = make_personas()
    events = [audit.record(actor=p.window_worker, action="view", objects=[("person", i)]) for i in range(3)]
    call_command("migrate", "access", "0006", verbosity=0)
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE access_auditevent SET actor_username = 'someone' WHERE id = %s", [events[1].pk])
    _recreate_triggers()
    with pytest.raises(reseal.ChainBroken, match="通番 2"):
        call_command("migrate", "access", verbosity=0)
    assert [r[2] for r in _single_chain_rows()] == [1, 2, 3]  # nothing re-sealed
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE access_auditevent SET actor_username = %s WHERE id = %s", ["a-window", events[1].pk]
        )
    _recreate_triggers()
    call_command("migrate", "access", verbosity=0)
    assert all(r.ok for r in audit.verify_all())
