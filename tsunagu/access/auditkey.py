"""The audit key: HMAC-SHA256 under a key kept outside the database (TSUNAGU_AUDIT_KEY, or derived from
SECRET_KEY for development). Rows, the chain head and the external checkpoints are all signed with it,
each under its own label, so that a value signed for one purpose never verifies as another."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def audit_key() -> bytes:
    explicit = getattr(settings, "AUDIT_HMAC_KEY", "")
    if explicit:
        return str(explicit).encode()
    return hashlib.sha256(b"tsunagu-audit-chain:" + settings.SECRET_KEY.encode()).digest()


def sign(data: bytes) -> str:
    return hmac.new(audit_key(), data, hashlib.sha256).hexdigest()


def head_mac(seq: int, last_hash: str, chain: int) -> str:
    """A chain head's signature, bound to its chain (a municipality's id, 0 for the system chain): someone
    who rolls a head back needs the key (or an old copy of this value, which is why every chain is also
    anchored outside the database)."""
    return sign(f"tsunagu-audit-head|{int(chain)}|{int(seq)}|{last_hash}".encode())


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
