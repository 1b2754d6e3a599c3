"""Where the time of each request type of bench/load.py goes: pyinstrument in-process.

Runs each request type of the mixed load (bench/load.py's MIX, except the two filing paths,
which bench/intake.py measures) through the Django test Client on the database of DATABASE_URL,
as the load does it: a logged-in citizen's session, the demo executor's session (second factor
off, as in the load bench), the demo's API keys. Prints, per type: the median CPU ms of this
process (steadier than wall time on a shared machine) and wall ms over --runs requests, the
queries of one request, then, with --top, pyinstrument's heaviest frames of one more request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/otklik_prof \\
        .venv/bin/python bench/profile_requests.py [--appeals 1000] [--runs 10] [--top 12]
        [--only "office inbox,kpis"] [--tree] [--smoke]

Builds the demo region (`build_demo --appeals N`) when the database has none. The writes
(«register (api)», «answer (api)» with a photo) each consume an appeal of the demo: one awaiting
moderation, one of the executor's organization in progress. --smoke: 2 runs, no profile (for
`make bench-smoke`); any status but the expected one ends the script with exit status 1.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake import LIMITS
from pagebench import start_django

# As in bench/load.py: the rate limits are the bench's settings, never reached.
os.environ.update(LIMITS)
os.environ.setdefault("STAFF_TWO_FACTOR", "0")
os.environ.setdefault("DEBUG", "0")
start_django()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from otklik.accounts.models import Membership, User  # noqa: E402
from otklik.appeals.models import Appeal  # noqa: E402
from otklik.demo.geography import REGION_CODE  # noqa: E402
from otklik.directory.models import Category, Region  # noqa: E402

EXECUTOR = "executor@demo.otklik.ru"
OPERATOR_KEY = "Bearer otk_demo_operator_2026"
EXECUTOR_KEY = "Bearer otk_demo_executor_2026"
CITIZEN_KEY = "Bearer otk_demo_citizen_2026"


def ensure_demo(appeals: int) -> Region:
    call_command("migrate", verbosity=0, interactive=False)
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None or not region.appeals.exists():
        print(f"building the demo region ({appeals} appeals)…", flush=True)
        call_command("createcachetable", verbosity=0)
        call_command("build_demo", appeals=appeals, no_progress=True)
        region = Region.objects.get(code=REGION_CODE)
    return region


def jpeg() -> bytes:
    """An 800×600 photo-like JPEG, as bench/load.py sends."""
    import random

    from PIL import Image

    rng = random.Random(7)
    image = Image.new("RGB", (800, 600))
    image.putdata(
        [
            (rng.randrange(256), rng.randrange(90, 160), rng.randrange(60, 120))
            for _ in range(800 * 600)
        ]
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Requests:
    """The request of each type: () → response, on clients logged in once."""

    def __init__(self, region: Region):
        self.region = region
        public = Appeal.objects.public().filter(region=region).order_by("-pk")
        self.public = list(public.values_list("number", flat=True)[:50])
        citizen = (
            User.objects.filter(appeals__isnull=False, is_staff=False)
            .order_by("pk")
            .distinct()
            .first()
        )
        self.citizen = Client()
        self.citizen.force_login(citizen)
        self.own = Appeal.objects.filter(applicant=citizen).order_by("-pk")
        self.executor = Client()
        self.executor.force_login(User.objects.get(email=EXECUTOR))
        self.org = (
            Membership.objects.filter(user__email=EXECUTOR, organization__isnull=False)
            .values_list("organization_id", flat=True)
            .first()
        )
        self.api = Client()
        self.anonymous = Client()
        self.photo = jpeg()
        self.point = (
            Appeal.objects.filter(region=region, latitude__isnull=False)
            .values_list("latitude", "longitude")
            .first()
        )
        self.new = ""
        self.n = 0

    def _pick(self, items):
        self.n += 1
        return items[self.n % len(items)]

    def _in_work(self) -> str:
        """An appeal of the executor's organization (the newest), for its office page."""
        appeal = (
            Appeal.objects.filter(executor_id=self.org)
            .order_by("-pk")
            .values_list("number", flat=True)
            .first()
        )
        if appeal is None:
            raise SystemExit("the demo executor's organization has no appeal")
        return appeal

    def registered_one(self) -> None:
        """A new appeal registered to the executor's organization, for «answer (api)»."""
        self.file_one()
        response = self.register()
        if response.status_code != 200:
            raise SystemExit(f"registering for «answer (api)»: {response.status_code}")

    def table(self) -> dict:
        """label → (send, expected status)."""
        r = self.region.pk
        in_work = self._in_work()
        return {
            "home": (lambda: self.anonymous.get("/"), 200),
            "appeal list": (lambda: self.anonymous.get(f"/appeals/?page={self.n % 19 + 1}"), 200),
            "public appeal": (
                lambda: self.anonymous.get(f"/appeals/{self._pick(self.public)}/"),
                200,
            ),
            "municipalities": (lambda: self.anonymous.get("/municipalities/"), 200),
            "report form": (lambda: self.citizen.get("/report/"), 200),
            "my appeals": (lambda: self.citizen.get("/my/"), 200),
            "own appeal": (lambda: self.citizen.get(f"/appeals/{self.own[0].number}/"), 200),
            "office inbox": (lambda: self.executor.get("/office/inbox/"), 200),
            "office appeal": (lambda: self.executor.get(f"/office/appeals/{in_work}/"), 200),
            "api inbox": (
                lambda: self.api.get(
                    f"/api/v1/work/inbox?status=in_progress&page={self.n % 3 + 1}",
                    HTTP_AUTHORIZATION=EXECUTOR_KEY,
                ),
                200,
            ),
            "answer (api)": (self.answer, 201),
            "register (api)": (self.register, 200),
            "open311 services": (lambda: self.anonymous.get("/open311/v2/services.json"), 200),
            "open311 requests": (
                lambda: self.anonymous.get(f"/open311/v2/requests.json?page={self.n % 9 + 1}"),
                200,
            ),
            "open311 request": (
                lambda: self.anonymous.get(f"/open311/v2/requests/{self._pick(self.public)}.json"),
                200,
            ),
            "public list (rest)": (
                lambda: self.anonymous.get(f"/api/v1/appeals/public/?page={self.n % 9 + 1}"),
                200,
            ),
            "own appeal (rest)": (
                lambda: self.api.get("/api/v1/appeals/", HTTP_AUTHORIZATION=CITIZEN_KEY),
                200,
            ),
            "kpis": (
                lambda: self.api.get(
                    f"/api/v1/analytics/kpis?region={r}&period=month",
                    HTTP_AUTHORIZATION=OPERATOR_KEY,
                ),
                200,
            ),
            "ranking": (
                lambda: self.api.get(
                    f"/api/v1/analytics/ranking?region={r}&period=quarter",
                    HTTP_AUTHORIZATION=OPERATOR_KEY,
                ),
                200,
            ),
        }

    def answer(self):
        number = self.new
        return self.api.post(
            f"/api/v1/work/{number}/answer",
            {
                "text": "Выполнен ямочный ремонт покрытия проезжей части на площади 12 м², "
                "работы приняты комиссией, фотографии результата прилагаются.",
                "resolution": "solved",
                "acknowledged": "true",
                "files": [_upload(self.photo)],
            },
            HTTP_AUTHORIZATION=EXECUTOR_KEY,
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )

    def file_one(self) -> None:
        """A new appeal for «register (api)» to register, filed through REST (not measured)."""
        category = (
            Category.objects.filter(parent__isnull=False, is_active=True)
            .values_list("code", flat=True)
            .first()
        )
        lat, lon = self.point
        response = self.api.post(
            "/api/v1/appeals/",
            {
                "category": category,
                "text": "Профилирование: яма на проезжей части у дома, машины объезжают её",
                "latitude": lat,
                "longitude": lon,
                "address": "Липецк, ул. Советская, 3",
            },
            content_type="application/json",
            HTTP_AUTHORIZATION=CITIZEN_KEY,
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        if response.status_code != 201:
            raise SystemExit(f"filing for «register (api)»: {response.status_code}")
        self.new = response.json()["number"]

    def register(self):
        number = self.new
        return self.api.post(
            f"/api/v1/moderation/{number}/register",
            {"executor_id": self.org},
            content_type="application/json",
            HTTP_AUTHORIZATION=OPERATOR_KEY,
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("result.jpg", data, content_type="image/jpeg")


def measure(send, expected: int, runs: int, prepare=None) -> tuple[float, float, int]:
    """(median CPU ms, median wall ms, queries of the last run); `prepare` runs before each
    request, unmeasured."""
    cpus, walls, queries = [], [], 0
    for _ in range(runs):
        if prepare is not None:
            prepare()
        with CaptureQueriesContext(connection) as captured:
            cpu, wall = time.process_time(), time.perf_counter()
            response = send()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
        if response.status_code != expected:
            body = response.content[:300]
            raise SystemExit(f"answered {response.status_code}, not {expected}: {body!r}")
        queries = len(captured)
    return statistics.median(cpus), statistics.median(walls), queries


def profile(send, top: int, tree: bool, prepare=None) -> None:
    from pyinstrument import Profiler

    if prepare is not None:
        prepare()
    profiler = Profiler(interval=0.001)
    with profiler:
        send()
    if tree:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    # Each sample's time goes to the innermost frame of this project's code (otklik/) that was
    # running: the line of our code to look at (a view's render() call holds its template's
    # time). Time above any of them (Django's middleware, the handler) is "outside otklik/".
    session = profiler.last_session
    own: dict[str, float] = {}

    def walk(frame, owner: str) -> None:
        path = frame.file_path or ""
        if "/otklik/" in path and "site-packages" not in path:
            owner = f"{frame.function} ({_short(path)}:{frame.line_no})"
        if frame.is_synthetic_leaf or not frame.children:
            own[owner] = own.get(owner, 0.0) + frame.time
        for child in frame.children:
            walk(child, owner)

    root = session.root_frame()
    if root is None:
        return
    walk(root, "outside otklik/")
    total = sum(own.values()) or 1.0
    for key, seconds in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {seconds * 1000:7.1f} ms {seconds / total:5.0%}  {key}")


def _short(path: str | None) -> str:
    if not path:
        return "?"
    for marker in ("site-packages/", "otklik/", "lib/python"):
        if marker in path:
            return path[path.index(marker) :]
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=1000, help="demo size when building one")
    parser.add_argument("--runs", type=int, default=10, help="requests per type (10)")
    parser.add_argument("--top", type=int, default=12, help="frames shown per type (0: none)")
    parser.add_argument("--tree", action="store_true", help="pyinstrument's call tree instead")
    parser.add_argument("--only", help="comma-separated request types")
    parser.add_argument("--smoke", action="store_true", help="2 runs, no profile")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.top = 2, 0
    settings.STAFF_TWO_FACTOR = False
    region = ensure_demo(args.appeals)
    requests = Requests(region)
    table = requests.table()
    chosen = list(table)
    if args.only:
        chosen = [label.strip() for label in args.only.split(",")]
    # One request of each first: the process's own caches warm, as a server's would be.
    prepare = {"register (api)": requests.file_one, "answer (api)": requests.registered_one}
    for label in chosen:
        send, _expected = table[label]
        if label in prepare:
            prepare[label]()
        send()
    print(f"{'request type':<22} {'CPU ms':>7} {'wall ms':>8} {'queries':>8}", flush=True)
    for label in chosen:
        send, expected = table[label]
        cpu, wall, queries = measure(send, expected, args.runs, prepare.get(label))
        print(f"{label:<22} {cpu:7.1f} {wall:8.1f} {queries:8d}", flush=True)
        if args.top:
            profile(send, args.top, args.tree, prepare.get(label))


if __name__ == "__main__":
    main()
