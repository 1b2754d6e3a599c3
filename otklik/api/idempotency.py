"""Idempotency-Key on POST requests to the API and Open311.

The first request with a key runs inside one transaction that also inserts the key's record and,
before committing, stores the response. A retry — even one sent while the first is still running
— waits on the record's unique key (PostgreSQL blocks the second insert until the first commits;
SQLite serialises writers), then replays the stored response instead of running again. So a
retried POST never creates a second appeal and always gets the first answer.

Keys belong to a client: the hash of its API key (an `Authorization` header or Open311's
`api_key`), else the logged-in user, else everyone anonymous. The same key with a different
request is refused (422); server errors and "try again" answers are not stored, so the retry runs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpResponse
from django.http.request import UnreadablePostError
from django.utils import timezone
from django.utils.translation import gettext_noop

from otklik.accounts.models import IdempotencyRecord
from otklik.accounts.tokens import hash_key, key_from_header

from .errors import error

HEADER = "Idempotency-Key"
PREFIXES = ("/api/", "/open311/")
MAX_KEY = 255
MAX_STORED_BODY = 1024 * 1024
KEEP_FOR = timedelta(hours=24)
# Answers that mean "nothing happened, try again": never replayed.
NOT_STORED = frozenset({401, 408, 409, 423, 429})
REPLAYED_HEADERS = ("Location", "ETag", "Content-Language")


def credential(request) -> str:
    """The API key a request carries: an Authorization header, or Open311's api_key."""
    key = key_from_header(request.headers.get("Authorization", ""))
    if not key:
        key = request.GET.get("api_key", "")
    if (
        not key
        and request.method == "POST"
        and request.content_type
        in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
    ):
        try:
            if int(request.META.get("CONTENT_LENGTH") or 0) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                # Kept in memory first, so that the body can still be read after the form.
                request.body  # noqa: B018
            key = request.POST.get("api_key", "")
        except (RequestDataTooBig, UnreadablePostError):
            key = ""  # the view explains it
    return key[:200]


def _owner(request) -> str:
    key = credential(request)
    if key:
        return "k:" + hash_key(key)[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return "anon"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update((request.content_type or "").encode() + b"\0")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        digest.update(request.body)
    else:
        # Large uploads are not read into memory here; their length stands for them.
        digest.update(str(length).encode())
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type or None
    )
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _answer_existing(owner: str, key: str, fingerprint: str) -> HttpResponse:
    record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if record is None or record.status_code is None:
        response = error(
            409,
            "idempotency_in_progress",
            gettext_noop("A request with this Idempotency-Key is still running; retry later."),
        )
        response["Retry-After"] = "1"
        return response
    if record.fingerprint != fingerprint:
        return error(
            422,
            "idempotency_key_reused",
            gettext_noop("This Idempotency-Key was used for a different request."),
        )
    return _replay(record)


_TABLE = IdempotencyRecord._meta.db_table
# One statement, no savepoint: a concurrent first request's row makes this one wait for its
# commit (PostgreSQL) or the write lock (SQLite), then insert nothing.
_INSERT = (
    f"INSERT INTO {_TABLE} "  # noqa: S608 (a model's table)
    "(owner, key, method, path, fingerprint, content_type, headers, body, created_at) "
    "VALUES (%s, %s, %s, %s, %s, '', %s, %s, %s) ON CONFLICT (owner, key) DO NOTHING RETURNING id"
)


def _insert(record: IdempotencyRecord) -> bool:
    """Insert the key's record; False when the key already has one."""
    record.created_at = timezone.now()
    created_at = connection.ops.adapt_datetimefield_value(record.created_at)
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT,
            [
                record.owner,
                record.key,
                record.method,
                record.path,
                record.fingerprint,
                "{}",
                b"",
                created_at,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    record.pk = row[0]
    record._state.adding = False
    return True


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(PREFIXES):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY or not key.isprintable() or not key.isascii():
            return error(
                400,
                "bad_idempotency_key",
                gettext_noop("The Idempotency-Key must be 1 to 255 printable ASCII characters."),
            )
        try:
            fingerprint = _fingerprint(request)
        except (RequestDataTooBig, UnreadablePostError):  # the view explains it
            return self.get_response(request)
        owner = _owner(request)
        with transaction.atomic():
            record = IdempotencyRecord(
                owner=owner,
                key=key,
                method=request.method,
                path=request.path[:500],
                fingerprint=fingerprint,
            )
            if not _insert(record):
                return _answer_existing(owner, key, fingerprint)
            response = self.get_response(request)
            if (
                response.status_code >= 500
                or response.status_code in NOT_STORED
                or response.streaming
                or len(response.content) > MAX_STORED_BODY
            ):
                # Nothing is kept: the request's own writes roll back with the record, and a
                # retry runs afresh.
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.headers = {h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)}
            record.body = response.content
            record.save(update_fields=["status_code", "content_type", "headers", "body"])
        return response


def purge_records(*, now: datetime | None = None, older_than: timedelta = KEEP_FOR) -> int:
    """Forget keys older than a day (run_periodic)."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
