"""Load: mixed citizen, executor and API traffic at a stated rate on gunicorn and PostgreSQL,
with the memory of every server process at the start and the end.

Drops and creates a throwaway PostgreSQL database (BENCH_DB, default otklik_bench_load), builds
a small demo region in it (`build_demo --appeals N`), collects static files into a temporary
directory, starts gunicorn (gthread workers, keep-alive, no --max-requests so that a leak would
show) and one `db_worker`, each in its own process group, on loopback only. Then it sends
requests open-loop: arrivals are a Poisson process at --rate requests a second (seeded), each
picked from the mix below and sent by a pool of threads, each with its own keep-alive
connection (http.client). Latency is counted from the moment a request was due, so a server
that falls behind shows it instead of slowing the driver down.

    citizens   public pages, the appeal list, a public appeal, «report a problem» (the form,
               then filing it with CSRF and a session, sometimes with a photo, confirming a new
               appeal when similar ones are shown), «my appeals» and their own appeal's page
    executors  the office inbox and appeal page (session), the API inbox, answering an appeal
               through the API with a photo of the result
    operators  registering appeals the bench filed through the moderation API, sent to the
               demo executor's organization (so that executors always have work to answer)
    API        Open311 GETs (services, requests, one request), REST filing with an
               Idempotency-Key, the public REST list, a citizen reading their appeal, KPIs and
               the ranking (analytics)

It prints, per request type, per kind and in total: requests, throughput, p50/p95/p99, errors
by status (anything but 2xx/3xx, and connection errors), the resident memory (VmRSS from
/proc) of the gunicorn master and each worker and of the task worker after the warm-up and at
the end, the growth, the appeals filed against the answers that said so, and the task queue.
Then the server's CPU milliseconds per request type (bench/load_search.py: each type sent alone,
--cpu-requests times, the gunicorn processes' CPU time read around it). Any error, or appeals
made that differ from the answers that said so, ends it with exit status 1. Ctrl-C stops it and
its servers cleanly.

    .venv/bin/python bench/load.py [--rate 20] [--duration 600] [--appeals 3000]
        [--workers 2] [--threads 4] [--concurrency 48] [--port 8767] [--reuse-db]

--find-rate searches for the highest open-loop rate with p95 < 300 ms, p99 < 1 s and no errors:
doubling from --rate, then bisection, --duration seconds per trial (at most --max-trials trials
and --search-minutes), and prints the trials and the rate found. --smoke is a tiny run for
`make bench-smoke` (a small region, a few seconds at a low rate, 2 requests per type for CPU).
The rate limits are settings the bench passes to the server (LIMITS), never reached.

PostgreSQL is reached as PG_URL (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake import BIN, LIMITS, ROOT, manage, percentile, psql, wait_until_up
from load_search import cpu_table, find_rate

PASSWORD = "bench-load-2026"  # noqa: S105 (throwaway users of a throwaway database)
CITIZENS = 20

# (kind, label, weight): the share of each request type in the traffic.
MIX = [
    ("citizen", "home", 7),
    ("citizen", "appeal list", 7),
    ("citizen", "public appeal", 8),
    ("citizen", "municipalities", 2),
    ("citizen", "report form", 4),
    ("citizen", "file (portal)", 4),
    ("citizen", "my appeals", 4),
    ("citizen", "own appeal", 4),
    ("executor", "office inbox", 7),
    ("executor", "office appeal", 7),
    ("executor", "api inbox", 3),
    ("executor", "answer (api)", 2),
    ("operator", "register (api)", 2),
    ("api", "open311 services", 4),
    ("api", "open311 requests", 6),
    ("api", "open311 request", 4),
    ("api", "file (rest)", 4),
    ("api", "public list (rest)", 5),
    ("api", "own appeal (rest)", 3),
    ("api", "kpis", 3),
    ("api", "ranking", 2),
]

SETUP = """
import json
from django.utils import timezone
from otklik.accounts.models import Membership, User
from otklik.appeals.forms import reportable_categories
from otklik.appeals.models import Appeal
from otklik.demo.region import DEMO_PASSWORD
from otklik.directory.models import Region

region = Region.objects.get(code="48")
citizens = []
for i in range(%(citizens)d):
    email = f"bench{i}@load.example"
    if not User.objects.filter(email=email).exists():
        user = User.objects.create_user(email=email, password=%(password)r,
                                        full_name=f"Нагрузочный Тест {i}")
        if hasattr(user, "email_confirmed_at"):
            user.email_confirmed_at = timezone.now()
            user.save(update_fields=["email_confirmed_at"])
    citizens.append(email)
public = list(Appeal.objects.public().filter(region=region, latitude__isnull=False)
              .order_by("-pk").values_list("number", "latitude", "longitude")[:400])
categories = [(c.pk, c.code) for c in reportable_categories()]
executor_org = Membership.objects.filter(user__email="executor@demo.otklik.ru",
                                         organization__isnull=False).values_list(
                                         "organization_id", flat=True).first()
print(json.dumps({"region": region.pk, "citizens": citizens, "public": public,
                  "categories": categories, "demo_password": DEMO_PASSWORD,
                  "executor_org": executor_org}))
"""

COUNTS = """
import json
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from otklik.appeals.models import Answer, Appeal
tasks = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")))
print(json.dumps({"appeals": Appeal.objects.count(), "answers": Answer.objects.count(),
                  "tasks": tasks}))
"""


# ---------------------------------------------------------------------------- processes


def manage_json(env: dict, code: str) -> dict:
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"manage.py shell failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def start(command: list[str], env: dict, log) -> subprocess.Popen:
    """A server in its own process group, so that stopping it stops its children too."""
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(grace)
    except ProcessLookupError:
        pass


def rss(pid: int) -> float | None:
    """VmRSS of one process in MB (None if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def memory(gunicorn: subprocess.Popen, worker: subprocess.Popen) -> dict[str, tuple[int, float]]:
    """name → (pid, RSS MB) of the gunicorn master, each gunicorn worker and the task worker
    (the db_worker's own children too, if it has any)."""
    found = {"gunicorn master": (gunicorn.pid, rss(gunicorn.pid))}
    for i, pid in enumerate(sorted(children(gunicorn.pid)), 1):
        found[f"gunicorn worker {i}"] = (pid, rss(pid))
    found["db_worker"] = (worker.pid, rss(worker.pid))
    for i, pid in enumerate(sorted(children(worker.pid)), 1):
        found[f"db_worker child {i}"] = (pid, rss(pid))
    return found


# ---------------------------------------------------------------------------- HTTP


def jpeg(width: int = 800, height: int = 600) -> bytes:
    """A photo-like JPEG (noise compresses badly, as photos do) made once at start."""
    from PIL import Image

    rng = random.Random(7)
    image = Image.new("RGB", (width, height))
    image.putdata(
        [
            (rng.randrange(256), rng.randrange(90, 160), rng.randrange(60, 120))
            for _ in range(width * height)
        ]
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Session:
    """A browser: its cookies (sent by hand, so any connection can carry any session)."""

    cookies: dict = field(default_factory=dict)
    own: list = field(default_factory=list)  # numbers of the appeals it filed

    def header(self) -> dict:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def keep(self, response: http.client.HTTPResponse) -> None:
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]


class Client:
    """One keep-alive connection; reopened after an error. A connection left idle past the
    server's keep-alive timeout (gunicorn's, 2 s: between the rate search and the CPU table)
    is closed by the server; the first request on it is sent again once on a new connection,
    as a browser does. A failure on a connection in use is an error, never retried."""

    IDLE_SECONDS = 1.0

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.last_used = None

    def _reopen(self):
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def send(self, method, path, body=None, headers=None, session=None):
        headers = {"Host": "127.0.0.1", **(headers or {})}
        if session is not None:
            headers.update(session.header())
        stale = self.last_used is not None and time.monotonic() - self.last_used > self.IDLE_SECONDS
        try:
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if not stale:
                    raise
                self._reopen()
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self._reopen()
            self.last_used = None
            raise
        self.last_used = time.monotonic()
        if session is not None:
            session.keep(response)
        return response, data


def login(client: Client, email: str, password: str) -> Session:
    session = Session()
    _r, page = client.send("GET", "/accounts/login/", session=session)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": email, "password": password}
    )
    response, _data = client.send(
        "POST",
        "/accounts/login/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        session=session,
    )
    if response.status != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"login of {email} failed: {response.status}")
    return session


# ---------------------------------------------------------------------------- the traffic


class Traffic:
    """What the requests need (sessions, keys, appeal numbers) and the request of each label."""

    def __init__(self, data: dict, citizens: list[Session], executor: Session, photo: bytes):
        self.rng = random.Random(48)
        self.lock = threading.Lock()
        self.region = data["region"]
        self.public = [n for n, _lat, _lon in data["public"]]
        self.points = [(lat, lon) for _n, lat, lon in data["public"]]
        self.categories = data["categories"]
        self.citizens = citizens
        self.executor = executor
        self.photo = photo
        self.work: list[str] = []  # appeals in the executor's work, from the inbox
        self.answered: set[str] = set()
        self.seen: set[str] = set()  # appeals the executor's office inbox listed
        self.rest_own: list[str] = []
        self.executor_org = data["executor_org"]
        self.to_moderate: list[str] = []  # filed by the bench, not registered yet
        self.filed = Counter()  # "portal"/"rest" → answers that said an appeal was made
        self.open311_ids = list(self.public[:100])

    def pick(self, items):
        with self.lock:
            return self.rng.choice(items) if items else None

    def point(self) -> tuple[float, float]:
        lat, lon = self.pick(self.points)
        with self.lock:
            return lat + self.rng.uniform(-0.002, 0.002), lon + self.rng.uniform(-0.002, 0.002)

    def text(self) -> str:
        with self.lock:
            n = self.rng.randrange(1_000_000)
        return f"Нагрузочный тест №{n}: яма на проезжей части у дома, машины объезжают по тротуару"

    def run(self, client: Client, label: str) -> list[tuple[str, int]]:
        """Send the request(s) of a label; (label, status) of each."""
        return getattr(self, "r_" + re.sub(r"\W+", "_", label).strip("_"))(client)

    @staticmethod
    def get(client, label, path, session=None, headers=None):
        response, data = client.send("GET", path, headers=headers, session=session)
        return response, data, [(label, response.status)]

    # citizens ----------------------------------------------------------------

    def r_home(self, c):
        return self.get(c, "home", "/")[2]

    def r_appeal_list(self, c):
        page = self.pick(range(1, 20))
        return self.get(c, "appeal list", f"/appeals/?page={page}")[2]

    def r_public_appeal(self, c):
        return self.get(c, "public appeal", f"/appeals/{self.pick(self.public)}/")[2]

    def r_municipalities(self, c):
        return self.get(c, "municipalities", "/municipalities/")[2]

    def r_report_form(self, c):
        return self.get(c, "report form", "/report/", session=self.pick(self.citizens))[2]

    def r_my_appeals(self, c):
        return self.get(c, "my appeals", "/my/", session=self.pick(self.citizens))[2]

    def r_own_appeal(self, c):
        session = self.pick([s for s in self.citizens if s.own]) or self.pick(self.citizens)
        number = self.pick(session.own) or self.pick(self.public)
        return self.get(c, "own appeal", f"/appeals/{number}/", session=session)[2]

    def r_file_portal(self, c):
        session = self.pick(self.citizens)
        lat, lon = self.point()
        category = self.pick(self.categories)[0]
        fields = {
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            "form_key": str(uuid.uuid4()),
            "category": category,
            "latitude": f"{lat:.6f}",
            "longitude": f"{lon:.6f}",
            "address": "Липецк, ул. Московская, 12",
            "text": self.text(),
        }
        with_photo = self.pick((True, False))
        files = [("photos", "photo.jpg", self.photo)] if with_photo else []
        results = []
        for label in ("file (portal)", "file (portal): confirm new"):
            body, content_type = multipart(fields, files)
            response, data = c.send(
                "POST",
                "/report/",
                body=body,
                headers={"Content-Type": content_type},
                session=session,
            )
            location = response.headers.get("Location", "")
            if response.status == 200 and b'name="confirm_new"' in data:
                # Similar appeals nearby: the citizen says «it is a new problem» and sends again,
                # with the drafts of the photos the form now carries.
                results.append((label, 200))
                fields["confirm_new"] = "1"
                drafts = re.findall(rb'name="draft_photo" value="(\d+)"', data)
                if drafts:
                    fields["draft_photo"] = drafts[0].decode()
                files = []
                continue
            if response.status == 302 and (number := re.search(r"/appeals/([^/]+)/", location)):
                with self.lock:
                    session.own.append(number.group(1))
                    self.to_moderate.append(number.group(1))
                    self.filed["portal"] += 1
                results.append((label, 302))
            elif response.status == 200:
                results.append((label, "200 form error"))
            else:
                results.append((label, response.status))
            break
        return results

    # executors ---------------------------------------------------------------

    def r_office_inbox(self, c):
        response, data, result = self.get(
            c, "office inbox", "/office/inbox/", session=self.executor
        )
        if response.status == 200:
            numbers = re.findall(r"/office/appeals/([0-9-]+)/", data.decode("utf-8", "replace"))
            with self.lock:
                self.seen.update(numbers)
        return result

    def r_office_appeal(self, c):
        with self.lock:
            number = self.rng.choice(sorted(self.seen)) if self.seen else None
        if number is None:  # nothing seen yet: the inbox first
            return self.r_office_inbox(c)
        return self.get(c, "office appeal", f"/office/appeals/{number}/", session=self.executor)[2]

    # operators ---------------------------------------------------------------

    def r_register_api(self, c):
        with self.lock:
            number = self.to_moderate.pop(0) if self.to_moderate else None
        if number is None:
            return self.get(
                c,
                "register (api): queue, nothing new",
                "/api/v1/moderation/queue",
                headers={"Authorization": "Bearer otk_demo_operator_2026"},
            )[2]
        response, _data = c.send(
            "POST",
            f"/api/v1/moderation/{number}/register",
            body=json.dumps({"executor_id": self.executor_org}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer otk_demo_operator_2026",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        if response.status == 200:
            with self.lock:
                self.work.append(number)
        return [("register (api)", response.status)]

    def _api_inbox(self, c, label="api inbox"):
        page = self.pick(range(1, 4))
        response, data, result = self.get(
            c,
            label,
            f"/api/v1/work/inbox?status=in_progress&page={page}",
            headers={"Authorization": "Bearer otk_demo_executor_2026"},
        )
        if response.status == 200:
            numbers = [item["number"] for item in json.loads(data)["items"]]
            with self.lock:
                fresh = [n for n in numbers if n not in self.answered]
                self.work = list(dict.fromkeys(self.work + fresh))[-300:]
                self.seen.update(numbers)
        return result

    def r_api_inbox(self, c):
        return self._api_inbox(c)

    def r_answer_api(self, c):
        with self.lock:
            number = self.work.pop(self.rng.randrange(len(self.work))) if self.work else None
            if number:
                self.answered.add(number)
        if number is None:  # nothing left in work: look at the inbox instead
            return self._api_inbox(c, "answer (api): inbox, nothing to answer")
        body, content_type = multipart(
            {
                "text": "Выполнен ямочный ремонт покрытия проезжей части на площади 12 м², "
                "работы приняты комиссией, фотографии результата прилагаются.",
                "resolution": "solved",
                "acknowledged": "true",
            },
            [("files", "result.jpg", self.photo)],
        )
        response, _data = c.send(
            "POST",
            f"/api/v1/work/{number}/answer",
            body=body,
            headers={
                "Content-Type": content_type,
                "Authorization": "Bearer otk_demo_executor_2026",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        return [("answer (api)", response.status)]

    # API clients -------------------------------------------------------------

    def r_open311_services(self, c):
        return self.get(c, "open311 services", "/open311/v2/services.json")[2]

    def r_open311_requests(self, c):
        page = self.pick(range(1, 10))
        return self.get(c, "open311 requests", f"/open311/v2/requests.json?page={page}")[2]

    def r_open311_request(self, c):
        number = self.pick(self.open311_ids)
        return self.get(c, "open311 request", f"/open311/v2/requests/{number}.json")[2]

    def r_file_rest(self, c):
        lat, lon = self.point()
        body = json.dumps(
            {
                "category": self.pick(self.categories)[1],
                "text": self.text(),
                "latitude": lat,
                "longitude": lon,
                "address": "Липецк, ул. Советская, 3",
            }
        ).encode()
        response, data = c.send(
            "POST",
            "/api/v1/appeals/",
            body=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer otk_demo_citizen_2026",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        if response.status == 201:
            with self.lock:
                number = json.loads(data)["number"]
                self.rest_own.append(number)
                self.to_moderate.append(number)
                self.filed["rest"] += 1
        return [("file (rest)", response.status)]

    def r_public_list_rest(self, c):
        page = self.pick(range(1, 10))
        return self.get(c, "public list (rest)", f"/api/v1/appeals/public/?page={page}")[2]

    def r_own_appeal_rest(self, c):
        number = self.pick(self.rest_own)
        if number is None:
            return self.get(
                c,
                "own appeal (rest): list",
                "/api/v1/appeals/",
                headers={"Authorization": "Bearer otk_demo_citizen_2026"},
            )[2]
        return self.get(
            c,
            "own appeal (rest)",
            f"/api/v1/appeals/{number}",
            headers={"Authorization": "Bearer otk_demo_citizen_2026"},
        )[2]

    def r_kpis(self, c):
        return self.get(
            c,
            "kpis",
            f"/api/v1/analytics/kpis?region={self.region}&period=month",
            headers={"Authorization": "Bearer otk_demo_operator_2026"},
        )[2]

    def r_ranking(self, c):
        return self.get(
            c,
            "ranking",
            f"/api/v1/analytics/ranking?region={self.region}&period=quarter",
            headers={"Authorization": "Bearer otk_demo_operator_2026"},
        )[2]


# ---------------------------------------------------------------------------- driver


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.samples: list[str] = []
        self.finished = 0  # scheduled requests answered (or failed)

    def add(self, label: str, status, ms: float | None, detail: str = "") -> None:
        with self.lock:
            if ms is not None:
                self.latency[label].append(ms)
            self.statuses[label][status] += 1
            ok = isinstance(status, int) and 200 <= status < 400
            if not ok and len(self.samples) < 8:
                self.samples.append(f"{label}: {status} {detail}"[:300])


def drive(traffic: Traffic, port: int, rate: float, duration: float, concurrency: int, seed: int):
    """Open loop: Poisson arrivals at `rate`; returns (recorder, elapsed, unfinished)."""
    labels = [(kind, label) for kind, label, _w in MIX]
    weights = [w for _k, _l, w in MIX]
    recorder = Recorder()
    due: queue.Queue = queue.Queue()

    def sender():
        client = Client(port)
        while True:
            item = due.get()
            if item is None:
                return
            label, at = item
            wait = at - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # pacing the open loop, not synchronisation
            try:
                results = traffic.run(client, label)
            except (OSError, http.client.HTTPException) as exc:
                results = [(label, type(exc).__name__)]
            except Exception as exc:  # a bad answer the driver could not read
                results = [(label, f"driver {type(exc).__name__}")]
            ms = (time.monotonic() - at) * 1000
            for i, (name, status) in enumerate(results):
                # Timed from when it was due; a follow-up (confirming a new appeal) is counted
                # but its time is part of the first request's.
                recorder.add(name, status, ms if i == 0 else None)
            with recorder.lock:
                recorder.finished += 1

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    rng = random.Random(seed)
    began = time.monotonic()
    at = began
    scheduled = 0
    drain = 5.0  # when stopped (Ctrl-C): do not wait for a slow server
    try:
        while True:
            at += rng.expovariate(rate)
            if at - began >= duration:
                break
            label = rng.choices(labels, weights)[0][1]
            due.put((label, at))
            scheduled += 1
            ahead = at - time.monotonic() - 0.5
            if ahead > 0:
                time.sleep(ahead)
        drain = 300.0  # requests still queued or in flight are waited for, then counted
    finally:
        for _ in threads:
            due.put(None)
        deadline = time.monotonic() + drain
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    elapsed = time.monotonic() - began
    with recorder.lock:
        return recorder, elapsed, scheduled - recorder.finished


def report(recorder: Recorder, elapsed: float) -> None:
    kinds = {label: kind for kind, label, _w in MIX}

    def kind_of(label: str) -> str:
        return kinds.get(label.split(":")[0], "?")

    header = (
        f"{'kind':<9} {'request':<40} {'n':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}  by status"
    )
    print(header)
    print("-" * len(header))

    def line(kind, name, labels):
        values = [ms for label in labels for ms in recorder.latency[label]]
        statuses = Counter()
        for label in labels:
            statuses.update(recorder.statuses[label])
        n = sum(statuses.values())
        bad = {s: k for s, k in statuses.items() if not (isinstance(s, int) and 200 <= s < 400)}
        shown = ", ".join(f"{s}×{k}" for s, k in sorted(bad.items(), key=str)) or "-"
        print(
            f"{kind:<9} {name:<40} {n:6d} {n / elapsed:6.2f} {percentile(values, 0.50):7.0f} "
            f"{percentile(values, 0.95):7.0f} {percentile(values, 0.99):7.0f} "
            f"{sum(bad.values()):6d}  {shown}"
        )

    labels = sorted(recorder.statuses, key=lambda label: (kind_of(label), label))
    for label in labels:
        line(kind_of(label), label, [label])
    print("-" * len(header))
    for kind in ("citizen", "executor", "operator", "api"):
        line(kind, "all", [label for label in labels if kind_of(label) == kind])
    line("total", "", labels)
    for sample in recorder.samples:
        print(f"    e.g. {sample}")


def print_memory(before: dict, after: dict) -> None:
    print(f"{'process':<22} {'pid':>8} {'RSS start MB':>13} {'RSS end MB':>11} {'growth MB':>10}")
    for name in dict.fromkeys([*before, *after]):
        pid, start_mb = before.get(name, (None, None))
        end_pid, end_mb = after.get(name, (None, None))
        same = pid == end_pid and start_mb is not None and end_mb is not None
        growth = f"{end_mb - start_mb:+10.1f}" if same else f"{'(new pid)':>10}"
        print(
            f"{name:<22} {pid or end_pid or 0:8d} "
            f"{start_mb if start_mb is not None else float('nan'):13.1f} "
            f"{end_mb if end_mb is not None else float('nan'):11.1f} {growth}"
        )
    total_start = sum(mb for _p, mb in before.values() if mb)
    total_end = sum(mb for _p, mb in after.values() if mb)
    growth = total_end - total_start
    print(f"{'all':<22} {'':>8} {total_start:13.1f} {total_end:11.1f} {growth:+10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20, help="requests a second (default 20)")
    parser.add_argument("--duration", type=float, default=600, help="measured seconds (600)")
    parser.add_argument("--warmup", type=float, default=20, help="unmeasured seconds first")
    parser.add_argument("--appeals", type=int, default=3000, help="size of the demo region")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--concurrency", type=int, default=48, help="driver threads")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse-db", action="store_true", help="keep the database of a previous run"
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="the shared cache in Redis (REDIS_URL, as in scale-out) instead of the database",
    )
    parser.add_argument("--find-rate", action="store_true", help="search the highest good rate")
    parser.add_argument("--max-trials", type=int, default=8, help="trials of --find-rate (8)")
    parser.add_argument("--search-minutes", type=float, default=30, help="--find-rate's bound")
    parser.add_argument("--cpu-requests", type=int, default=20, help="requests per type for CPU")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (make bench-smoke)")
    args = parser.parse_args()
    if args.smoke:
        args.rate, args.duration, args.warmup, args.appeals = 4, 4, 2, min(args.appeals, 1000)
        args.workers, args.threads, args.concurrency, args.cpu_requests = 1, 2, 8, 2
        args.max_trials = 2
    if args.rate <= 0 or args.duration <= 0:
        raise SystemExit("--rate and --duration must be positive")

    db = os.environ.get("BENCH_DB", "otklik_bench_load")
    pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    scratch = Path(tempfile.mkdtemp(prefix="otklik-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "DATABASE_URL": f"{pg_url}/{db}",
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "600",
        "DATA_DIR": str(scratch / "var"),
        "STATIC_ROOT": str(scratch / "static"),
        "MEDIA_ROOT": str(scratch / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # One address plays every client here: the per-address and per-user limits meant for
        # real people would turn the bench into a test of the limits.
        **LIMITS,
        "STAFF_TWO_FACTOR": "0",  # the executor logs in with a password only
    }
    if args.redis:
        env |= {"REDIS_URL": args.redis, "CACHE_KEY_PREFIX": f"bench-load-{os.getpid()}"}
    logs = scratch / "servers.log"
    print(f"scratch directory {scratch} (server logs in {logs.name})")
    built = time.monotonic()
    if not args.reuse_db:
        print(f"database {db}: drop, create, migrate, demo region of {args.appeals} appeals")
        psql(pg_url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        psql(pg_url, f'CREATE DATABASE "{db}"')
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "createcachetable")
        subprocess.run(
            [
                str(BIN / "python"),
                "manage.py",
                "build_demo",
                "--appeals",
                str(args.appeals),
                "--no-progress",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    manage(env, "collectstatic", "--no-input", "-v", "0")
    data = manage_json(env, SETUP % {"citizens": CITIZENS, "password": PASSWORD})
    counts_before = manage_json(env, COUNTS)
    print(f"prepared in {time.monotonic() - built:.0f} s")

    with open(logs, "ab") as log:
        gunicorn = start(
            [
                str(BIN / "gunicorn"),
                "otklik.wsgi:application",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--keep-alive",
                "30",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            env,
            log,
        )
        worker = start(
            [str(BIN / "python"), "manage.py", "db_worker", "--no-startup-delay"], env, log
        )
    exit_status = 0
    try:
        wait_until_up(args.port)
        client = Client(args.port)
        citizens = [login(client, email, PASSWORD) for email in data["citizens"]]
        # The demo's executor of the roads department of Lipetsk, with the demo's password.
        executor = login(client, "executor@demo.otklik.ru", data["demo_password"])
        traffic = Traffic(data, citizens, executor, jpeg())
        traffic._api_inbox(client)
        print(
            f"sessions: {len(citizens)} citizens, 1 executor ({len(traffic.work)} appeals in "
            f"work seen); public appeals known: {len(traffic.public)}"
        )
        booted = memory(gunicorn, worker)
        if args.warmup > 0:
            drive(traffic, args.port, args.rate, args.warmup, args.concurrency, args.seed + 1)
        before = memory(gunicorn, worker)
        load = os.getloadavg()
        print(
            f"gunicorn {args.workers} gthread workers × {args.threads} threads + 1 db_worker on "
            f"PostgreSQL, loopback; open-loop Poisson arrivals at {args.rate:g} requests/s for "
            f"{args.duration:g} s after {args.warmup:g} s of warm-up, {args.concurrency} driver "
            f"threads; cache: {'Redis' if args.redis else 'database'}; CPUs: {os.cpu_count()}; "
            "load average before: "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        # The memory of every process each minute of the run: a leak grows steadily, warming
        # caches level off.
        samples: list[dict] = []
        done = threading.Event()

        def sample():
            while not done.wait(60):
                samples.append(memory(gunicorn, worker))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        trials: dict[float, tuple] = {}
        unfinished_total = 0

        def run_at(rate: float) -> tuple:
            nonlocal unfinished_total
            trials[rate] = drive(
                traffic, args.port, rate, args.duration, args.concurrency, args.seed
            )
            unfinished_total += trials[rate][2]
            return trials[rate]

        found = None
        try:
            if args.find_rate:
                found = find_rate(
                    run_at,
                    start=args.rate,
                    max_trials=args.max_trials,
                    budget_s=args.search_minutes * 60,
                )
                shown = trials[found] if found is not None else trials[max(trials)]
                print(
                    f"highest rate with p95 < 300 ms, p99 < 1 s and no errors: "
                    f"{f'{found:g} requests/s' if found is not None else 'none'}; "
                    f"the table below is of {'that' if found is not None else 'the last'} trial"
                )
                recorder, elapsed, unfinished = shown
            else:
                recorder, elapsed, unfinished = run_at(args.rate)
        finally:
            done.set()
        after = memory(gunicorn, worker)
        load = os.getloadavg()
        print(
            f"measured {elapsed:.0f} s; load average after: "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; unfinished requests: {unfinished}"
        )
        report(recorder, elapsed)
        print("memory after start (no traffic yet):")
        print_memory(booted, booted)
        print("memory after warm-up → end:")
        print_memory(before, after)
        print("RSS MB after warm-up, each minute, at the end:")
        for name, (_pid, start_mb) in before.items():
            series = [start_mb] + [m.get(name, (0, None))[1] for m in [*samples, after]]
            shown = " ".join(f"{mb:.0f}" if mb is not None else "-" for mb in series)
            print(f"  {name:<20} {shown}")
        said = traffic.filed["portal"] + traffic.filed["rest"]
        counts = manage_json(env, COUNTS)
        made = counts["appeals"] - counts_before["appeals"]
        if unfinished_total:
            verdict = "not comparable: requests were still in flight"
        else:
            verdict = "OK" if made == said else "MISMATCH"
        print(
            f"appeals made: {made}; answers that said so: {said} (portal {traffic.filed['portal']},"
            f" REST {traffic.filed['rest']}) — {verdict}; answers given: "
            f"{counts['answers'] - counts_before['answers']}; task results by status: "
            f"{counts['tasks']}"
        )
        print(f"server CPU per request type ({args.cpu_requests} of each, one at a time):")
        cpu_ok = cpu_table(
            lambda label: traffic.run(client, label),
            [label for _kind, label, _w in MIX],
            lambda: [gunicorn.pid, *children(gunicorn.pid)],
            per_label=args.cpu_requests,
        )
        failures = []
        if not unfinished_total and made != said:
            failures.append("appeals made differ from the answers that said so")
        if not cpu_ok:
            failures.append("an error answer while measuring CPU")
        if args.find_rate and found is None:
            failures.append("no rate held")
        if not args.find_rate and any(
            not (isinstance(status, int) and 200 <= status < 400)
            for statuses in recorder.statuses.values()
            for status in statuses
        ):
            failures.append("error answers in the run")
        if failures:
            print("FAILED: " + "; ".join(failures))
            exit_status = 1
    except KeyboardInterrupt:
        print("interrupted: stopping the servers")
    finally:
        stop(gunicorn)
        stop(worker)
        # The collected static files and the uploads; the servers' log stays for a look.
        for name in ("static", "media", "var"):
            shutil.rmtree(scratch / name, ignore_errors=True)
    sys.exit(exit_status)


if __name__ == "__main__":
    main()
