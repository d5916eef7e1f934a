from django.urls import path

from . import pdf_views, record_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("open/", views.open_case, name="open"),
    path("open/request/<int:request_id>/", views.open_from_request, name="open_from_request"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/transition/", views.transition, name="transition"),
    path("<int:case_id>/resume/", views.resume, name="resume"),
    path("<int:case_id>/team/", views.team, name="team"),
    path("<int:case_id>/consents/new/", record_views.consent_new, name="consent_new"),
    path(
        "<int:case_id>/consents/<int:consent_id>/withdraw/",
        record_views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "<int:case_id>/consents/<int:consent_id>/document/",
        record_views.consent_document,
        name="consent_document",
    ),
    path("<int:case_id>/assessment/", record_views.assessment, name="assessment"),
    path("<int:case_id>/plan/", record_views.plan, name="plan"),
    path("<int:case_id>/actions/<int:action_id>/status/", record_views.action_status, name="action_status"),
    path("<int:case_id>/monitoring/", record_views.monitoring, name="monitoring"),
    path("<int:case_id>/close/", record_views.close, name="close"),
    path("<int:case_id>/plan/agree/", record_views.plan_agree, name="plan_agree"),
    path("<int:case_id>/coordinator/", views.reassign, name="reassign"),
    path("<int:case_id>/plan.pdf", pdf_views.plan_pdf, name="plan_pdf"),
    path("<int:case_id>/evaluation.pdf", pdf_views.evaluation_pdf, name="evaluation_pdf"),
]
