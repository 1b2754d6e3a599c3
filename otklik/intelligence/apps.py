from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "otklik.intelligence"
    verbose_name = _("Text analysis")
