"""Server time and query count of the public pages, on the database of DATABASE_URL.

    DATABASE_URL=sqlite:////tmp/public-demo.sqlite3 .venv/bin/python bench/public_pages.py

Prints, per page, the median of 5 runs with the figures cache cleared before each run
(uncached) and of 5 runs with it warm (cached), and the queries of one uncached run.
"""

from pagebench import measure, start_django

start_django()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from otklik.directory.models import Category, Municipality  # noqa: E402


def measure_page(client: Client, url: str, *, clear: bool) -> tuple[float, int]:
    ms, queries, status = measure(client, url, before=cache.clear if clear else None)
    assert status == 200, (url, status)
    return ms, queries


def main() -> None:
    client = Client()
    unit = Municipality.objects.order_by("pk").first()
    roads = Category.objects.filter(parent__isnull=True).order_by("position").first()
    pages = {
        "list": reverse("portal:appeals"),
        "list, filtered": reverse("portal:appeals")
        + f"?municipality={unit.pk}&category={roads.pk}&status=closed",
        "list, page 100": reverse("portal:appeals") + "?page=100",
        "map page": reverse("portal:map"),
        "geojson, region": reverse("portal:appeals_geojson") + "?bbox=37.5,51.8,40.5,53.5",
        "geojson, municipality": reverse("portal:appeals_geojson")
        + f"?municipality={unit.pk}&bbox=37.5,51.8,40.5,53.5",
        "municipalities": reverse("portal:municipalities"),
        "municipality": reverse("portal:municipality", args=[unit.pk]),
        "rules": reverse("portal:rules"),
    }
    print(f"{'page':<24}{'uncached ms':>12}{'cached ms':>11}{'queries':>9}")
    for name, url in pages.items():
        client.get(url)  # warm the connection and templates
        cold, queries = measure_page(client, url, clear=True)
        warm, _ = measure_page(client, url, clear=False)
        print(f"{name:<24}{cold:>12.1f}{warm:>11.1f}{queries:>9}")


if __name__ == "__main__":
    main()
