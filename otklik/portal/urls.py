from django.urls import path

from . import accounts, public, report, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.my_appeals, name="my_appeals"),
    path("appeals/<str:number>/", views.appeal_detail, name="appeal"),
    path("appeals/<str:number>/rate/", views.rate, name="rate"),
    path("appeals/<str:number>/clarify/", views.clarify, name="clarify"),
    path("q/<str:token>/", views.follow_up, name="follow_up"),
    *accounts.urlpatterns,
    *report.urlpatterns,
    *public.urlpatterns,
]
