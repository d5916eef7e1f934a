from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="directory:home", permanent=False)),
    path("accounts/", include("tsunagu.accounts.urls")),
    path("directory/", include("tsunagu.directory.urls")),
    path("admin/", admin.site.urls),
]
