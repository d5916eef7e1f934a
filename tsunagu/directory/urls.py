from django.urls import path

from . import resource_views, views

app_name = "directory"

urlpatterns = [
    path("", views.home, name="home"),
    path("structure/", views.structure, name="structure"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("windows/<int:pk>/", views.window_detail, name="window"),
    path("bodies/<int:pk>/", views.body_detail, name="body"),
    # Community resources (社会資源): resource_views.py
    path("resources/", resource_views.resource_list, name="resources"),
    path("resources/new/", resource_views.resource_create, name="resource_create"),
    path("resources/<int:pk>/", resource_views.resource_detail, name="resource"),
    path("resources/<int:pk>/edit/", resource_views.resource_edit, name="resource_edit"),
    path("resources/<int:pk>/active/", resource_views.resource_set_active, name="resource_set_active"),
    path("resources/export.csv", resource_views.resource_export, {"fmt": "csv"}, name="resource_export_csv"),
    path(
        "resources/export.xlsx", resource_views.resource_export, {"fmt": "xlsx"}, name="resource_export_xlsx"
    ),
    path("resources/import/", resource_views.resource_import, name="resource_import"),
    path("resources/import/confirm/", resource_views.resource_import_confirm, name="resource_import_confirm"),
]
