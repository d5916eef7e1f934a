"""Two transactions appending at once never fork the chain (PostgreSQL: the head row is locked)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tsunagu.access import audit
from tsunagu.access.audit import verify_all
from tsunagu.access.models import AuditEvent

from .factories import make_personas


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the race needs PostgreSQL")
    settings.AUDIT_CHECKPOINT_EVERY = (
        5  # every 5th row is anchored after commit, by whichever worker wrote it
    )
    p = make_personas()
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                audit.record(actor=p.window_worker, action="view", objects=[("household", n * 100 + i)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert AuditEvent.objects.count() == 40
    [result] = verify_all()
    assert result.ok, result
    assert result.chain == p.window_worker.municipality_id
    assert result.checkpoints == 8 and result.latest_checkpoint is not None
    assert result.latest_checkpoint.seq == 40
