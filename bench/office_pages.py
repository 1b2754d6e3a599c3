"""Server time and query count of the back office's pages, on the database of DATABASE_URL.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/office_pages.py

Uses the demo region (`manage.py build_demo`, 100 000 appeals): the operator's moderation queue
and answer review, the demo executor's inbox (plain, filtered by deadline, searched, the map's
GeoJSON), the office page of the inbox's busiest appeal, and the instructions list. Prints the
median of 5 runs and the queries of one run per page, like bench/portal_pages.py.

Each user logs in as a person does: the password form, then the code of the authenticator app
computed from the demo's published key (docs/security.md). Any answer but 200 stops the bench
with a non-zero exit: a redirect to the code page measures nothing.
"""

from pagebench import log_in_with_code, measure, start_django

start_django()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.urls import reverse  # noqa: E402

from otklik.accounts.models import User  # noqa: E402
from otklik.appeals.models import Appeal  # noqa: E402
from otklik.appeals.workflow import Status  # noqa: E402
from otklik.demo.region import DEMO_PASSWORD, DEMO_TOTP_SECRET  # noqa: E402


def main() -> None:
    operator = User.objects.get(email="operator@demo.otklik.ru")
    executor = User.objects.get(email="executor@demo.otklik.ru")
    leadership = User.objects.get(email="leadership@demo.otklik.ru")
    organizations = [m.organization_id for m in executor.memberships.all()]
    in_work = Appeal.objects.filter(executor_id__in=organizations, status=Status.IN_PROGRESS)
    busiest = in_work.annotate(n=Count("events")).order_by("-n").first()
    clients = {
        name: log_in_with_code(user.email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
        for name, user in (("operator", operator), ("executor", executor), ("leader", leadership))
    }
    inbox = reverse("office:inbox")
    pages = [
        ("moderation queue", "operator", reverse("office:moderation")),
        ("moderation, page 20", "operator", reverse("office:moderation") + "?page=20"),
        ("answer review queue", "operator", reverse("office:review")),
        ("all appeals (region)", "operator", reverse("office:appeals")),
        ("inbox", "executor", inbox),
        ("inbox, overdue", "executor", inbox + "?deadline=overdue"),
        ("inbox, search", "executor", inbox + "?q=%D1%8F%D0%BC%D0%B0"),  # «яма»
        ("inbox map GeoJSON", "executor", reverse("office:inbox_geojson")),
        ("office appeal page", "executor", reverse("office:appeal", args=[busiest.number])),
        ("instructions (region)", "leader", reverse("office:instructions")),
    ]
    print(
        f"{connection.vendor}: {Appeal.objects.count()} appeals; the executor's organization "
        f"has {in_work.count()} in work; busiest appeal {busiest.number} ({busiest.n} events)"
    )
    print(f"{'page':<26}{'median ms':>10}{'queries':>9}{'status':>8}")
    for name, who, url in pages:
        client = clients[who]
        client.get(url)  # warm the connection and templates
        ms, queries, status = measure(client, url)
        print(f"{name:<26}{ms:>10.1f}{queries:>9}{status:>8}")


if __name__ == "__main__":
    main()
