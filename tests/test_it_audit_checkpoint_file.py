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


# --- known answers: the exact line and signature, per format version (docs/security.md J) --------------

KEY = "known-answer-key"
AT = "2026-12-02T03:00:00+09:00"
LINE_V2 = (
    '{"at":"2026-12-02T03:00:00+09:00","chain":7,"hash":"' + HASH + '",'
    '"mac":"b7fa8a9b4de982d8be6e28669c8712730c4e162b588f6f160c9581e1b760b047","seq":5,"v":2}\n'
)
LINE_V1 = (
    '{"at":"2026-12-02T03:00:00+09:00","hash":"' + HASH + '",'
    '"mac":"d91ea9636137a61b0e6f5ca8ef0d9cbda4379894b3ab9640e7f3e9ba2ca7de6e","seq":5,"v":1}\n'
)
LINE_SYSTEM = (
    '{"at":"2026-12-02T03:00:00+09:00","chain":0,"hash":"' + HASH + '",'
    '"mac":"181fa576ba6862cb90bfe0ab88c381c0def69e397fbf5edd2830bfebd36e0d2c","seq":5,"v":2}\n'
)


def test_a_checkpoint_line_is_exactly_this_text_under_a_known_key(settings) -> None:
    """Lines already written (and copied by syslog to another machine) must keep verifying: the format and
    the signed text are fixed, per version. (The MAC is HMAC-SHA256 over
    "tsunagu-audit-checkpoint|v2|<chain>|<seq>|<hash>|<at>", v1 without the chain.)"""
    settings.AUDIT_HMAC_KEY = KEY
    assert checkpoints.format_line(5, HASH, AT, 7) == LINE_V2
    assert checkpoints.format_line(5, HASH, AT, None) == LINE_V1
    assert checkpoints.format_line(5, HASH, AT, 0) == LINE_SYSTEM


def test_lines_of_both_versions_and_of_the_system_chain_are_read_with_their_chain(
    settings, tmp_path: Path
) -> None:
    settings.AUDIT_HMAC_KEY = KEY
    copy = tmp_path / "copy.log"
    copy.write_text(LINE_V2 + LINE_V1 + LINE_SYSTEM, encoding="utf-8")
    read = checkpoints.read_checkpoints(copy)
    assert read.checkpoints == [
        checkpoints.Checkpoint(5, HASH, AT, 1, 7),
        checkpoints.Checkpoint(5, HASH, AT, 2, None),  # version 1: no chain of today
        checkpoints.Checkpoint(5, HASH, AT, 3, 0),
    ]
    assert read.bad_lines == []


def test_a_line_moved_to_another_chain_or_version_or_a_negative_chain_is_refused(
    settings, tmp_path: Path
) -> None:
    """The chain is signed: a city's anchor does not pass as another city's, nor as a version 1 line."""
    settings.AUDIT_HMAC_KEY = KEY
    copy = tmp_path / "copy.log"
    copy.write_text(
        LINE_V2.replace('"chain":7', '"chain":8')
        + LINE_V2.replace('"chain":7,', "").replace('"v":2', '"v":1')
        + LINE_V1.replace('"hash"', '"chain":7,"hash"').replace('"v":1', '"v":2')
        + checkpoints.format_line(5, HASH, AT, -1)
        + LINE_V2.replace('"v":2', '"v":"2"'),
        encoding="utf-8",
    )
    read = checkpoints.read_checkpoints(copy)
    assert (read.checkpoints, read.bad_lines) == ([], [1, 2, 3, 4, 5])
