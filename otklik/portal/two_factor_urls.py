from django.urls import path

from . import two_factor as views

app_name = "two_factor"

# Under /accounts/two-factor/ (otklik/urls.py); the middleware lets unverified staff reach them.
urlpatterns = [
    path("", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("recovery-codes/new/", views.new_recovery_codes, name="new_recovery_codes"),
]
