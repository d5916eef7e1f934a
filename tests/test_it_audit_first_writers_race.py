"""The first audited events of a new city, written at once by two transactions, share one chain head:
the second writer does not see the first one's uncommitted head, tries to create it too, waits on it
(ON CONFLICT DO NOTHING) and then locks it. PostgreSQL only (SQLite serialises writers)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from tsunagu.access import audit
from tsunagu.access.models import AuditChainHead, AuditEvent

from .factories import make_municipality, make_organization, make_staff


def _waiting_backends() -> int:
    with connections["default"].cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return int(cur.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_two_first_writers_of_a_new_city_share_one_head():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the race needs PostgreSQL")
    city = make_municipality(name="テスト市")
    actor = make_staff(city, "coordinator", make_organization(city), mfa=False)
    first_wrote = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = audit.record(actor=actor, action="view", objects=[("person", 1)])
                first_wrote.set()
                deadline = time.monotonic() + 20
                while _waiting_backends() == 0 and time.monotonic() < deadline:
                    time.sleep(0.05)  # until the second writer waits on this head
                results["second_waited"] = _waiting_backends() > 0
        except BaseException as exc:  # pragma: no cover - reported below
            results["first"] = exc
        finally:
            connections.close_all()

    def second() -> None:
        first_wrote.wait(20)
        try:
            results["second"] = audit.record(actor=actor, action="view", objects=[("person", 2)])
        except BaseException as exc:
            results["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.get("second_waited") is True
    written = [results["first"], results["second"]]
    assert all(isinstance(e, AuditEvent) for e in written), written
    assert sorted(e.seq for e in written) == [1, 2]  # type: ignore[union-attr]
    assert AuditChainHead.objects.get(pk=city.pk).last_seq == 2
    [result] = audit.verify_all(municipality_id=city.pk)
    assert (result.ok, result.checked) == (True, 2)
