"""Open311 GeoReport v2 (docs/open311.md): every method in .xml and .json by its extension."""

from django.urls import re_path

from . import views

app_name = "open311"

# `[^/]+` is greedy: the format is what follows the last dot.
FMT = r"\.(?P<fmt>[^./]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.service_requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+)" + FMT, views.service_request, name="request"
    ),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, views.request_token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.service_request_updates, name="updates"),
    re_path(r"^$", views.root, name="root"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
