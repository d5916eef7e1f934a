"""Reading a profile file without trusting it: size and nesting are limited *before* TOML is parsed.

tomllib is not built for hostile input: a 100 KB file of one key with 50,000 dotted parts took a minute
and gigabytes of memory, and arrays nested a thousand deep raise RecursionError. A profile needs none
of that (its deepest value is `per_year = [2, 3]` inside `[[meeting_bodies]]`), so a small lexical scan
refuses such files first, in Japanese, naming the line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

# The largest seed profile is about 30 KB; a big city with thousands of entries stays well below this.
MAX_BYTES = 1_000_000
# Nesting of arrays and inline tables inside one value.
MAX_DEPTH = 4
# Parts of one dotted key (`a.b.c`) or table header (`[a.b.c]`).
MAX_KEY_PARTS = 4


class UnreadableProfile(Exception):
    """The file cannot be read safely; `message` is the Japanese explanation (no key path)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_profile_data(path: Path) -> tuple[dict[str, Any], bytes]:
    """The parsed TOML and the raw bytes (for the digest). Raises UnreadableProfile."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UnreadableProfile(f"ファイルが大きすぎます（{size:,} バイト、上限 {MAX_BYTES:,} バイト）")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UnreadableProfile(f"読み込めません（{exc.strerror}）") from None
    if len(raw) > MAX_BYTES:  # grew while we read it
        raise UnreadableProfile(f"ファイルが大きすぎます（上限 {MAX_BYTES:,} バイト）")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableProfile("UTF-8 のテキストではありません") from None
    problem = prescan(text)
    if problem:
        raise UnreadableProfile(problem)
    try:
        return tomllib.loads(text), raw
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableProfile(f"TOML の構文エラー: {exc}") from None
    except RecursionError:  # prescan makes this unreachable; never let it become a 500 or a traceback
        raise UnreadableProfile("入れ子が深すぎます") from None


def _skip_string(text: str, i: int) -> int:
    """Index just past the string starting at `i` (basic, literal, multi-line); end of text if unclosed."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        j = i + 3
        while True:
            end = text.find(quote * 3, j)
            if end < 0:
                return len(text)
            if quote == '"':
                backslashes = 0
                k = end - 1
                while k >= j and text[k] == "\\":
                    backslashes += 1
                    k -= 1
                if backslashes % 2:
                    j = end + 1
                    continue
            end += 3
            # '''a''''' is legal: up to two more quotes belong to the content.
            for _ in range(2):
                if end < len(text) and text[end] == quote:
                    end += 1
            return end
    j = i + 1
    while j < len(text) and text[j] != "\n":
        if quote == '"' and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    return j  # unclosed on its line: tomllib reports the syntax error


def prescan(text: str) -> str | None:
    """The first structural excess in `text` (too deep, too many key parts), or None.

    A lexical pass: strings and comments are skipped, brackets of values are counted, dots are counted
    only where a key is being read (line start, table header, after `{` or `,` in an inline table).
    """
    stack: list[str] = []
    line = 1
    i, n = 0, len(text)
    at_line_start, key_mode, in_header, parts = True, True, False, 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            at_line_start = True
            if not stack:
                key_mode, in_header, parts = True, False, 1
            i += 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in "\"'":
            end = _skip_string(text, i)
            line += text.count("\n", i, end)
            i = end
            at_line_start = False
            continue
        if at_line_start and not stack and c == "[":
            in_header, key_mode, parts = True, True, 1
            i += 2 if text.startswith("[[", i) else 1
            at_line_start = False
            continue
        at_line_start = False
        if key_mode:
            if c == ".":
                parts += 1
                if parts > MAX_KEY_PARTS:
                    return f"{line} 行目: キーの区切り（.）が多すぎます（{MAX_KEY_PARTS} 段まで）"
            elif c == "=":
                key_mode = False
            elif c == "]" and in_header:
                key_mode = in_header = False
            elif c == "}" and stack and stack[-1] == "{":  # empty inline table
                stack.pop()
                key_mode = False
            i += 1
            continue
        if c in "[{":
            stack.append(c)
            if len(stack) > MAX_DEPTH:
                return f"{line} 行目: 配列や表の入れ子が深すぎます（{MAX_DEPTH} 段まで）"
            if c == "{":
                key_mode, parts = True, 1
        elif c in "]}":
            if stack:
                stack.pop()
        elif c == "," and stack and stack[-1] == "{":
            key_mode, parts = True, 1
        i += 1
    return None
