"""PostgreSQL connections run without JIT compilation (settings.py): at a designated city's scale the
policies' queries were JIT-compiled for seconds to run in a tenth of one (docs/performance.md)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgres_connections_run_without_jit():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no JIT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
