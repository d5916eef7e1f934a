from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.record_new, name="new"),
    path("<int:record_id>/", views.record_detail, name="detail"),
    path("<int:record_id>/needs/", views.record_needs, name="needs"),
    path("<int:record_id>/propose/", views.propose, name="propose"),
    path("<int:record_id>/close/", views.record_close, name="close"),
    path("<int:record_id>/consent/", views.consent_new, name="consent"),
    path(
        "<int:record_id>/consent/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"
    ),
    path("matches/<int:match_id>/stage/", views.match_stage, name="stage"),
    path("matches/<int:match_id>/follow-up/", views.match_follow_up, name="follow_up"),
    path("received/", views.received_list, name="received"),
    path("received/<int:match_id>/", views.received_detail, name="received_detail"),
]
