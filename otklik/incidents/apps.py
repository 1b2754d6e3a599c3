from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "otklik.incidents"
    verbose_name = _("Mass incidents and external signals")
