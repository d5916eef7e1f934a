"""Prepare a narrowed mutmut run: `python scripts/mutation_subset.py NAME` (used by `make mutation-subset`).

mutmut reads its configuration from ./pyproject.toml only, and re-collects every selected test's coverage
whenever the selection changes, so a run over a few modules with the whole selection spends most of its
time on tests that never reach them. This writes var/mutation/NAME/ — symlinks to the project and a copy
of pyproject.toml whose [tool.mutmut] `only_mutate` and `pytest_add_cli_args_test_selection` are those of
[tool.tsunagu.mutation.NAME] — where mutmut can run with its own mutants/ and results, beside the full run.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINKED = ("tsunagu", "tests", "conftest.py", "manage.py", "profiles")


def _array(key: str, items: list[str]) -> str:
    return f"{key} = [\n" + "".join(f'    "{item}",\n' for item in items) + "]"


def _replace(text: str, key: str, items: list[str]) -> str:
    """`text` with the `key = [...]` block of its [tool.mutmut] section (and of no other) replaced."""
    start = text.index("\n[tool.mutmut]\n")
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end
    pattern = re.compile(rf"^{re.escape(key)} = \[\n.*?^\]", re.MULTILINE | re.DOTALL)
    section = text[start:end]
    if len(pattern.findall(section)) != 1:
        raise SystemExit(f"pyproject.toml: expected one `{key} = [...]` block under [tool.mutmut]")
    return text[:start] + pattern.sub(lambda _m: _array(key, items), section) + text[end:]


def prepare(name: str) -> Path:
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    subsets = tomllib.loads(text).get("tool", {}).get("tsunagu", {}).get("mutation", {})
    if name not in subsets:
        raise SystemExit(f"no [tool.tsunagu.mutation.{name}] in pyproject.toml (have: {', '.join(subsets)})")
    subset = subsets[name]
    text = _replace(text, "only_mutate", list(subset["only_mutate"]))
    text = _replace(text, "pytest_add_cli_args_test_selection", list(subset["tests"]))
    target = ROOT / "var" / "mutation" / name
    target.mkdir(parents=True, exist_ok=True)
    (target / "pyproject.toml").write_text(text, "utf-8")
    for entry in LINKED:
        link = target / entry
        if not link.is_symlink():
            link.symlink_to(ROOT / entry)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python scripts/mutation_subset.py NAME")
    print(prepare(sys.argv[1]))
