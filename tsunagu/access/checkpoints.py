"""The audit chain's anchor outside the database: signed checkpoints of the chain head.

A checkpoint is one line of JSON — `{"v": 2, "chain": C, "seq": N, "hash": "…", "at": "…", "mac": "…"}` —
where C is the chain (a municipality's id, 0 for the system chain) and `mac` is HMAC-SHA256 under the audit
key over the chain, the sequence number, the hash of row N of that chain and the time. Version 1 lines
(one chain for the installation, before migration access 0008 re-sealed the rows per municipality) are
still read and their signature checked, but they name no chain of today and are not compared. Lines are
appended to `settings.AUDIT_CHECKPOINT_FILE` (opened O_APPEND, written in one call and fsync'd; make the
file append-only with `chattr +a`) and the same line is logged to "tsunagu.audit.checkpoint", so that
syslog/journald keeps a second copy on another machine. `verify_audit` compares the chain with every
checkpoint: a row N that is gone, or whose hash differs, means the log lost or rewrote its tail — even when
someone also rolled the chain head back.

Written (1) after commit of every `AUDIT_CHECKPOINT_EVERY`-th audit row (audit.record) and (2) by
`manage.py verify_audit --checkpoint`, after a successful verification (run it daily from cron/systemd).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .auditkey import same, sign

logger = logging.getLogger("tsunagu.audit.checkpoint")
VERSION = 2
LEGACY_VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    line_no: int = 0
    chain: int | None = None  # None: a version 1 line of the single chain before per-municipality chains


@dataclass
class CheckpointFile:
    """What a checkpoint file holds: the valid checkpoints, and the lines that are not (altered, forged)."""

    path: Path | None
    checkpoints: list[Checkpoint]
    bad_lines: list[int]

    @property
    def latest(self) -> Checkpoint | None:
        return max(self.checkpoints, key=lambda c: (c.seq, c.at), default=None)


def _mac(seq: int, chain_hash: str, at: str, chain: int | None) -> str:
    if chain is None:
        return sign(f"tsunagu-audit-checkpoint|v{LEGACY_VERSION}|{int(seq)}|{chain_hash}|{at}".encode())
    return sign(f"tsunagu-audit-checkpoint|v{VERSION}|{int(chain)}|{int(seq)}|{chain_hash}|{at}".encode())


def configured_path() -> Path | None:
    value = getattr(settings, "AUDIT_CHECKPOINT_FILE", "")
    return Path(value) if value else None


def format_line(seq: int, chain_hash: str, at: str, chain: int | None) -> str:
    """One signed line; `chain=None` writes the version 1 format (kept for reading old files in tests)."""
    body: dict[str, object] = {
        "seq": int(seq),
        "hash": chain_hash,
        "at": at,
        "mac": _mac(seq, chain_hash, at, chain),
    }
    if chain is None:
        body["v"] = LEGACY_VERSION
    else:
        body["v"] = VERSION
        body["chain"] = int(chain)
    return json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"


def write_checkpoint(seq: int, chain_hash: str, path: Path | None = None, *, chain: int) -> Checkpoint:
    """Append one signed checkpoint of one chain (and log it). Raises OSError when the file cannot be
    written."""
    at = timezone.now().isoformat(timespec="seconds")
    line = format_line(seq, chain_hash, at, chain)
    target = path if path is not None else configured_path()
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())  # one write of a short line: appends do not interleave
            os.fsync(fd)
        finally:
            os.close(fd)
    logger.info("audit checkpoint %s", line.strip())
    return Checkpoint(int(seq), chain_hash, at, chain=int(chain))


def _parse(line: str, line_no: int) -> Checkpoint | None:
    # A copy taken from syslog carries a prefix (time, host, logger): the checkpoint is the JSON after it.
    start = line.find("{")
    try:
        data = json.loads(line[start:] if start > 0 else line)
        seq, chain_hash, at, mac = int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["mac"])
        version = data.get("v")
        chain = int(data["chain"]) if version == VERSION else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if version not in (VERSION, LEGACY_VERSION) or seq < 0 or (chain is not None and chain < 0):
        return None
    if not same(mac, _mac(seq, chain_hash, at, chain)):
        return None
    return Checkpoint(seq, chain_hash, at, line_no, chain)


def read_checkpoints(path: Path | None = None) -> CheckpointFile:
    """Every checkpoint of the file (the configured one by default); a missing file holds none."""
    target = path if path is not None else configured_path()
    if target is None or not target.exists():
        return CheckpointFile(target, [], [])
    good: list[Checkpoint] = []
    bad: list[int] = []
    with target.open(encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            checkpoint = _parse(line, n)
            if checkpoint is None:
                bad.append(n)
            else:
                good.append(checkpoint)
    return CheckpointFile(target, good, bad)
