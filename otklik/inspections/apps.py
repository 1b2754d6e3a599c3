from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "otklik.inspections"
    verbose_name = _("Inspections")

    def ready(self):
        from otklik.lib import periodic

        periodic.register("inspection_points_proposed", _propose_due, order=160)
        # Inspection yield in the KPI rollups: analytics reads points through a slot and
        # inspections refreshes a point's figures when it changes (inspections/kpi.py).
        from . import kpi

        kpi.register()


def _propose_due() -> int:
    # Each municipality's inspection points for its region's today, once a day.
    from .services import points

    return points.propose_due()
