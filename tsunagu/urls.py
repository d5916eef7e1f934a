from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from tsunagu.access.permissions import public
from tsunagu.accounts import views as account_views
from tsunagu.api import api as tsunagu_api

urlpatterns = [
    # A logged-in user goes to their own work (accounts/landing.py), anyone else to the login page.
    path("", account_views.root, name="root"),
    path("accounts/", include("tsunagu.accounts.urls")),
    path("access/", include("tsunagu.access.urls")),
    path("directory/", include("tsunagu.directory.urls")),
    path("intake/", include("tsunagu.intake.urls")),
    path("people/", include("tsunagu.people.urls")),
    path("cases/", include("tsunagu.cases.urls")),
    path("outreach/", include("tsunagu.outreach.urls")),
    path("participation/", include("tsunagu.participation.urls")),
    path("meetings/", include("tsunagu.meetings.urls")),
    path("community/", include("tsunagu.community.urls")),
    path("navigator/", include("tsunagu.navigator.urls")),
    path("api/v1/", tsunagu_api.urls),
    path("insights/", include("tsunagu.insights.urls")),
    # The admin signs in through Tsunagu's own login (lockout, MFA), never its own form.
    path(
        "admin/login/",
        public("redirect only")(RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
]

# Error pages in Japanese, in Tsunagu's layout, leaking nothing (tsunagu/accounts/errors.py).
handler400 = "tsunagu.accounts.errors.bad_request"
handler403 = "tsunagu.accounts.errors.permission_denied"
handler404 = "tsunagu.accounts.errors.page_not_found"
handler500 = "tsunagu.accounts.errors.server_error"
