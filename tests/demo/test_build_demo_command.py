"""`build_demo` builds once and then leaves an existing region alone."""

from io import StringIO

from django.core.management import call_command

from otklik.appeals.models import Appeal
from otklik.directory.models import CalendarDay


def test_summary_reports_what_was_built(built):
    assert "построен" in built.output
    assert "обращений: 600" in built.output


def test_second_run_does_nothing_when_the_region_has_appeals(built):
    out = StringIO()
    call_command("build_demo", "--appeals=50", stdout=out)
    assert "уже построен" in out.getvalue()
    assert Appeal.objects.count() == 600


def test_force_adds_another_history_after_the_existing_numbers(built):
    call_command(
        "build_demo", "--appeals=20", "--now=2026-11-20T12:00:00+03:00", "--force", verbosity=0
    )
    assert Appeal.objects.count() == 620
    assert Appeal.objects.values("number").distinct().count() == 620


def test_production_calendar_covers_the_two_years(built):
    assert CalendarDay.objects.filter(date__year=2024, kind="holiday").exists()
    assert CalendarDay.objects.filter(date__year=2027).exists()
