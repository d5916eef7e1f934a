"""The checkpoint writer itself (tsunagu/access/checkpoints.py), written to kill the mutants `make mutation`
left alive (docs/security.md "Mutation testing"): where the line goes, with which file mode, what the
syslog copy carries, and what the caller gets back."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from tsunagu.access import checkpoints

HASH = "ab" * 32
CHAIN = 7  # a municipality's chain (version 2 lines)


def test_an_explicit_path_is_written_and_the_configured_file_is_not(tmp_path: Path, settings) -> None:
    configured = tmp_path / "configured.log"
    settings.AUDIT_CHECKPOINT_FILE = str(configured)
    explicit = tmp_path / "explicit.log"
    checkpoints.write_checkpoint(7, HASH, path=explicit, chain=CHAIN)
    assert [c.seq for c in checkpoints.read_checkpoints(explicit).checkpoints] == [7]
    assert not configured.exists()


def test_missing_directories_are_created_and_the_file_is_private(tmp_path: Path, settings) -> None:
    target = tmp_path / "var" / "audit" / "nested" / "checkpoints.log"
    settings.AUDIT_CHECKPOINT_FILE = str(target)
    checkpoints.write_checkpoint(1, HASH, chain=CHAIN)
    checkpoints.write_checkpoint(2, HASH, chain=CHAIN)
    assert [c.seq for c in checkpoints.read_checkpoints().checkpoints] == [1, 2]
    # Only the service account may read the anchors (they name the chain's hashes and times).
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_logged_copy_is_the_signed_line_that_verify_accepts(tmp_path: Path, settings, caplog) -> None:
    settings.AUDIT_CHECKPOINT_FILE = ""
    with caplog.at_level(logging.INFO, logger="tsunagu.audit.checkpoint"):
        written = checkpoints.write_checkpoint(42, HASH, chain=CHAIN)
    (record,) = [r for r in caplog.records if r.name == "tsunagu.audit.checkpoint"]
    message = record.getMessage()
    assert message.startswith("audit checkpoint {")
    copy = tmp_path / "syslog-copy.log"
    copy.write_text(f"Dec  2 03:00:01 host tsunagu[123]: INFO {message}\n", encoding="utf-8")
    (read,) = checkpoints.read_checkpoints(copy).checkpoints
    assert (read.seq, read.hash, read.at) == (42, HASH, written.at)


def test_the_caller_gets_the_checkpoint_it_wrote(tmp_path: Path) -> None:
    target = tmp_path / "c.log"
    written = checkpoints.write_checkpoint(9, HASH, path=target, chain=CHAIN)
    (read,) = checkpoints.read_checkpoints(target).checkpoints
    assert (written.seq, written.hash, written.at) == (read.seq, read.hash, read.at)
    assert written.chain == read.chain
    assert (read.seq, read.hash, read.chain) == (9, HASH, CHAIN)


def test_a_copy_with_any_prefix_before_the_line_is_read(tmp_path: Path) -> None:
    line = checkpoints.format_line(5, HASH, "2026-12-02T03:00:00+09:00", CHAIN)
    copy = tmp_path / "copy.log"
    # A blank line (an editor's, a rotated copy's) is skipped, not the end of the file.
    copy.write_text("\n".join(f"{prefix}{line}" for prefix in ("", ">", "host: ")), encoding="utf-8")
    read = checkpoints.read_checkpoints(copy)
    assert (read.path, [c.line_no for c in read.checkpoints], read.bad_lines) == (copy, [1, 3, 5], [])


def test_a_line_of_another_format_version_is_refused_even_with_a_valid_mac(tmp_path: Path) -> None:
    line = checkpoints.format_line(5, HASH, "2026-12-02T03:00:00+09:00", CHAIN)
    copy = tmp_path / "copy.log"
    copy.write_text(line + line.replace('"v":2', '"v":3'), encoding="utf-8")
    read = checkpoints.read_checkpoints(copy)
    assert ([c.line_no for c in read.checkpoints], read.bad_lines) == ([1], [2])


def test_the_anchor_of_an_empty_log_is_valid_and_a_negative_one_is_not(tmp_path: Path) -> None:
    copy = tmp_path / "copy.log"
    copy.write_text(
        checkpoints.format_line(0, HASH, "2026-12-02T03:00:00+09:00", CHAIN)
        + checkpoints.format_line(-1, HASH, "2026-12-02T03:00:00+09:00", CHAIN),
        encoding="utf-8",
    )
    read = checkpoints.read_checkpoints(copy)
    assert ([c.seq for c in read.checkpoints], read.bad_lines) == ([0], [2])


def test_a_missing_file_holds_no_checkpoint_and_no_bad_line(tmp_path: Path) -> None:
    missing = tmp_path / "never-written.log"
    read = checkpoints.read_checkpoints(missing)
    assert (read.path, read.checkpoints, read.bad_lines, read.latest) == (missing, [], [], None)


def test_a_damaged_line_that_is_not_utf8_is_reported_not_raised(tmp_path: Path) -> None:
    copy = tmp_path / "copy.log"
    good = checkpoints.format_line(3, HASH, "2026-12-02T03:00:00+09:00", CHAIN)
    copy.write_bytes(b'{"v":1,"seq":\xff\xfe}\n' + good.encode())
    read = checkpoints.read_checkpoints(copy)
    assert ([c.seq for c in read.checkpoints], read.bad_lines) == ([3], [1])


def test_without_a_configured_file_only_the_log_copy_is_written(tmp_path: Path, settings, caplog) -> None:
    del settings.AUDIT_CHECKPOINT_FILE
    assert checkpoints.configured_path() is None
    with caplog.at_level(logging.INFO, logger="tsunagu.audit.checkpoint"):
        checkpoints.write_checkpoint(4, HASH, chain=CHAIN)
    assert [r.name for r in caplog.records] == ["tsunagu.audit.checkpoint"]
    assert checkpoints.read_checkpoints().path is None
