from django.urls import path

from . import views

app_name = "navigator"

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.start, name="start"),
    path("<str:code>/understand/", views.understand, name="understand"),
    path("<str:code>/result/", views.result, name="result"),
    path("<str:code>/code/", views.by_code, name="code"),
]
