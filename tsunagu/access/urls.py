from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/alerts/", views.alerts, name="alerts"),
    path("audit/alerts/threshold/", views.alert_threshold, name="alert_threshold"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/<int:grant_id>/end/", views.break_glass_end, name="break_glass_end"),
    path("break-glass/review/", views.break_glass_review, name="break_glass_review"),
    path(
        "break-glass/<int:grant_id>/review/",
        views.break_glass_review_submit,
        name="break_glass_review_submit",
    ),
]
