from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from otklik.analytics.models import WeeklyForecast


def test_forecasts_are_listed_but_cannot_be_changed_in_the_administration(
    client, admin_user, region, municipality, roads
):
    forecast = WeeklyForecast.objects.create(
        region=region,
        municipality=municipality,
        group=roads,
        week=date(2026, 1, 19),
        made_at=datetime(2026, 1, 12, tzinfo=ZoneInfo("Europe/Moscow")),
        expected=4.5,
        low=2,
        high=7,
        model_version="test",
    )
    client.force_login(admin_user)
    listing = client.get(reverse("admin:analytics_weeklyforecast_changelist"))
    assert listing.status_code == 200
    assert municipality.name in listing.content.decode()
    change = reverse("admin:analytics_weeklyforecast_change", args=[forecast.pk])
    assert client.post(change, {"expected": "1"}).status_code == 403
    delete = reverse("admin:analytics_weeklyforecast_delete", args=[forecast.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:analytics_weeklyforecast_add")).status_code == 403
    forecast.refresh_from_db()
    assert forecast.expected == 4.5
