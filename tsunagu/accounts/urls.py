from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/", views.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/", views.security, name="security"),
    path("password/", views.password_change, name="password_change"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:staff_id>/reset-mfa/", views.staff_reset_mfa, name="staff_reset_mfa"),
    path("staff/<int:staff_id>/active/", views.staff_set_active, name="staff_set_active"),
    path("staff/<int:staff_id>/role/", views.staff_change_role, name="staff_change_role"),
    path(
        "staff/<int:staff_id>/initial-password/", views.staff_initial_password, name="staff_initial_password"
    ),
]
