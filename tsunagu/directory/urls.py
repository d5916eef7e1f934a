from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.home, name="home"),
    path("structure/", views.structure, name="structure"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("windows/<int:pk>/", views.window_detail, name="window"),
    path("bodies/<int:pk>/", views.body_detail, name="body"),
]
