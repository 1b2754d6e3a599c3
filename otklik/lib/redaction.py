"""Secrets out of the access logs: key and token query values, signed-link path segments.

Used by our own access line (otklik/ops/middleware.py) and by gunicorn's
(otklik/ops/gunicorn_logging.py), so that neither keeps an `api_key`, a password-reset or
e-mail confirmation token, a follow-up questionnaire's link or an Open311 request token.
"""

from __future__ import annotations

import re

HIDDEN = "…"
# A query parameter whose name says it is a credential: api_key, key, token, access_token,
# signature, password… (case-insensitive; the name may end in it: idempotency_key, auth_token).
SECRET_QUERY = re.compile(
    r"(?i)(?P<name>(?:^|(?<=[?&;]))[\w.\-\[\]]*(?:key|token|secret|signature|sig|password|passwd)"
    r"(?:%5B%5D|\[\])?=)(?P<value>[^&;#\s]*)"
)
# Path segments that are credentials (signed links), whatever comes before the path.
SECRET_PATHS = (
    # /accounts/password/reset/<uidb64>/<token>/ (not its «sent/» and «complete/» pages)
    (re.compile(r"(/password/reset/)(?!sent/|complete/)[^/?#\s]+/[^/?#\s]+"), r"\1…/…"),
    # /accounts/confirm/<token>/ (not «resend/»)
    (re.compile(r"(/accounts/confirm/)(?!resend/)[^/?#\s]+"), r"\1…"),
    # the follow-up questionnaire's link /q/<token>/
    (re.compile(r"(^|\s|//[^/\s]+)(/q/)[^/?#\s]+"), r"\1\2…"),
    # Open311's request token /open311/v2/tokens/<token>.<fmt>
    (re.compile(r"(/open311/v2/tokens/)[^/?#\s]+?(\.(?:xml|json))?(?=$|[?#\s])"), r"\1…\2"),
)


def redact_query(query: str) -> str:
    """A query string (without «?») with the values of credential parameters hidden."""
    if not query:
        return query
    return SECRET_QUERY.sub(lambda m: m.group("name") + HIDDEN, query)


def redact_path(path: str) -> str:
    """A path (or a request line, or a URL) with signed-link segments hidden."""
    if not path:
        return path
    for pattern, replacement in SECRET_PATHS:
        path = pattern.sub(replacement, path)
    return path


def redact_url(text: str) -> str:
    """A request line («GET /p?q HTTP/1.1»), a path with its query, or a full URL: both the
    path's signed segments and the query's credentials hidden."""
    if not text:
        return text
    head, mark, rest = text.partition("?")
    if not mark:
        return redact_path(text)
    query, space, tail = rest.partition(" ")
    return f"{redact_path(head)}?{redact_query(query)}{space}{tail}"
