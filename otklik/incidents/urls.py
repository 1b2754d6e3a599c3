"""Office pages of incidents and signals, included under /office/incidents/ (namespace
office:incidents). The signals API (`api.post_signals`) is mounted by the project's urls.py
at /api/signals/."""

from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("map.geojson", views.incidents_geojson, name="geojson"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/points.geojson", views.incident_points, name="points"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("signals/", views.signal_list, name="signals"),
    path("signals/<int:pk>/appeal/", views.signal_appeal, name="signal_appeal"),
    path("signals/<int:pk>/dismiss/", views.signal_dismiss, name="signal_dismiss"),
]
