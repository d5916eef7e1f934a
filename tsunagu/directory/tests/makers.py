"""Plain makers of directory entries for the directory tests (tests/factories.py holds the shared ones)."""

from __future__ import annotations

import itertools
from typing import Any

from tsunagu.directory.models import (
    CoordinatorPost,
    EscalationRule,
    MeetingBody,
    Organization,
    Program,
    Window,
)
from tsunagu.directory.resource_models import Resource
from tsunagu.municipalities.models import Municipality

_seq = itertools.count(1)


def make_window(municipality: Municipality, name: str, organization: Organization, **extra: Any) -> Window:
    areas = extra.pop("areas", [])
    window = Window.objects.create(
        municipality=municipality, key=f"win-{next(_seq)}", name=name, organization=organization, **extra
    )
    window.areas.set(areas)
    return window


def make_program(municipality: Municipality, name: str, **extra: Any) -> Program:
    areas = extra.pop("areas", [])
    program = Program.objects.create(municipality=municipality, key=f"prog-{next(_seq)}", name=name, **extra)
    program.areas.set(areas)
    return program


def make_post(municipality: Municipality, title: str, **extra: Any) -> CoordinatorPost:
    return CoordinatorPost.objects.create(
        municipality=municipality, key=f"post-{next(_seq)}", title=title, **extra
    )


def make_body(municipality: Municipality, name: str, **extra: Any) -> MeetingBody:
    members = extra.pop("members", [])
    extra.setdefault("kind", "other")
    extra.setdefault("frequency", "monthly")
    body = MeetingBody.objects.create(municipality=municipality, key=f"body-{next(_seq)}", name=name, **extra)
    body.members.set(members)
    return body


def make_rule(municipality: Municipality, name: str, **extra: Any) -> EscalationRule:
    windows = extra.pop("from_windows", [])
    extra.setdefault("trigger", "manual")
    extra.setdefault("target", "meeting_body" if extra.get("to_body") else "case")
    rule = EscalationRule.objects.create(
        municipality=municipality, key=f"rule-{next(_seq)}", name=name, **extra
    )
    rule.from_windows.set(windows)
    return rule


def make_resource(municipality: Municipality, key: str, **extra: Any) -> Resource:
    extra.setdefault("name", f"資源 {key}")
    extra.setdefault("kind", "salon")
    return Resource.objects.create(municipality=municipality, key=key, **extra)
