"""The nginx configurations agree with the app: upload limits, proxy headers the settings trust,
internal-only endpoints, static files from STATIC_ROOT, media the app would not show not served."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from otklik.appeals.models import Attachment, DraftPhoto, attachment_path, draft_photo_path
from otklik.control.models import InstructionAttachment, instruction_file_path
from tests.deploy.files import (
    DOCKER_NGINX,
    ENV_EXAMPLE,
    NGINX,
    NGINX_PROXY,
    env_file,
    nginx_directives,
    nginx_locations,
)

PROXY_SNIPPET = "/etc/nginx/snippets/otklik-proxy.conf"


def megabytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([mMkK]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


@pytest.mark.parametrize("path", [NGINX, DOCKER_NGINX], ids=["production", "compose"])
def test_the_body_limit_takes_every_photo_of_an_appeal(path):
    (limit,) = nginx_directives(path, "client_max_body_size")
    photos = settings.UPLOAD_MAX_BYTES * settings.UPLOAD_MAX_FILES
    # Room for the form's fields and the multipart framing, and not much more.
    assert photos < megabytes(limit) <= photos + 4 * 1024 * 1024


@pytest.mark.parametrize("path", [NGINX_PROXY, DOCKER_NGINX], ids=["production", "compose"])
def test_the_proxy_sends_the_headers_the_app_reads(path):
    headers = dict(line.split(None, 1) for line in nginx_directives(path, "proxy_set_header"))
    # SECURE_PROXY_SSL_HEADER with HTTPS=1 is ("HTTP_X_FORWARDED_PROTO", "https").
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"  # TRUSTED_PROXIES=1
    assert headers["X-Request-ID"] == "$request_id"
    assert headers["Host"] == "$host"
    # Keep-alive connections to the instances.
    assert nginx_directives(path, "proxy_http_version") == ["1.1"]
    assert headers["Connection"] == '""'


def test_every_proxied_location_uses_the_proxy_settings():
    for where, body in nginx_locations(NGINX).items():
        if "proxy_pass" in body:
            assert f"include {PROXY_SNIPPET};" in body, where


def test_http_only_redirects_and_https_sends_hsts():
    text = NGINX.read_text()
    plain, tls = text.split("listen 443", 1)
    assert "return 301 https://$host$request_uri;" in plain
    assert "proxy_pass" not in plain
    assert 'Strict-Transport-Security "max-age=31536000; includeSubDomains; preload" always' in tls
    # Every location that sets its own headers repeats HSTS (add_header is not inherited then).
    for where, body in nginx_locations(NGINX).items():
        if "add_header" in body:
            assert "Strict-Transport-Security" in body, where


def test_readiness_and_metrics_are_for_the_internal_network_only():
    assert reverse("ready") == "/ready/"
    assert reverse("metrics") == "/metrics"
    locations = nginx_locations(NGINX)
    internal = [where for where in locations if re.match(r"= /(ready/|metrics)", where)]
    assert {"= /ready/", "= /metrics", "= /metrics/1", "= /metrics/2"} <= set(internal)
    for where in internal:
        assert "if ($otklik_internal = 0)" in locations[where], where
        assert "return 404;" in locations[where], where
    geo = re.search(r"geo \$otklik_internal \{([^}]*)\}", NGINX.read_text()).group(1)
    assert re.search(r"(?m)^\s*default 0;", geo)
    compose = nginx_locations(DOCKER_NGINX)
    for where in ("= /ready/", "= /metrics"):
        assert "deny all;" in compose[where]


def test_static_files_come_from_static_root_with_a_long_cache():
    found, _commented = env_file(ENV_EXAMPLE)
    static = nginx_locations(NGINX)[settings.STATIC_URL]
    assert f"alias {found['STATIC_ROOT']}/;" in static
    assert "max-age=31536000, immutable" in static


def test_only_public_media_are_served_from_the_disk():
    found, _commented = env_file(ENV_EXAMPLE)
    locations = nginx_locations(NGINX)
    # Photos and documents of appeals and instructions: served by the app to anyone with the
    # link, so nginx may serve them; the file names carry no personal data.
    photo = Attachment(kind=Attachment.Kind.PHOTO, sha256="ab" * 32)
    document = InstructionAttachment(content_type="application/pdf", sha256="cd" * 32)
    for path in (attachment_path(photo, "x.jpg"), instruction_file_path(document, "x.pdf")):
        folder = path.split("/", 1)[0]
        assert f"alias {found['MEDIA_ROOT']}/{folder}/;" in locations[f"/media/{folder}/"]
    # Photos of unsent reports are their owner's only (a checked view shows them): nginx must
    # not serve their folder, nor anything else under /media/.
    draft = draft_photo_path(DraftPhoto(owner_id=1, sha256="ef" * 32), "x.jpg")
    assert f"/media/{draft.split('/', 1)[0]}/" not in locations
    assert locations["/media/"].strip() == "return 404;"
    assert nginx_locations(DOCKER_NGINX)["/media/"].strip() == "return 404;"
