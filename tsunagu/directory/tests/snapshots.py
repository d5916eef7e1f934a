"""A picture of every municipalities/directory row, to show that a load changed nothing."""

from __future__ import annotations

from typing import Any

from django.apps import apps


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every municipalities/directory table, many-to-many tables included."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in {"municipalities", "directory"}
    }
