from django.urls import path

from . import views
from .referral_urls import urlpatterns as referral_urlpatterns

app_name = "intake"

urlpatterns = [
    path("new/", views.intake, name="new"),
    path("person-search/", views.person_search, name="person_search"),
    path("advice/", views.advice, name="advice"),
    # Moved to /people/households/<id>/; kept so that old links and bookmarks still arrive.
    path("households/<int:household_id>/", views.household, name="household"),
    path("escalations/", views.escalation_list, name="escalations"),
    path("escalations/request/", views.request_escalation, name="request_escalation"),
    path("escalations/<int:request_id>/decline/", views.decline_escalation, name="decline_escalation"),
    *referral_urlpatterns,  # 窓口間のつなぎ (referral_views.py)
]
