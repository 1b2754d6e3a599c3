from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.static import serve

from otklik.api import incidents as incidents_api
from otklik.api.open311 import views as open311_views
from otklik.api.rest.api import api as rest_api
from otklik.ops import views as ops_views
from otklik.portal import accounts as portal_accounts

admin.site.site_header = _("Otklik: administration")
admin.site.site_title = _("Otklik")

# A database that cannot be reached answers 503 and a full disk 507; these and Django's own
# error pages answer in Russian and English, in the caller's format (faults.py).
handler400 = "otklik.faults.bad_request"
handler403 = "otklik.faults.permission_denied"
handler404 = "otklik.faults.page_not_found"
handler500 = "otklik.faults.server_error"

urlpatterns = [
    path("", include("otklik.portal.urls")),
    path("office/", include("otklik.office.urls")),
    # Global names, used by LOGIN_URL and the templates; the views live with the accounts pages.
    path("accounts/login/", portal_accounts.login_view, name="login"),
    path("accounts/logout/", portal_accounts.logout_view, name="logout"),
    path("accounts/two-factor/", include("otklik.portal.two_factor_urls")),
    # One login for everybody: the admin's own form would skip the throttle (accounts/lockout.py).
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("health/", ops_views.health, name="health"),
    path("ready/", ops_views.ready, name="ready"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("api/signals/", incidents_api.post_signals, name="api_signals"),
    path("api/v1/", rest_api.urls),
    path("open311/v2/", include("otklik.api.open311.urls")),
    path("open311/", open311_views.root, name="open311_root"),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Media from the local disk in the embedded mode; behind nginx or S3 in production.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
