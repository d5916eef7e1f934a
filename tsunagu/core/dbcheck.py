"""`python -m tsunagu.core.dbcheck URL`: exit 0 when a PostgreSQL server answers at URL.

Used by `make test` to decide whether the PostgreSQL run happens.
"""

from __future__ import annotations

import sys


def reachable(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception:
        return False
    return True


if __name__ == "__main__":
    sys.exit(0 if len(sys.argv) > 1 and reachable(sys.argv[1]) else 1)
