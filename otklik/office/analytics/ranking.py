"""Rankings of municipalities and organizations, and their settings (weights, minimum)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from otklik.accounts.models import Role
from otklik.analytics import scope as access_scope
from otklik.analytics.figures import KPI_LABELS, Scope
from otklik.analytics.forms import PeriodForm, ScopeForm
from otklik.analytics.ranking import (
    COMPONENTS,
    DEFAULT_MINIMUM,
    DEFAULT_WEIGHTS,
    UNIT_KINDS,
    save_settings,
    settings_for,
)
from otklik.analytics.ranking import ranking as compute_ranking
from otklik.directory.models import Region
from otklik.lib.charts import format_value

from ..analytics_forms import RankingSettingsForm
from ..permissions import role_required
from .common import _categories, _percent, _select, _wilson, period_text


def format_ratio(value: float) -> str:
    """«3,0»: a ratio always with one decimal, as in «в 3,0 раза»."""
    return number_format(round(value, 1), 1)


def _change_text(now: float | None, then: float | None) -> tuple[str, str]:
    """A change of the index in points: «▲ 2,1» in green, «▼ 0,4» in red."""
    if now is None or then is None:
        return "", "trend-none"
    delta = round(now - then, 1)
    if delta == 0:
        return "=", "trend-neutral"
    arrow, css = ("▲", "trend-good") if delta > 0 else ("▼", "trend-bad")
    return f"{arrow} {format_value(abs(delta))}", css


def _ratio_text(row) -> tuple[str, str]:
    """Year on year, as «improved 3.0 times» / «worsened 1.5 times» (overdue shares)."""
    ratio = row.overdue_ratio
    if ratio is None:
        if row.previous is not None and row.kpis.overdue.value == 0 and row.previous.overdue.value:
            return _("no overdue appeals now"), "trend-good"
        return "—", "trend-none"
    if ratio > 1:
        return _("improved %(n)s times") % {"n": format_ratio(ratio)}, "trend-good"
    if ratio < 1:
        return _("worsened %(n)s times") % {"n": format_ratio(1 / ratio)}, "trend-bad"
    return _("no change"), "trend-neutral"


@role_required(access_scope.RANKING_ROLES)
@require_GET
def ranking_page(request):
    kind = request.GET.get("kind") or "municipality"
    if kind not in UNIT_KINDS:
        raise Http404
    held = access_scope.ranking_regions(request.user)
    if not held:
        raise PermissionDenied
    selection = _select(request, roles=access_scope.RANKING_ROLES, with_choices=False)
    if not access_scope.can_rank(request.user, selection.scope.region_id):
        raise Http404
    # A ranking compares the units of the whole region: only the category narrows it.
    scope = Scope(selection.scope.region_id, category_ids=selection.scope.category_ids)
    selection.scope = scope
    result = compute_ranking(
        kind, scope.region_id, selection.period, selection.today, category_ids=scope.category_ids
    )
    rows = []
    for row in result.rows:
        params = {kind: row.unit_id}
        components = []
        for name in COMPONENTS:
            share = getattr(row.kpis, name)
            interval = share.wilson()
            components.append(
                {
                    "value": _percent(share),
                    "title": f"{share.numerator}/{share.denominator}; {_wilson(share)}"
                    if interval
                    else "",
                    "range": "–".join(format_value(round(100 * v, 1)) for v in interval)
                    if interval
                    else "",
                }
            )
        ratio, ratio_css = _ratio_text(row)
        change, change_css = _change_text(row.score, row.previous_score)
        rows.append(
            {
                "row": row,
                "url": reverse("office:kpi") + "?" + selection.query(**params),
                "score": format_value(row.score),
                "range": (
                    f"{format_value(row.score_low)}–{format_value(row.score_high)}"
                    if row.score is not None
                    else ""
                ),
                "components": components,
                "gap": "—" if row.gap is None else _("%(n)s pp") % {"n": format_value(row.gap)},
                "previous_score": format_value(row.previous_score),
                "change": change,
                "change_css": change_css,
                "ratio": ratio,
                "ratio_css": ratio_css,
            }
        )
    weights = [
        {
            "label": KPI_LABELS[name],
            "default": format_value(DEFAULT_WEIGHTS[name]),
            "current": format_value(result.settings.weights.get(name, 0)),
            "good_high": high,
        }
        for name, (_weight, high) in COMPONENTS.items()
    ]
    return render(
        request,
        "office/analytics/ranking.html",
        {
            "office_section": "ranking",
            "selection": selection,
            "form": selection.period_form,
            "kind": kind,
            "kinds": [
                (key, label, selection.page_query(kind=key)) for key, label in UNIT_KINDS.items()
            ],
            "unit_label": UNIT_KINDS[kind],
            "component_labels": [KPI_LABELS[name] for name in COMPONENTS],
            "ranked": [r for r in rows if r["row"].ranked],
            "unranked": [r for r in rows if not r["row"].ranked],
            "period_text": period_text(selection.period),
            "previous_text": period_text(result.previous_period),
            "minimum": result.settings.minimum,
            "default_minimum": DEFAULT_MINIMUM,
            "weights": weights,
            "categories": _categories(),
            "kinds_of_period": PeriodForm.base_fields["period"].choices,
            "can_configure": access_scope.can_configure_ranking(request.user, scope.region_id),
            "settings_url": reverse("office:ranking_settings") + f"?region={scope.region_id}",
        },
    )


@role_required(frozenset({Role.ADMIN}))
@require_http_methods(["GET", "POST"])
def ranking_settings(request):
    form_scope = ScopeForm(request.GET)
    if not form_scope.is_valid():
        raise Http404
    region_id = access_scope.default_region(request.user, form_scope.cleaned_data["region"])
    if region_id is None or not access_scope.can_configure_ranking(request.user, region_id):
        raise PermissionDenied
    labels = {name: str(KPI_LABELS[name]) for name in COMPONENTS}
    if request.method == "POST":
        form = RankingSettingsForm(request.POST, labels=labels)
        if form.is_valid():
            save_settings(region_id, form.weights(), form.cleaned_data["minimum_appeals"])
            messages.success(request, _("The ranking settings have been saved."))
            return redirect(reverse("office:ranking_settings") + f"?region={region_id}")
    else:
        current = settings_for(region_id)
        initial = {f"weight_{name}": current.weights.get(name, 0) for name in COMPONENTS}
        initial["minimum_appeals"] = current.minimum
        form = RankingSettingsForm(initial=initial, labels=labels)
    defaults = [(KPI_LABELS[name], format_value(DEFAULT_WEIGHTS[name])) for name in COMPONENTS]
    return render(
        request,
        "office/analytics/ranking_settings.html",
        {
            "office_section": "ranking",
            "form": form,
            "region": Region.objects.get(pk=region_id),
            "defaults": defaults,
            "default_minimum": DEFAULT_MINIMUM,
            "action": reverse("office:ranking_settings") + f"?region={region_id}",
        },
    )
