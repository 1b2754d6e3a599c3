from django.urls import include, path

from . import (
    analytics,
    answer_templates,
    calls,
    inbox,
    instructions,
    intake,
    moderation,
    public_text,
    review,
    views,
    weekly,
    work,
)
from . import inspections_plan as inspections

app_name = "office"
urlpatterns = [
    path("", views.home, name="home"),
    path("appeals/", views.appeal_list, name="appeals"),
    # One appeal and what staff do with it (executor work, internal notes, redirects).
    path("appeals/<str:number>/", work.appeal_detail, name="appeal"),
    path("appeals/<str:number>/comment/", work.comment, name="comment"),
    path("appeals/<str:number>/delegate/", work.delegate, name="delegate"),
    path("appeals/<str:number>/answer/", work.answer, name="answer"),
    path("appeals/<str:number>/answer/check/", work.check_answer, name="check_answer"),
    path("appeals/<str:number>/postpone/", work.postpone, name="postpone"),
    path("appeals/<str:number>/redirect/", work.redirect, name="redirect"),
    # The executor's inbox.
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/appeals.geojson", inbox.inbox_geojson, name="inbox_geojson"),
    path("templates/", answer_templates.template_list, name="templates"),
    path("templates/new/", answer_templates.template_edit, name="template_new"),
    path("templates/<int:pk>/", answer_templates.template_edit, name="template_edit"),
    # Moderation by the control centre.
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/bulk/", moderation.bulk, name="moderation_bulk"),
    path("moderation/<str:number>/", moderation.moderate, name="moderate"),
    path("moderation/<str:number>/public-text/", public_text.correct, name="correct_public_text"),
    # Appeals entered by staff: a caller on the phone, a field team.
    path("new/", intake.phone_entry, name="phone_entry"),
    path("field/", intake.field_report, name="field_report"),
    # Review of answers and postponement requests.
    path("review/", review.queue, name="review"),
    path("review/answers/<int:pk>/", review.answer, name="review_answer"),
    path("review/postponements/<int:pk>/", review.postponement, name="review_postponement"),
    # Instructions (поручения).
    path("instructions/", instructions.instruction_list, name="instructions"),
    path("instructions/new/", instructions.issue, name="instruction_new"),
    path("instructions/<int:pk>/", instructions.detail, name="instruction"),
    # Verification calls (обзвон).
    path("calls/", calls.call_lists, name="calls"),
    path("calls/lists/<int:pk>/", calls.call_list, name="call_list"),
    path("calls/<int:pk>/", calls.call, name="call"),
    path("calls/<int:pk>/instruct/", calls.instruct, name="call_instruct"),
    # Figures: dashboards per role, KPIs with the appeals behind them, rankings.
    path("dashboard/", analytics.dashboard, name="dashboard"),
    path("kpi/", analytics.kpi_page, name="kpi"),
    path("kpi/appeals/", analytics.kpi_appeals, name="kpi_appeals"),
    path("ranking/", analytics.ranking_page, name="ranking"),
    path("ranking/settings/", analytics.ranking_settings, name="ranking_settings"),
    # The weekly review (оперативное совещание).
    path("weekly/", weekly.review, name="weekly"),
    path("weekly/review.xlsx", weekly.export, name="weekly_xlsx"),
    path("weekly/heatmap.geojson", weekly.heatmap, name="weekly_heatmap"),
    # Mass incidents and external signals.
    path("incidents/", include("otklik.office.incidents_urls")),
    # Inspections (issue 20): the day's points and the field teams' plan.
    path("inspections/points/", inspections.points, name="inspection_points"),
    path("inspections/points/propose/", inspections.propose, name="inspection_propose"),
    path("inspections/plan/", inspections.plan_page, name="inspection_plan"),
    path("inspections/plan/build/", inspections.build, name="inspection_build"),
    path("inspections/plan/<int:pk>/move/", inspections.move, name="inspection_move"),
]

# The field team's day on a phone (issue 20): the route, the reports, the offline worker.
from . import field_day  # noqa: E402  (kept with its paths: another block is appended above)

urlpatterns += [
    path("field/day/", field_day.route, name="field_day"),
    path("field/day/sw.js", field_day.worker, name="field_day_worker"),
    path("field/day/manifest.webmanifest", field_day.manifest, name="field_day_manifest"),
    path("field/day/points/<int:pk>/visit/", field_day.visit, name="field_day_visit"),
]
