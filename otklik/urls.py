from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from otklik.api.rest.api import api as rest_api
from otklik.incidents import api as incidents_api
from otklik.portal import accounts as portal_accounts
from otklik.portal import views as portal_views

admin.site.site_header = _("Otklik: administration")
admin.site.site_title = _("Otklik")

urlpatterns = [
    path("", include("otklik.portal.urls")),
    path("office/", include("otklik.office.urls")),
    # Global names, used by LOGIN_URL and the templates; the views live with the accounts pages.
    path("accounts/login/", portal_accounts.login_view, name="login"),
    path("accounts/logout/", portal_accounts.logout_view, name="logout"),
    path("admin/", admin.site.urls),
    path("health/", portal_views.health, name="health"),
    path("api/signals/", incidents_api.post_signals, name="api_signals"),
    path("api/v1/", rest_api.urls),
    path("open311/v2/", include("otklik.api.open311.urls")),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Media from the local disk in the embedded mode; behind nginx or S3 in production.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
