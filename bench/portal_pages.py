"""Server time and query count of the citizen's pages, on the database of DATABASE_URL.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/portal_pages.py

Uses the demo region (`manage.py build_demo`): the demo citizen's «my appeals», the page of
their busiest answered appeal, a public appeal page, the report form and a follow-up link.
Prints the median of 5 runs and the queries of one run per page. bench/public_pages.py covers
the map, the list and the municipalities.
"""

from pagebench import measure, start_django

start_django()

from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from otklik.accounts.models import User  # noqa: E402
from otklik.appeals.models import Appeal  # noqa: E402
from otklik.appeals.workflow import Status  # noqa: E402
from otklik.control import services as control  # noqa: E402
from otklik.control.models import FollowUp  # noqa: E402


def main() -> None:
    # The citizen with the most appeals: the longest «my appeals» and timelines.
    busiest = (
        Appeal.objects.filter(applicant__isnull=False)
        .values("applicant")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    citizen = User.objects.get(pk=busiest["applicant"])
    own = (
        Appeal.objects.filter(applicant=citizen, status__in=[Status.ANSWERED, Status.CLOSED])
        .annotate(events_count=Count("events"))
        .order_by("-events_count")
        .first()
    )
    public = Appeal.objects.public().filter(status=Status.CLOSED).order_by("-closed_at").first()
    follow_up, _ = FollowUp.objects.get_or_create(appeal=own, defaults={"applicant": citizen})
    anonymous, logged_in = Client(), Client()
    logged_in.force_login(citizen)
    pages = [
        ("home", anonymous, reverse("portal:home")),
        ("public appeal page", anonymous, reverse("portal:appeal", args=[public.number])),
        ("own appeal page", logged_in, reverse("portal:appeal", args=[own.number])),
        ("my appeals", logged_in, reverse("portal:my_appeals")),
        ("report form", logged_in, reverse("portal:report")),
        ("follow-up link", anonymous, control.follow_up_url(follow_up).split("/", 3)[-1]),
    ]
    print(f"citizen {citizen.pk} with {busiest['n']} appeals; own appeal {own.number}")
    print(f"{'page':<22}{'median ms':>10}{'queries':>9}{'status':>8}")
    for name, client, url in pages:
        url = url if url.startswith("/") else "/" + url
        client.get(url)  # warm the connection and templates
        ms, queries, status = measure(client, url)
        print(f"{name:<22}{ms:>10.1f}{queries:>9}{status:>8}")


if __name__ == "__main__":
    main()
