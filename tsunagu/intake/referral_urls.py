"""URLs of the referral screens (つなぎ), included in intake's urlconf under /intake/referrals/."""

from django.urls import path

from . import referral_views as views

urlpatterns = [
    path("referrals/received/", views.received_list, name="referrals_received"),
    path("referrals/sent/", views.sent_list, name="referrals_sent"),
    path("referrals/new/<int:household_id>/", views.send, name="referral_send"),
    path("referrals/<int:referral_id>/", views.detail, name="referral"),
    path("referrals/<int:referral_id>/receive/", views.receive, name="referral_receive"),
    path("referrals/<int:referral_id>/accept/", views.accept, name="referral_accept"),
    path("referrals/<int:referral_id>/return/", views.return_, name="referral_return"),
    path("referrals/<int:referral_id>/first-contact/", views.first_contact, name="referral_first_contact"),
    path("referrals/<int:referral_id>/withdraw/", views.withdraw, name="referral_withdraw"),
    path("referrals/<int:referral_id>/consent/", views.consent, name="referral_consent"),
    path("referrals/<int:referral_id>/due/", views.due, name="referral_due"),
]
