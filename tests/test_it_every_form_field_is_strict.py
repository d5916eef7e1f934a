"""Every date, number and id a Tsunagu form reads goes through core's strict fields (issue 9 A1, A7).

A plain Django DateField accepts 0202-11-20 (a date no page can show as 和暦); a plain IntegerField
accepts ٣ and 30-digit numbers; a plain ModelChoiceField sends a 30-digit id to SQLite, which overflows.
This walk finds every form class of the project — new ones included — and names any field that slipped.
"""

from __future__ import annotations

import importlib
import pkgutil

from django import forms
from django.urls import get_resolver

import tsunagu
from tsunagu.core.forms import StrictIntegerField, StrictModelChoiceField, StrictModelMultipleChoiceField


def _project_forms() -> list[type[forms.BaseForm]]:
    get_resolver().url_patterns  # noqa: B018 — imports every view module (forms defined in views too)
    for info in pkgutil.walk_packages(tsunagu.__path__, "tsunagu."):
        if info.name.rsplit(".", 1)[-1] in ("forms", "views") or info.name.endswith("_views"):
            importlib.import_module(info.name)
    found: list[type[forms.BaseForm]] = []
    todo = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("tsunagu.") and ".tests." not in sub.__module__:
                found.append(sub)
    return found


def _problem(field: forms.Field) -> str | None:
    if isinstance(field, forms.DateField | forms.DateTimeField) or hasattr(field, "date_kind"):
        return None if getattr(field, "date_kind", None) else "a date without a range (core.forms: kind=…)"
    if isinstance(field, forms.ModelMultipleChoiceField):
        if field.to_field_name is None and not isinstance(field, StrictModelMultipleChoiceField):
            return "ModelMultipleChoiceField over ids (use core.forms.StrictModelMultipleChoiceField)"
        return None
    if isinstance(field, forms.ModelChoiceField):
        if field.to_field_name is None and not isinstance(field, StrictModelChoiceField):
            return "ModelChoiceField over ids (use core.forms.StrictModelChoiceField)"
        return None
    if isinstance(field, forms.IntegerField) and not isinstance(field, StrictIntegerField):
        return "IntegerField (use core.forms.StrictIntegerField)"
    return None


def test_the_walk_finds_the_forms_of_every_app():
    modules = {cls.__module__.split(".")[1] for cls in _project_forms()}
    assert {"intake", "cases", "people", "access", "accounts", "directory"} <= modules


def test_every_date_number_and_id_field_is_strict():
    problems = [
        f"{cls.__module__}.{cls.__name__}.{name}: {problem}"
        for cls in _project_forms()
        for name, field in cls.base_fields.items()
        if (problem := _problem(field))
    ]
    assert problems == []


def test_the_guard_names_a_plain_field():
    class Slipped(forms.Form):
        day = forms.DateField()
        n = forms.IntegerField()

    assert _problem(Slipped.base_fields["day"]) and _problem(Slipped.base_fields["n"])
