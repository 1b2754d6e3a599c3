from django.urls import path

from . import views

app_name = "office"
urlpatterns = [
    path("", views.appeal_list, name="appeals"),
    path("appeals/<str:number>/", views.appeal_detail, name="appeal"),
]
