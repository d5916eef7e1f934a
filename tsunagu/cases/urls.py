from django.urls import path

from . import pdf_views

app_name = "cases"

urlpatterns = [
    path("<int:case_id>/plan.pdf", pdf_views.plan_pdf, name="plan_pdf"),
    path("<int:case_id>/evaluation.pdf", pdf_views.evaluation_pdf, name="evaluation_pdf"),
]
