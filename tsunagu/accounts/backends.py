"""The authentication backend: Django's ModelBackend, reading the staff member's municipality and
organization with the staff row on every request.

Almost every staff page needs both (`access.tenancy.current_municipality`, the audit row's organization
snapshot, the policies), and each would otherwise be a query of its own per request. Nothing is cached
across requests: the staff row, and whether the account is still active, is read afresh each time.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("municipality", "organization").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
