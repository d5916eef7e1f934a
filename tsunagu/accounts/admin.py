"""Staff in the Django admin: read-only.

Accounts are created and changed only through Tsunagu's staff administration (accounts/staff_views.py →
accounts/actions.py), which audits every change and ends sessions when rights change. Through the
admin, a role or municipality change would leave no audit row and keep old sessions alive, so the admin
may list and show staff but never add, change, delete or set a password.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from .models import Staff


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ("username", "display_name", "municipality", "organization", "role", "is_active")
    list_filter = ("municipality", "role", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (
            "つなぐ",
            {"fields": ("display_name", "municipality", "organization", "role", "must_change_password")},
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
