from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("new/", views.new, name="new"),
    path("<int:engagement_id>/", views.detail, name="detail"),
    path("<int:engagement_id>/contact/", views.contact, name="contact"),
    path("<int:engagement_id>/workers/", views.workers, name="workers"),
    path("<int:engagement_id>/identify/", views.identify, name="identify"),
    path("<int:engagement_id>/close/", views.close, name="close"),
]
