"""Faults, each on real processes or a real file system: a full disk on upload, a worker killed
in the middle of a task, PostgreSQL restarted under load, Redis gone."""

from __future__ import annotations

import contextlib
import errno
import http.client
import http.cookiejar
import io
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import redis as redis_client
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from otklik.appeals.models import Appeal, Attachment, DraftPhoto
from otklik.lib.task_recovery import LOCK_CLASS

from .blocking_worker import HOLD
from .servers import (
    Reply,
    call,
    cluster,
    copy_database,
    db_worker,
    get_status,
    gunicorn,
    manage,
    process_env,
    redis_server,
    sql,
    wait_for,
)

TEXT = "Сломанная скамейка во дворе дома 5, торчат гвозди."


# ---------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path, settings):
    """MEDIA_ROOT on a tmpfs of 64 KiB (mounted as root; CI runs as root on this machine)."""
    mount = tmp_path / "media"
    mount.mkdir()
    subprocess.run(
        [
            shutil.which("mount") or "mount",
            "-t",
            "tmpfs",
            "-o",
            "size=64k,mode=0755",
            "tmpfs",
            str(mount),
        ],
        check=True,
    )
    settings.MEDIA_ROOT = str(mount)
    try:
        yield mount
    finally:
        subprocess.run([shutil.which("umount") or "umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no room left."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 1024)
    with pytest.raises(OSError) as full:
        (disk / "probe").write_bytes(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC
    (disk / "probe").unlink(missing_ok=True)
    return filler


def jpeg(name: str, color=(120, 80, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def files_on(disk: Path) -> list[str]:
    return sorted(str(p.relative_to(disk)) for p in disk.rglob("*") if p.is_file())


def test_full_disk_refuses_the_photos_clearly_keeps_the_text_and_leaves_nothing_behind(
    client, citizen, region, municipality, category, small_disk, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    key = str(uuid.uuid4())
    form = {
        "form_key": key,
        "category": str(category.pk),
        "latitude": str(municipality.center_lat),
        "longitude": str(municipality.center_lon),
        "text": TEXT,
    }

    # The disk is full when the photos arrive.
    filler = fill(small_disk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/report/", {**form, "photos": [jpeg("a.jpg"), jpeg("b.jpg")]})
    html = response.content.decode()
    assert response.status_code == 507
    assert "нет места для фотографий" in html
    assert "прикрепите фотографии заново" in html
    assert TEXT in html
    assert not Appeal.objects.exists()
    assert not Attachment.objects.exists()
    assert not DraftPhoto.objects.exists()
    assert files_on(small_disk) == ["filler"]

    # The photos fitted as drafts (the text was missing), then the disk filled up before the
    # appeal was sent: copying them into the appeal fails, and nothing stays.
    filler.unlink()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/report/", {**form, "text": "", "photos": [jpeg("a.jpg"), jpeg("b.jpg", (9, 9, 9))]}
        )
    drafts = list(DraftPhoto.objects.values_list("pk", flat=True))
    assert response.status_code == 200
    assert len(drafts) == 2
    filler = fill(small_disk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/report/", {**form, "draft_photo": drafts})
    assert response.status_code == 507
    assert TEXT in response.content.decode()
    assert not Appeal.objects.exists()
    assert not Attachment.objects.exists()
    assert not DraftPhoto.objects.exists()
    assert files_on(small_disk) == ["filler"]

    # Room again: the same form goes through with its photos.
    filler.unlink()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/report/", {**form, "photos": [jpeg("a.jpg"), jpeg("b.jpg")]})
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appeals/{appeal.number}/"
    attachments = list(Attachment.objects.filter(appeal=appeal))
    assert len(attachments) == 2
    assert files_on(small_disk) == sorted(a.file.name for a in attachments)


# ---------------------------------------------------------------------------- a killed worker


def test_a_task_whose_worker_was_killed_runs_again_and_its_effect_happens_once(template, workdir):
    logs = workdir / "logs"
    with template.database() as url:
        env = process_env(url, workdir)
        with psycopg.connect(url, autocommit=True) as hold:
            hold.execute("SELECT pg_advisory_lock(%s)", (HOLD,))
            with db_worker(
                env, logs, name="worker-a", module="tests.production.blocking_worker"
            ) as a:
                # Half-way: the letters of the event are written (not committed) and the
                # worker waits for the test's lock, its task RUNNING.
                wait_for(
                    lambda: one(
                        url,
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND objid = %s",
                        (HOLD,),
                    ),
                    what="the worker to stop half-way",
                )
                (task_id,) = one(
                    url, "SELECT array_agg(id) FROM django_tasks_database_dbtaskresult"
                )
                (event_id,) = sql(url, "SELECT id FROM appeals_appealevent")[0]
                assert task_state(url, task_id) == ("RUNNING", ["worker-a"])
                a.kill()
                a.popen.wait(10)
        # The test's lock is released: the killed worker's backend finds its client gone and
        # rolls back, dropping the task's lease.
        wait_for(
            lambda: (
                not one(
                    url,
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s",
                    (LOCK_CLASS,),
                )
            ),
            what="the dead worker's lease to go",
        )
        assert task_state(url, task_id) == ("RUNNING", ["worker-a"])
        assert one(url, "SELECT count(*) FROM notifications_notification") == 0

        # The periodic pass puts the task back; a new worker (started meanwhile) runs it to
        # the end.
        with db_worker(env, logs, name="worker-b"):
            out = manage({**env, "TASK_RECOVERY_GRACE_SECONDS": "0"}, "run_periodic")
            assert "tasks_recovered=1" in out
            wait_for(
                lambda: (
                    one(
                        url,
                        "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                        "WHERE status NOT IN ('SUCCESSFUL', 'FAILED')",
                    )
                    == 0
                ),
                what="the queue to drain",
            )
        assert task_state(url, task_id) == ("SUCCESSFUL", ["worker-a", "worker-b"])
        assert (
            one(
                url,
                "SELECT return_value FROM django_tasks_database_dbtaskresult WHERE id = %s",
                (task_id,),
            )
            == 1
        )
        # The effect, once: the event handed over, one letter to the applicant (sent once),
        # one webhook delivery.
        assert one(url, "SELECT processed_at IS NOT NULL FROM appeals_appealevent") is True
        letters = sql(url, "SELECT event_id, state, attempts FROM notifications_notification")
        assert letters == [(event_id, "sent", 1)]
        assert one(url, "SELECT count(*) FROM notifications_webhookdelivery") == 1
        statuses = sql(
            url, "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY 1"
        )
        assert dict(statuses) == {
            "SUCCESSFUL": one(url, "SELECT count(*) FROM django_tasks_database_dbtaskresult")
        }


def one(url: str, statement: str, params: tuple = ()):
    return sql(url, statement, params)[0][0]


def task_state(url: str, task_id) -> tuple[str, list[str]]:
    return tuple(
        sql(
            url,
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
            (task_id,),
        )[0]
    )


# ---------------------------------------------------------------------------- PostgreSQL restarts


@dataclass
class Attempt:
    kind: str
    path: str
    body: bytes | None
    headers: dict
    status: int
    retry_after: str | None
    answer: bytes


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def photo_bytes(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (n % 256, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def next_request(n: int, seed: dict) -> tuple[str, str, bytes | None, dict]:
    """(kind, path, body, headers) of the n-th request of the load."""
    key = {"Idempotency-Key": uuid.uuid4().hex}
    kind = ("rest", "open311", "page", "api-read")[n % 4]
    if kind == "rest":
        body = json.dumps({"category": "potholes", "text": f"Яма №{n}", "is_public": True})
        headers = {
            **key,
            "Authorization": f"Bearer {seed['gateway_key']}",
            "Content-Type": "application/json",
        }
        return kind, "/api/v1/appeals/", body.encode(), headers
    if kind == "open311":
        fields = {
            "api_key": seed["gateway_key"],
            "service_code": "potholes",
            "lat": "52.61",
            "long": "39.59",
            "description": f"Open311: яма №{n}",
        }
        body, content_type = multipart(fields, {"media": ("pit.jpg", photo_bytes(n))})
        return kind, "/open311/v2/requests.json", body, {**key, "Content-Type": content_type}
    if kind == "page":
        return kind, "/appeals/", None, {}
    return kind, "/api/v1/appeals/public/", None, {}


def test_postgresql_restart_under_load_fails_cleanly_and_recovers_by_itself(template, workdir):
    seed, logs = template.seed, workdir / "logs"
    attempts: list[Attempt] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load(first: int, step: int) -> None:
        n = first
        while not stop.is_set():
            kind, path, body, headers = next_request(n, seed)
            n += step
            try:
                reply = call(server.url, "POST" if body else "GET", path, body, headers)
            except (OSError, http.client.HTTPException) as failure:
                # No answer at all (status 0) fails the test below, as a 500 would.
                reply = Reply(0, {}, repr(failure).encode())
            with lock:
                attempts.append(
                    Attempt(
                        kind,
                        path,
                        body,
                        headers,
                        reply.status,
                        reply.headers.get("Retry-After"),
                        reply.body,
                    )
                )

    def successes_after(mark: int) -> int:
        with lock:
            return sum(1 for a in attempts[mark:] if a.status < 300)

    def unavailable_after(mark: int) -> int:
        with lock:
            return sum(1 for a in attempts[mark:] if a.status == 503)

    with cluster() as pg, contextlib.ExitStack() as stack:
        url = f"{pg.url}/otklik"
        copy_database(f"{template.server}/{template.name}", url)
        env = process_env(url, workdir)
        server = stack.enter_context(gunicorn(env, logs, name="app", workers=1, threads=4))
        threads = [threading.Thread(target=load, args=(i, 4)) for i in range(4)]
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: successes_after(0) >= 6, what="the load to run")
            # A fast restart: the connections of the app are cut under load.
            mark = len(attempts)
            pg.restart()
            wait_for(lambda: successes_after(mark) >= 6, what="recovery after the restart")
            # Down for a while: requests get 503, then the service comes back by itself.
            pg.stop()
            mark = len(attempts)
            wait_for(lambda: unavailable_after(mark) >= 4, what="503s while PostgreSQL is down")
            assert get_status(server.url + "/health/") == 503
            pg.start()
            mark = len(attempts)
            wait_for(lambda: successes_after(mark) >= 6, what="recovery after the start")
        finally:
            stop.set()
            for thread in threads:
                thread.join()

        # Every answer was a success or a clean, retry-able 503 in the caller's format.
        odd = [
            (a.kind, a.status, a.answer[:300]) for a in attempts if a.status not in (200, 201, 503)
        ]
        assert not odd, (Counter(a.status for a in attempts), odd[:5])
        unavailable = [a for a in attempts if a.status == 503]
        assert unavailable
        for attempt in unavailable:
            assert attempt.retry_after == "5"
            if attempt.kind in ("rest", "api-read"):
                answer = json.loads(attempt.answer)
                assert answer["error"] == "database_unavailable"
                assert "базой данных" in answer["message_ru"]
                assert "database" in answer["message_en"]
            elif attempt.kind == "open311":
                (answer,) = json.loads(attempt.answer)
                assert answer["code"] == 503
                assert "базой данных" in answer["description"]
            else:
                assert "Сервис временно недоступен" in attempt.answer.decode()

        # A refused filing retried with its key after recovery is taken once.
        filings = [a for a in attempts if a.kind in ("rest", "open311")]
        for attempt in filings:
            if attempt.status == 503:
                retry = call(server.url, "POST", attempt.path, attempt.body, attempt.headers)
                assert retry.status == 201, retry.answer[:300]
                attempt.status, attempt.answer = retry.status, retry.body
        numbers = []
        for attempt in filings:
            answer = json.loads(attempt.answer)
            numbers.append(
                answer[0]["service_request_id"] if attempt.kind == "open311" else answer["number"]
            )
        assert len(set(numbers)) == len(filings)
        assert one(url, "SELECT count(*) FROM appeals_appeal") == len(filings)

        # Nothing half-written: each appeal has its number and its submitted event; each
        # attachment row its file, each file its row.
        assert {n for (n,) in sql(url, "SELECT number FROM appeals_appeal")} == set(numbers)
        assert (
            one(
                url,
                "SELECT count(*) FROM appeals_appeal a WHERE NOT EXISTS (SELECT 1 FROM "
                "appeals_appealevent e WHERE e.appeal_id = a.id AND e.action = 'submit')",
            )
            == 0
        )
        open311 = sum(1 for a in filings if a.kind == "open311")
        rows = sorted(name for (name,) in sql(url, "SELECT file FROM appeals_attachment"))
        assert len(rows) == open311
        media = workdir / "media"
        assert files_on(media) == rows


# ---------------------------------------------------------------------------- Redis gone


def portal_filing(base: str, email: str, password: str, category: int, text: str) -> str:
    """Log in and file through the report form as a browser does; the appeal's page address."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, page: str, fields: dict):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(base + path, data=data, headers={"Referer": base + path})
        return browser.open(request, timeout=30)

    login = browser.open(base + "/accounts/login/", timeout=30).read().decode()
    post("/accounts/login/", login, {"username": email, "password": password}).read()
    form = browser.open(base + "/report/", timeout=30).read().decode()
    key = re.search(r'name="form_key" value="([^"]+)"', form).group(1)
    fields = {
        "form_key": key,
        "category": str(category),
        "latitude": "52.61",
        "longitude": "39.59",
        "text": text,
        "confirm_new": "1",
    }
    with post("/report/", form, fields) as answer:
        assert answer.status == 200
        return answer.url


def file_until_throttled(base: str, key: str, limit: int, filed: list[int]) -> list[int]:
    """File with a rate-limited key until it should answer 429; the statuses. `filed` collects
    the numbers of the appeals made. The limit counts per minute: the requests are sent in the
    first 50 seconds of one."""
    wait_for(lambda: time.time() % 60 < 50, timeout=15, what="a minute with time to spare")
    window = int(time.time() // 60)
    headers = {"Authorization": f"Bearer {key}"}
    statuses = []
    for n in range(limit + 1):
        body = {"category": "potholes", "text": f"Яма №{n}"}
        reply = call(base, "POST", "/api/v1/appeals/", body, headers)
        statuses.append(reply.status)
        if reply.status == 201:
            filed.append(reply.json()["number"])
    assert int(time.time() // 60) == window, "the minute turned over: the check is void"
    return statuses


def test_without_redis_appeals_are_still_taken_and_rate_limits_still_hold(template, workdir):
    seed, logs = template.seed, workdir / "logs"
    with template.database() as url, contextlib.ExitStack() as stack:
        first = stack.enter_context(redis_server(logs))
        port = first.port
        redis = redis_client.Redis(host="127.0.0.1", port=port)
        env = process_env(
            url, workdir, REDIS_URL=f"redis://127.0.0.1:{port}/0", REDIS_RETRY_AFTER="0.2"
        )
        # One process: the fallback's counts are per process.
        app = stack.enter_context(gunicorn(env, logs, name="app", workers=1))
        filed: list[int] = []
        # Redis up: the limit (3 a minute) is counted there.
        assert file_until_throttled(app.url, seed["limited_key"], 3, filed) == [201, 201, 201, 429]
        assert redis.keys("*api-rate*")

        first.kill()
        first.popen.wait(10)
        # Redis gone: the portal and the API take appeals, pages are served, and the limit
        # starts over in the process's memory and holds again.
        page = portal_filing(
            app.url,
            seed["citizens"][0],
            seed["password"],
            seed["category"],
            "Разбитый тротуар у школы",
        )
        assert re.search(r"/appeals/48-\d{4}-\d+/$", page)
        assert file_until_throttled(app.url, seed["limited_key"], 3, filed) == [201, 201, 201, 429]
        headers = {"Authorization": f"Bearer {seed['gateway_key']}"}
        body = {"category": "potholes", "text": "Яма во дворе"}
        assert call(app.url, "POST", "/api/v1/appeals/", body, headers).status == 201
        for path in ("/", "/appeals/", "/health/"):
            assert call(app.url, "GET", path).status == 200
        assert one(url, "SELECT count(*) FROM appeals_appeal") == len(filed) + 2

        # Redis back on the same address: used again.
        stack.enter_context(redis_server(logs, port=port))
        redis = redis_client.Redis(host="127.0.0.1", port=port)
        assert not redis.keys("*")

        def used_again():
            call(app.url, "GET", "/api/v1/appeals/public/", headers=headers)
            return redis.keys("*api-rate*")

        wait_for(used_again, timeout=20, what="the app to use Redis again")
        assert "Traceback" not in app.process.tail(100_000)
