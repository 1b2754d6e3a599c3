"""What the figure pages share: the selection (scope and period from the query string, checked
against the user's grants in analytics.scope), the figures' labels and explanations, and the
figures as text with links to the appeals behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otklik.analytics import figures
from otklik.analytics import scope as access_scope
from otklik.analytics.figures import KPI_GOOD_HIGH, KPI_LABELS, KpiSet, Period, Scope, Share
from otklik.analytics.forms import PeriodForm, ScopeForm
from otklik.directory.models import Category, Municipality, Organization, Region
from otklik.lib.charts import format_value

ANALYTICS = access_scope.ANALYTICS_ROLES
# Open appeals past their deadline now (the dashboards' figure, read from the rollups).
OVERDUE_OPEN = "overdue_open"
EXPLANATIONS = {
    "received": gettext_lazy("Appeals registered in the period (accepted at moderation)."),
    "overdue": gettext_lazy(
        "Of appeals due in the period: answered after the deadline, or still unanswered after it."
    ),
    "on_time": gettext_lazy("Of appeals due in the period: answered by the deadline."),
    "time_to_answer": gettext_lazy(
        "From registration to the first published answer, over answers published in the period."
    ),
    "postponed": gettext_lazy(
        "Of appeals due in the period: those whose deadline was moved at least once."
    ),
    "repeated_postponement": gettext_lazy(
        "Of appeals due in the period: those whose deadline was moved two or more times."
    ),
    "repeat": gettext_lazy(
        "Of appeals registered in the period: repeat appeals about a problem answered before."
    ),
    "durability": gettext_lazy(
        "Of appeals closed in the period: those followed within 90 days by an appeal of the "
        "same category within 100 m."
    ),
    "rework": gettext_lazy(
        "Of answers submitted for review in the period: those returned to the executor."
    ),
    "formal_reply": gettext_lazy(
        "Of answers submitted in the period: those the automatic check flags as formal replies."
    ),
    "satisfaction": gettext_lazy(
        "Of ratings given in the period: the share of 4 and 5 (federal target: at least 60 %)."
    ),
    "verified": gettext_lazy(
        "Of control calls and questionnaires completed in the period: the share where the "
        "applicant confirms the problem is solved."
    ),
    "gap": gettext_lazy(
        "On-time share minus verified resolution, in points: how far the statistics run ahead "
        "of what citizens confirm."
    ),
    "proactive": gettext_lazy(
        "Of appeals registered in the period: those found by field teams and in social networks."
    ),
    "instructions_on_time": gettext_lazy(
        "Of instructions due in the period: the share completed by their deadline."
    ),
    "found_before_residents": gettext_lazy(
        "Of problems first reported in the period (an appeal with no earlier appeal of the same "
        "category within 100 m and 30 days): those first reported by a field team, an "
        "inspection or monitoring, before any resident wrote."
    ),
    "inspection_yield": gettext_lazy(
        "Of inspection points checked in the period: the share where the team found a problem "
        "(points the team could not reach were not checked)."
    ),
    "forecast_error": gettext_lazy(
        # xgettext:no-python-format
        "Weekly appeals by topic group and municipality against the forecast made the week "
        "before: the mean absolute scaled error (below 1 beats the week-to-week change) and the "
        "share of forecasts inside their 80 % interval (about 80 % is right)."
    ),
    "rejected": gettext_lazy(
        "Appeals rejected at moderation (spam, not competent, duplicates); they count in no "
        "other figure."
    ),
    OVERDUE_OPEN: gettext_lazy("Appeals still unanswered after their deadline, today."),
}


def _label(kpi: str) -> str:
    if kpi == "rejected":
        return _("Rejected at moderation")
    if kpi == OVERDUE_OPEN:
        return _("Overdue now")
    return str(KPI_LABELS[kpi])


# ---------------------------------------------------------------------------- the selection


@dataclass
class Selection:
    """The scope and period a page shows, from the query string, checked against the user."""

    scope: Scope
    period: Period
    today: date
    category_id: int | None
    period_form: PeriodForm
    choices: access_scope.Choices | None = None
    region: Region | None = None
    names: dict = field(default_factory=dict)

    def query(self, period: Period | None = None, **extra) -> str:
        """The scope and (explicit) period as a query string, for links that keep them."""
        return urlencode(
            {
                **scope_params(self.scope, self.category_id),
                **period_params(period or self.period),
                **extra,
            }
        )

    def page_query(self, **extra) -> str:
        """As the page was asked for (period kind kept), for the page's own links."""
        data = self.period_form.cleaned_data if self.period_form.is_valid() else {}
        params = scope_params(self.scope, self.category_id)
        kind = data.get("period") or ""
        if kind == "custom":
            params.update(period_params(self.period))
        elif kind:
            params.update(period=kind, day=(data.get("day") or self.today).isoformat())
        params.update(extra)
        return urlencode(params)


def scope_params(scope: Scope, category_id: int | None = None) -> dict:
    params = {"region": scope.region_id}
    if scope.municipality_id:
        params["municipality"] = scope.municipality_id
    if scope.organization_id:
        params["organization"] = scope.organization_id
    if category_id:
        params["category"] = category_id
    return params


def period_params(period: Period) -> dict:
    return {
        "period": "custom",
        "start": period.start.isoformat(),
        "end": period.last_day.isoformat(),
    }


def _select(request, *, roles=ANALYTICS, with_choices: bool = True) -> Selection:
    """The selection asked for; 404 when any part of the scope is malformed or not the user's."""
    scope_form = ScopeForm(request.GET)
    if not scope_form.is_valid():
        raise Http404
    data = scope_form.cleaned_data
    region_id = access_scope.default_region(request.user, data["region"])
    if region_id is None:
        raise Http404
    category_id = data["category"]
    category_ids: tuple[int, ...] = ()
    if category_id:
        if not Category.objects.filter(pk=category_id).exists():
            raise Http404
        category_ids = figures.category_subtree([category_id])
    scope = access_scope.resolve(
        request.user,
        region_id=region_id,
        municipality_id=data["municipality"],
        organization_id=data["organization"],
        category_ids=category_ids,
        roles=roles,
    )
    if scope is None:
        raise Http404
    region = Region.objects.get(pk=region_id)
    today = timezone.now().astimezone(region_zone_of(region)).date()
    period_form = PeriodForm(request.GET, today=today)
    selection = Selection(
        scope=scope,
        period=period_form.period_or_default(),
        today=today,
        category_id=category_id,
        period_form=period_form,
        region=region,
    )
    if with_choices:
        selection.choices = access_scope.choices(request.user, region_id)
    return selection


def region_zone_of(region: Region) -> ZoneInfo:
    return ZoneInfo(region.time_zone)


def _scope_names(scope: Scope, category_id: int | None) -> list[str]:
    """What the scope is, in words: «Липецк · УДХ Липецка · Дороги»."""
    names = []
    if scope.municipality_id:
        names.append(str(Municipality.objects.get(pk=scope.municipality_id)))
    if scope.organization_id:
        names.append(str(Organization.objects.get(pk=scope.organization_id)))
    if category_id:
        names.append(str(Category.objects.get(pk=category_id)))
    return names


def period_text(period: Period) -> str:
    if period.days == 1:
        return period.start.strftime("%d.%m.%Y")
    return f"{period.start:%d.%m.%Y} – {period.last_day:%d.%m.%Y}"


def _categories() -> list[tuple[int, str]]:
    """Active categories as «Дороги», «Дороги / Ямы» (two levels shown)."""
    rows = (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name")
    )
    result = []
    for category in rows:
        name = f"{category.parent.name} / {category.name}" if category.parent else category.name
        result.append((category.pk, name))
    return sorted(result, key=lambda item: item[1])


# ---------------------------------------------------------------------------- figures as text


def _percent(share: Share) -> str:
    return format_value(share.percent, percent=True)


def _wilson(share: Share) -> str:
    interval = share.wilson()
    if interval is None:
        return ""
    low, high = (format_value(round(100 * v, 1)) for v in interval)
    return _("95 %% interval: %(low)s–%(high)s %%") % {"low": low, "high": high}


def _days(value: float | None) -> str:
    return "—" if value is None else _("%(n)s d.") % {"n": format_value(value)}


def _value(k: KpiSet, kpi: str) -> float | None:
    """The number a KPI is compared by across periods."""
    if kpi == "received":
        return k.received
    if kpi == "gap":
        return k.gap
    if kpi == "time_to_answer":
        return k.time_to_answer.mean_days
    if kpi == "forecast_error":
        return k.forecast_error.mase
    return getattr(k, kpi).percent


def _text(k: KpiSet, kpi: str) -> str:
    value = _value(k, kpi)
    if kpi == "received":
        return format_value(value)
    if kpi == "gap":
        return "—" if value is None else _("%(n)s pp") % {"n": format_value(value)}
    if kpi == "time_to_answer":
        return _days(value)
    if kpi == "forecast_error":
        return "—" if value is None else _("MASE %(n)s") % {"n": format_value(value)}
    return format_value(value, percent=True)


def trend(kpi: str, now: float | None, then: float | None) -> tuple[str, str]:
    """(arrow and change as text, css class): green when the change is for the better."""
    if now is None or then is None:
        return "", "trend-none"
    delta = round(now - then, 2 if kpi == "forecast_error" else 1)
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
    good = KPI_GOOD_HIGH.get(kpi)
    if delta == 0 or good is None:
        css = "trend-neutral"
    else:
        css = "trend-good" if (delta > 0) == good else "trend-bad"
    if kpi == "received":
        change = format_value(abs(delta))
    elif kpi == "time_to_answer":
        change = _days(abs(delta))
    elif kpi == "forecast_error":
        change = format_value(abs(delta))
    else:
        change = _("%(n)s pp") % {"n": format_value(abs(delta))}
    return (arrow if delta == 0 else f"{arrow} {change}"), css


def _drill(selection: Selection, kpi: str, part: str = "numerator", period: Period | None = None):
    return reverse("office:kpi_appeals") + "?" + selection.query(period, kpi=kpi, part=part)


def _kpi_link(selection: Selection, period: Period) -> str:
    return reverse("office:kpi") + "?" + selection.query(period)
