from django.urls import path

from . import calendar_views, invitation_views, material_views, notebook_views, views

app_name = "meetings"

urlpatterns = [
    path("", calendar_views.calendar, name="calendar"),
    path("generate/", views.generate, name="generate"),
    path("call/", views.call, name="call"),
    path("<int:meeting_id>/", views.detail, name="detail"),
    path("<int:meeting_id>/meeting.ics", views.ics, name="ics"),
    path("<int:meeting_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:meeting_id>/invite/", views.invite, name="invite"),
    path("<int:meeting_id>/attendance/", views.attendance, name="attendance"),
    path("<int:meeting_id>/items/new/", views.item_new, name="item_new"),
    path("<int:meeting_id>/minutes/", views.minutes, name="minutes"),
    path("<int:meeting_id>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("items/<int:item_id>/", views.item, name="item"),
    path("items/<int:item_id>/review/", views.review, name="review"),
    path("items/<int:item_id>/decide/", views.decide, name="decide"),
    path("items/<int:item_id>/discussed/", views.discussed, name="discussed"),
    # 連絡帳 (issue 11 part 8)
    path("notebook/", notebook_views.inbox, name="notebook"),
    path("notebook/cases/<int:case_id>/", notebook_views.case_thread, name="notebook_case"),
    path("notebook/items/<int:item_id>/", notebook_views.item_thread, name="notebook_item"),
    path("notebook/posts/<int:post_id>/attachment/", notebook_views.attachment, name="notebook_attachment"),
    path("notebook/posts/<int:post_id>/agenda/", notebook_views.to_agenda, name="notebook_to_agenda"),
    path("notebook/posts/<int:post_id>/plan/", notebook_views.to_plan, name="notebook_to_plan"),
    # Materials (part 5): agencies' parts, the packet.
    path("<int:meeting_id>/materials/", material_views.meeting_materials, name="materials"),
    path("<int:meeting_id>/packet.pdf", material_views.packet_pdf, name="packet_pdf"),
    path("<int:meeting_id>/packet/copies/", material_views.packet_copies, name="packet_copies"),
    path("items/<int:item_id>/parts/request/", material_views.request_parts, name="request_parts"),
    path("parts/<int:part_id>/", material_views.fill_part, name="fill_part"),
    path("todo/", material_views.todo, name="todo"),
    path("decisions/<int:decision_id>/done/", material_views.follow_up_done, name="follow_up_done"),
    # Per-item invitations and invited individuals' signed 守秘義務.
    path("items/<int:item_id>/invitations/", invitation_views.item_invitations, name="item_invitations"),
    path("<int:meeting_id>/guests/", invitation_views.guests, name="guests"),
    path(
        "invitations/<int:invitation_id>/guest-acknowledgement/",
        invitation_views.guest_acknowledgement,
        name="guest_acknowledgement",
    ),
]
