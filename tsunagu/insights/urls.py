from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("overview/", views.overview, name="overview"),
]
