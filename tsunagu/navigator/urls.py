from django.urls import path

from . import views

app_name = "navigator"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:code>/", views.start, name="start"),
    path("<slug:code>/understand/", views.understand, name="understand"),
    path("<slug:code>/result/", views.result, name="result"),
    path("<slug:code>/code/", views.by_code, name="code"),
]
