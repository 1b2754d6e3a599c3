"""Where the time of filing an appeal goes: a pyinstrument profile and the query count of each
filing path, in-process, on PostgreSQL, with the production middleware.

Drops and creates a PostgreSQL database (BENCH_DB, default otklik_bench_profile), migrates it,
seeds bench/intake.py's minimal region (its SEED: region, municipality, category, executor,
routing rule, an API key, citizens) and files appeals through Django's test Client — the whole
middleware stack of otklik/settings.py, DEBUG off, a logged-in citizen's database session for the
portal — on each path:

    open311       Open311 POST /open311/v2/requests.json with the gateway's api_key
    rest          REST POST /api/v1/appeals/ with a unique Idempotency-Key
    portal        the report form without a photo (confirming «a new problem» when similar
                  appeals are shown, as bench/intake.py does: timed as one filing)
    portal_photo  the same with one 4000×3000 JPEG, as a phone sends it

A few filings warm each path first (imports, per-process caches); then one filing is counted
(queries, with --sql its statements) and N are profiled. Prints per path: ms per filing,
queries per filing, and the top frames by self time (any code) and by total time (the project's
own functions). --tree also prints pyinstrument's call tree.

    .venv/bin/python bench/profile_filing.py [--n 200] [--paths open311,rest,portal,portal_photo]
        [--top 8] [--tree] [--sql] [--smoke]

PostgreSQL is reached as PG_URL (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import intake  # noqa: E402  (bench/intake.py: its seed, request builder and limits)

PATHS = ("open311", "rest", "portal", "portal_photo")


def setup(db: str, pg_url: str) -> dict:
    """A fresh database with the bench region; Django set up on it as in production."""
    scratch = Path(tempfile.mkdtemp(prefix="otklik-profile-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "otklik.settings",
            "DATABASE_URL": f"{pg_url}/{db}",
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "DB_CONN_MAX_AGE": "600",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DATA_DIR": str(scratch / "var"),
            "STATIC_ROOT": str(scratch / "static"),
            "MEDIA_ROOT": str(scratch / "media"),
            **intake.LIMITS,
        }
    )
    intake.psql(pg_url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    intake.psql(pg_url, f'CREATE DATABASE "{db}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    call_command("createcachetable")
    out = io.StringIO()
    saved, sys.stdout = sys.stdout, out
    try:
        exec(intake.SEED % {"citizens": 2, "password": intake.PASSWORD}, {})  # noqa: S102
    finally:
        sys.stdout = saved
    import json

    return json.loads(out.getvalue().strip().splitlines()[-1])


def photo_bytes() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (4000, 3000), (90, 110, 130))
    draw = ImageDraw.Draw(image)
    for i in range(0, 4000, 50):
        draw.line([(i, 0), (4000 - i, 3000)], fill=(i % 255, 80, 160), width=7)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


class Filer:
    """Files the n-th appeal of a path through a test Client; raises on any other answer."""

    def __init__(self, seeded: dict):
        from django.test import Client

        self.seeded = seeded
        self.api = Client()
        self.citizen = Client()
        if not self.citizen.login(username="citizen0@bench.example", password=intake.PASSWORD):
            raise SystemExit("the bench citizen cannot log in")
        self.photo = photo_bytes()

    def file(self, path: str, n: int) -> None:
        if path.startswith("portal"):
            return self._portal(path, n)
        _method, url, body, headers = intake._request(path, self.seeded, n)
        content_type = headers.pop("Content-Type")
        response = self.api.post(url, body, content_type=content_type, headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        return None

    def _portal(self, path: str, n: int) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        fields = {
            "form_key": str(uuid.uuid4()),
            "category": self.seeded["category"],
            "latitude": f"{52.55 + (n % 97) * 0.001:.6f}",
            "longitude": f"{39.55 + (n % 89) * 0.001:.6f}",
            "address": "Липецк, ул. Московская, 12",
            "text": f"Яма на дороге, профиль {intake.marker('portal')} №{n}",
        }

        def send(extra: dict):
            data = {**fields, **extra}
            if path == "portal_photo":
                data["photos"] = SimpleUploadedFile("pit.jpg", self.photo, "image/jpeg")
            return self.citizen.post("/report/", data)

        response = send({})
        if response.status_code == 200 and b'name="confirm_new"' in response.content:
            response = send({"confirm_new": "1"})
        if response.status_code != 302:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")


def queries_of(filer: Filer, path: str, n: int, show: bool) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        filer.file(path, n)
    if show:
        for query in captured.captured_queries:
            print(f"    {query['sql'][:160]}")
    return len(captured)


def top_frames(session, top: int) -> tuple[list, list]:
    """(by self time: any function; by total time: the project's functions, each counted once
    per stack), as (seconds, label) sorted descending."""
    own: dict[str, float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)

    def label(frame) -> str:
        where = (frame.file_path_short or "").replace(str(intake.ROOT) + "/", "")
        return f"{frame.function}  {where}:{frame.line_no}"

    def walk(frame, above: frozenset) -> None:
        name = label(frame)
        if not frame.is_synthetic:  # "[self]" frames are their parent's own time
            own[name] += frame.total_self_time
        path = frame.file_path or ""
        project = "/otklik/" in path and "site-packages" not in path
        if project and name not in above:
            total[name] += frame.time
            above = above | {name}
        for child in frame.children:
            walk(child, above)

    root = session.root_frame()
    if root is not None:
        walk(root, frozenset())

    def ranked(values, below: float):
        return sorted(((s, n) for n, s in values.items() if s < below), reverse=True)[:top]

    # The middleware every request passes through holds all of the time: left out.
    everything = root.time if root is not None else 0
    return ranked(own, float("inf")), ranked(total, 0.9 * everything)


def profile(filer: Filer, path: str, n: int, top: int, tree: bool) -> tuple[float, object]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    began = time.perf_counter()
    with profiler:
        for i in range(n):
            filer.file(path, 10_000 + i)
    elapsed = time.perf_counter() - began
    if tree:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return elapsed, profiler.last_session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="filings profiled per path")
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--top", type=int, default=8, help="frames shown per ranking")
    parser.add_argument("--tree", action="store_true", help="also print pyinstrument's tree")
    parser.add_argument("--sql", action="store_true", help="print the counted filing's SQL")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (make bench-smoke)")
    args = parser.parse_args()
    if args.smoke:
        args.n, args.top = 3, 3
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    unknown = set(paths) - set(PATHS)
    if unknown:
        raise SystemExit(f"unknown path {', '.join(sorted(unknown))}; known: {', '.join(PATHS)}")
    db = os.environ.get("BENCH_DB", "otklik_bench_profile")
    pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    seeded = setup(db, pg_url)
    filer = Filer(seeded)
    print(f"database {db}; {args.n} filings per path; load average {os.getloadavg()[0]:.2f}")
    summary = []
    for path in paths:
        for i in range(3):  # imports, per-process caches, the year's number row
            filer.file(path, 1_000 + i)
        print(f"== {path}")
        queries = queries_of(filer, path, 2_000, args.sql)
        elapsed, session = profile(filer, path, args.n, args.top, args.tree)
        per = elapsed / args.n * 1000
        summary.append((path, per, queries))
        print(f"   {per:.1f} ms per filing (profiled), {queries} queries per filing")
        by_self, by_total = top_frames(session, args.top)
        print("   by self time (share of the path's time):")
        for seconds, name in by_self:
            print(f"     {seconds / elapsed * 100:5.1f} %  {name}")
        print("   project functions by total time:")
        for seconds, name in by_total:
            print(f"     {seconds / elapsed * 100:5.1f} %  {name}")
    print(f"{'path':<14} {'ms/filing':>10} {'queries':>8}")
    for path, per, queries in summary:
        print(f"{path:<14} {per:10.1f} {queries:8d}")
    intake.psql(pg_url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
