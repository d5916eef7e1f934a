from django.urls import path

from . import staff_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/", views.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/", views.security, name="security"),
    path("password/", views.password_change, name="password_change"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_new, name="staff_new"),
    path("staff/import/", staff_views.staff_import, name="staff_import"),
    path("staff/import/template.csv", staff_views.staff_import_template, name="staff_import_template"),
    path("staff/<int:staff_id>/", staff_views.staff_detail, name="staff_detail"),
    path("staff/<int:staff_id>/assign/", staff_views.staff_assign, name="staff_assign"),
    path("staff/<int:staff_id>/reset-mfa/", staff_views.staff_reset_mfa, name="staff_reset_mfa"),
    path("staff/<int:staff_id>/active/", staff_views.staff_set_active, name="staff_set_active"),
    path(
        "staff/<int:staff_id>/initial-password/",
        staff_views.staff_initial_password,
        name="staff_initial_password",
    ),
]
