"""Per-client rate limit for the navigator's free-text reading (pages and API), on Django's cache.

Fixed one-minute windows counted with `cache.add` + `cache.incr` (atomic on LocMem, Redis and Memcached).
Which cache: the alias in TSUNAGU_NAVIGATOR_RATE_CACHE (default "default"). Tsunagu does not configure
CACHES today, so that is Django's per-process LocMemCache: no extra service inside LGWAN, but each server
process counts on its own (with N gunicorn workers a client gets up to N × the limit). A shared cache
(Redis, or Django's DatabaseCache) configured by the installation makes the limit exact; nothing here changes.

The client is REMOTE_ADDR, kept in the cache only as a salted hash (an address is personal data). Behind a
reverse proxy, the proxy must pass the client's address as REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips)
or all residents share one budget.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


def limit_per_minute() -> int:
    return int(getattr(settings, "NAVIGATOR_RATE_PER_MINUTE", 30))


def allow(request: HttpRequest, scope: str) -> bool:
    """Count this request; False when the client has used its budget for the current minute."""
    cache = caches[getattr(settings, "NAVIGATOR_RATE_CACHE", "default")]
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    client = hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:24]
    window = int(time.time() // 60)
    key = f"tsunagu:navigator:rate:{scope}:{client}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=120)
        count = 1
    return count <= limit_per_minute()
