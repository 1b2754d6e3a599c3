"""Figures in the office: dashboards per role, the KPI page whose every figure opens the
appeals behind it, rankings of municipalities and organizations, and the ranking settings.

Pages read the KPI rollups (analytics.figures, a few indexed sums each); only the drill-down
list pages through the appeals behind one figure. Who may see which scope: analytics.scope.
One module per page: kpi, ranking, dashboards; what they share is in common.
"""

from .common import OVERDUE_OPEN
from .dashboards import dashboard
from .kpi import kpi_appeals, kpi_page
from .ranking import ranking_page, ranking_settings

__all__ = [
    "OVERDUE_OPEN",
    "dashboard",
    "kpi_appeals",
    "kpi_page",
    "ranking_page",
    "ranking_settings",
]
