from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/<int:group_id>/", views.group, name="group"),
    path("groups/<int:group_id>/sittings/", views.record_sitting, name="record_sitting"),
    path("sittings/<int:sitting_id>/", views.sitting, name="sitting"),
    path("sittings/<int:sitting_id>/correct/", views.correct_sitting, name="correct_sitting"),
    path("sittings/<int:sitting_id>/needs/", views.record_need, name="record_need"),
    path("needs/<int:need_id>/", views.need, name="need"),
    path("needs/<int:need_id>/edit/", views.edit_need, name="edit_need"),
    path("needs/<int:need_id>/intake/", views.need_intake, name="need_intake"),
    path("points/", views.points, name="points"),
    path("points/<int:program_id>/volunteers/", views.register_volunteer, name="register_volunteer"),
    path(
        "points/<int:program_id>/volunteers/existing/",
        views.register_existing_volunteer,
        name="register_existing_volunteer",
    ),
    path("volunteers/<int:volunteer_id>/", views.volunteer, name="volunteer"),
    path("volunteers/<int:volunteer_id>/earn/", views.earn, name="earn"),
    path("volunteers/<int:volunteer_id>/redeem/", views.redeem, name="redeem"),
    path("entries/<int:entry_id>/reverse/", views.reverse, name="reverse"),
]
