from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

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

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # A password set by someone else is an initial password: the staff member must change it.
        if not change:
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):  # type: ignore[no-untyped-def]
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            Staff.objects.filter(pk=id).update(must_change_password=True)
        return response
