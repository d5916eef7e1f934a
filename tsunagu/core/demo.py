"""The demo's steps: apps above intake register how they fill the demo city, `setup_demo` runs them.

`setup_demo` (in intake) loads profiles, writes synthetic households, demo logins and consultations; the
apps above it (cases, meetings …) may not be imported from there (layers), so each registers a step in its
AppConfig.ready and `setup_demo` runs the steps in `order`. A step writes through its app's actions, writes
nothing when its data is already there (`setup_demo` runs again and again), and returns a line for the
console. Core knows no app: the world is passed as plain objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoWorld:
    municipality: Any  # the demo city
    staff: Mapping[str, Any]  # role → that role's demo login in the demo city
    seed: int


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    run: Callable[[DemoWorld], str]


_STEPS: dict[str, DemoStep] = {}


def register_demo_step(name: str, order: int, run: Callable[[DemoWorld], str]) -> None:
    """Register (or replace, by name) a step; lower `order` runs first (cases 100, meetings 200)."""
    _STEPS[name] = DemoStep(name, order, run)


def demo_steps() -> list[DemoStep]:
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))
