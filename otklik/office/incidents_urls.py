"""Office pages of incidents and signals, included under /office/incidents/ (namespace
office:incidents). The signals API (`otklik.api.incidents.post_signals`) is mounted by the
project's urls.py at /api/signals/."""

from django.urls import path

from . import incidents

app_name = "incidents"
urlpatterns = [
    path("", incidents.incident_list, name="list"),
    path("map.geojson", incidents.incidents_geojson, name="geojson"),
    path("<int:pk>/", incidents.incident_detail, name="detail"),
    path("<int:pk>/points.geojson", incidents.incident_points, name="points"),
    path("<int:pk>/close/", incidents.close, name="close"),
    path("<int:pk>/reopen/", incidents.reopen, name="reopen"),
    path("<int:pk>/rename/", incidents.rename, name="rename"),
    path("signals/", incidents.signal_list, name="signals"),
    path("signals/<int:pk>/appeal/", incidents.signal_appeal, name="signal_appeal"),
    path("signals/<int:pk>/dismiss/", incidents.signal_dismiss, name="signal_dismiss"),
]
