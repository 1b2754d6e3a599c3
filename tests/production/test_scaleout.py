"""Two app instances and two task workers on one PostgreSQL database and one Redis, driven
concurrently:
no appeal lost or doubled, every task run once, every effect (letters, webhooks) once."""

from __future__ import annotations

import contextlib
import http.server
import threading
import urllib.parse
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from .servers import call, db_worker, gunicorn, process_env, redis_server, sql, wait_for

SERVICE, OPEN311, CITIZEN = 8, 8, 6
ANSWER = "Яма заделана горячим асфальтом, участок дороги проверен мастером участка."


class WebhookReceiver(http.server.ThreadingHTTPServer):
    """Counts the deliveries it gets by X-Otklik-Delivery."""

    def __init__(self):
        self.deliveries: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.deliveries[self.headers["X-Otklik-Delivery"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@contextlib.contextmanager
def webhook_receiver():
    receiver = WebhookReceiver()
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()


def filed_twice(first, second, path, body, headers) -> dict:
    """A filing on one instance and its retry with the same Idempotency-Key on the other:
    the same answer both times."""
    headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
    one = call(first, "POST", path, body, headers)
    two = call(second, "POST", path, body, headers)
    assert one.status in (200, 201), one.body[:500]
    assert (two.status, two.body) == (one.status, one.body)
    return one.json()


def test_two_instances_and_two_workers_lose_and_double_nothing(template, workdir):
    seed = template.seed
    logs = workdir / "logs"
    gateway = {"Authorization": f"Bearer {seed['gateway_key']}"}
    operator = {"Authorization": f"Bearer {seed['operator_key']}"}
    executor = {"Authorization": f"Bearer {seed['executor_key']}"}
    with contextlib.ExitStack() as stack:
        receiver = stack.enter_context(webhook_receiver())
        url = stack.enter_context(template.database())
        sql(url, "UPDATE notifications_webhooksubscription SET url = %s", (receiver.url,))
        redis = stack.enter_context(redis_server(logs))
        env = process_env(url, workdir, REDIS_URL=f"redis://127.0.0.1:{redis.port}/0")
        a = stack.enter_context(gunicorn(env, logs, name="app-a", workers=1, wait=False))
        b = stack.enter_context(gunicorn(env, logs, name="app-b", workers=1, wait=False))
        stack.enter_context(db_worker(env, logs, name="worker-1"))
        stack.enter_context(db_worker(env, logs, name="worker-2"))
        a.wait_up()
        b.wait_up()
        instances = [a.url, b.url]

        def service_case(n: int) -> str:
            """A service files through REST, the operator registers, the executor answers."""
            first, second = instances[n % 2], instances[(n + 1) % 2]
            body = {
                "category": "potholes",
                "text": f"Яма на дороге №{n}",
                "latitude": 52.61 + n * 0.001,
                "longitude": 39.59,
                "contact_email": f"resident{n}@example.ru",
                "external_source": "crm",
                "external_id": f"crm-{n}",
            }
            number = filed_twice(first, second, "/api/v1/appeals/", body, gateway)["number"]
            registered = call(
                second,
                "POST",
                f"/api/v1/moderation/{number}/register",
                {"category": "potholes", "executor_id": seed["organization"]},
                {**operator, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert registered.status == 200, registered.body[:500]
            form = urllib.parse.urlencode(
                {"text": ANSWER, "resolution": "solved", "acknowledged": "true"}
            )
            answered = call(
                first,
                "POST",
                f"/api/v1/work/{number}/answer",
                form,
                {**executor, "Content-Type": "application/x-www-form-urlencoded"},
            )
            assert answered.status == 201, answered.body[:500]
            return number

        def open311_case(n: int) -> str:
            first, second = instances[n % 2], instances[(n + 1) % 2]
            form = urllib.parse.urlencode(
                {
                    "api_key": seed["gateway_key"],
                    "service_code": "potholes",
                    "lat": f"{52.60 + n * 0.001:.5f}",
                    "long": "39.58",
                    "description": f"Open311: яма №{n}",
                    "email": f"open311-{n}@example.ru",
                }
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            filed = filed_twice(first, second, "/open311/v2/requests.json", form, headers)
            number = filed[0]["service_request_id"]
            key = urllib.parse.urlencode({"api_key": seed["gateway_key"]})
            read = call(second, "GET", f"/open311/v2/requests/{number}.json?{key}")
            assert read.status == 200, read.body[:300]
            return number

        def citizen_case(n: int) -> str:
            key = {"Authorization": f"Bearer {seed['citizen_keys'][n % 4]}"}
            first, second = instances[n % 2], instances[(n + 1) % 2]
            body = {"category": "potholes", "text": f"Не горит фонарь №{n}"}
            number = filed_twice(first, second, "/api/v1/appeals/", body, key)["number"]
            mine = call(second, "GET", "/api/v1/appeals/", headers=key)
            assert mine.status == 200, mine.body[:300]
            assert number in {item["number"] for item in mine.json()["items"]}
            assert call(first, "GET", f"/api/v1/appeals/{number}", headers=key).status == 200
            return number

        def pages(n: int) -> None:
            for path in ("/", "/appeals/", "/map/"):
                page = call(instances[n % 2], "GET", path)
                assert page.status == 200, (path, page.status)

        with ThreadPoolExecutor(8) as pool:
            jobs = [pool.submit(service_case, n) for n in range(SERVICE)]
            jobs += [pool.submit(open311_case, n) for n in range(OPEN311)]
            jobs += [pool.submit(citizen_case, n) for n in range(CITIZEN)]
            reads = [pool.submit(pages, n) for n in range(4)]
            numbers = [job.result() for job in jobs]
            for read in reads:
                read.result()

        def drained():
            left = one(
                url,
                "SELECT (SELECT count(*) FROM django_tasks_database_dbtaskresult"
                "        WHERE status IN ('READY', 'RUNNING'))"
                " + (SELECT count(*) FROM appeals_appealevent WHERE processed_at IS NULL)"
                " + (SELECT count(*) FROM notifications_webhookdelivery WHERE state = 'pending')",
            )
            return left == 0

        wait_for(drained, timeout=60, what="the task queue to drain")

        # Appeals: one per filing, numbers and external ids unique, each with its events.
        total = SERVICE + OPEN311 + CITIZEN
        assert len(set(numbers)) == total
        assert one(url, "SELECT count(*) FROM appeals_appeal") == total
        assert one(url, "SELECT count(DISTINCT number) FROM appeals_appeal") == total
        assert (
            one(
                url,
                "SELECT count(DISTINCT external_id) FROM appeals_appeal WHERE external_id <> ''",
            )
            == SERVICE
        )
        assert one(url, "SELECT count(*) FROM appeals_appeal WHERE external_id <> ''") == SERVICE
        per_action = dict(
            sql(url, "SELECT action, count(*) FROM appeals_appealevent GROUP BY action")
        )
        assert per_action["submit"] == total
        assert per_action["register"] == SERVICE
        assert per_action["submit_answer"] == SERVICE
        assert (
            one(
                url,
                "SELECT count(*) FROM appeals_appeal a WHERE NOT EXISTS (SELECT 1 FROM "
                "appeals_appealevent e WHERE e.appeal_id = a.id AND e.action = 'submit')",
            )
            == 0
        )

        # Tasks: all finished successfully, each claimed by one worker only.
        statuses = dict(
            sql(url, "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY 1")
        )
        assert set(statuses) == {"SUCCESSFUL"}, statuses
        assert (
            one(
                url,
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE jsonb_array_length(worker_ids) <> 1",
            )
            == 0
        )
        workers = {
            w
            for (w,) in sql(
                url, "SELECT DISTINCT worker_ids->>0 FROM django_tasks_database_dbtaskresult"
            )
        }
        assert workers <= {"worker-1", "worker-2"}

        # Letters: one task per letter, each letter sent once.
        letters = sql(url, "SELECT id, state, attempts FROM notifications_notification")
        assert letters, "the citizens' filings write to them"
        assert {(state, attempts) for _pk, state, attempts in letters} == {("sent", 1)}
        assert sorted(task_args(url, "send_notification")) == sorted(pk for pk, *_ in letters)

        # Webhooks: one delivery per event, one task per delivery, each received once.
        deliveries = sql(url, "SELECT id, state, attempts FROM notifications_webhookdelivery")
        assert len(deliveries) == one(url, "SELECT count(*) FROM appeals_appealevent")
        assert {(state, attempts) for _pk, state, attempts in deliveries} == {("delivered", 1)}
        assert sorted(task_args(url, "deliver_webhook")) == sorted(pk for pk, *_ in deliveries)
        assert receiver.deliveries == Counter({str(pk): 1 for pk, *_ in deliveries})
        for server in (a, b):
            assert "Traceback" not in server.process.tail(100_000)


def one(url: str, statement: str):
    return sql(url, statement)[0][0]


def task_args(url: str, name: str) -> list[int]:
    """The first argument of every task `name` in the queue (an id)."""
    return [
        int(pk)
        for (pk,) in sql(
            url,
            "SELECT args_kwargs->'args'->>0 FROM django_tasks_database_dbtaskresult "
            "WHERE task_path LIKE %s",
            (f"%.{name}",),
        )
    ]
