from django.urls import path

from . import household_views, views

app_name = "people"

urlpatterns = [
    path("households/<int:household_id>/", household_views.household, name="household"),
    path(
        "households/<int:household_id>/relationships/",
        household_views.add_household_relationship,
        name="add_relationship",
    ),
    path(
        "households/<int:household_id>/members/<int:person_id>/attributes/",
        household_views.member_attributes,
        name="member_attributes",
    ),
    path("candidates/", views.candidates, name="candidates"),
    path("compare/<int:left_id>/<int:right_id>/", views.compare_view, name="compare"),
    path("merge/", views.merge, name="merge"),
    path("merges/", views.merges, name="merges"),
    path("merges/<int:merge_id>/split/", views.split, name="split"),
]
