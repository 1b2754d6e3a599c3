"""The project's URLs plus the signals API, mounted where the lead mounts it (/api/signals/)."""

from django.urls import path

from otklik.api.incidents import post_signals
from otklik.urls import urlpatterns as project

urlpatterns = [*project, path("api/signals/", post_signals, name="api_signals")]
