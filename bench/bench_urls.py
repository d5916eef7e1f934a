"""The project's URLs plus /bench/hello/: the cheapest page a logged-in, MFA-verified staff member can
open, behind every middleware a real page has (session, login, MFA, session limits, security headers),
to measure what the stack itself costs per request (bench/bench_pages.py --throughput)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from tsunagu.access.permissions import permission
from tsunagu.urls import urlpatterns as project_urlpatterns


@login_required
@permission("directory.view")
def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


urlpatterns = [path("bench/hello/", hello, name="bench_hello"), *project_urlpatterns]
