"""Media on S3-compatible storage (STORAGE_BACKEND=s3): the settings, and a real S3 API on
loopback (moto's server in a process of its own) taking an appeal's photo from the portal,
keeping it private, showing it to whom local storage would (a signed link) and to nobody else,
and keeping the private import files where any machine's worker can read them."""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from otklik.appeals import imports, services
from otklik.appeals.models import Appeal, Attachment, DraftPhoto
from otklik.lib.storage import get_private_storage
from tests.lib.fresh_settings import settings_in_subprocess

BUCKET = "otklik-media"
S3 = "storages.backends.s3.S3Storage"
TEXT = "Глубокая яма на проезжей части у дома 12 по улице Московской."


def test_s3_is_chosen_by_storage_backend_or_a_bucket_and_is_private(tmp_path):
    expression = (
        '[s.STORAGES["default"]["BACKEND"], s.STORAGES["default"].get("OPTIONS"), '
        "s.CONTENT_SECURITY_POLICY]"
    )
    env = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "otklik",
        "AWS_S3_ENDPOINT_URL": "https://storage.yandexcloud.net",
        "AWS_S3_REGION_NAME": "ru-central1",
    }
    backend, options, csp = settings_in_subprocess(env, expression, tmp_path)
    assert backend == S3
    assert options["bucket_name"] == "otklik"
    assert options["endpoint_url"] == "https://storage.yandexcloud.net"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["addressing_style"] == "path"
    # Signed links point at the storage: the page may show images from there.
    assert "img-src 'self' data: blob:" in csp
    assert "https://storage.yandexcloud.net;" in csp

    bucket_only = settings_in_subprocess({"S3_BUCKET": "otklik"}, expression, tmp_path)
    assert bucket_only[0] == S3
    assert "https://otklik.s3.amazonaws.com" in bucket_only[2]

    local = settings_in_subprocess({}, expression, tmp_path)
    assert local[0].endswith(".FileSystemStorage")
    assert local[1] is None
    assert "amazonaws" not in local[2]
    assert "yandexcloud" not in local[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    # No proxy from the environment: the server is on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except urllib.error.URLError:
        return 0, b""  # nothing listening (yet)


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on a free loopback port, ready when it answers."""
    binary = shutil.which("moto_server", path=os.path.dirname(sys.executable))
    assert binary, "moto_server is missing: pip install -e '.[test]'"
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get(f"{endpoint}/moto-api/")[0] != 200:
            assert process.poll() is None, "moto_server exited"
            assert time.monotonic() < deadline, "moto_server did not answer"
            time.sleep(0.05)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    """Media in a fresh bucket of the loopback S3, as STORAGE_BACKEND=s3 configures them."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    bucket = f"{BUCKET}-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": S3,
            "OPTIONS": {
                **settings.S3_OPTIONS,
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "addressing_style": "path",
            },
        },
    }
    client.bucket = bucket
    client.endpoint = s3_server
    return client


def jpeg(color=(120, 80, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return SimpleUploadedFile("yama.jpg", out.getvalue(), content_type="image/jpeg")


def report(client, category, municipality, **extra):
    return client.post(
        "/report/",
        {
            "form_key": str(uuid.uuid4()),
            "category": str(category.pk),
            "latitude": str(municipality.center_lat),
            "longitude": str(municipality.center_lon),
            "address": "г. Липецк, ул. Московская, 12",
            "text": TEXT,
            "photos": [jpeg()],
            **extra,
        },
    )


def signed_links(page: str, s3) -> list[str]:
    pattern = rf'src="({re.escape(s3.endpoint)}/{re.escape(s3.bucket)}/[^"]+)"'
    return [html.unescape(link) for link in re.findall(pattern, page)]


def filed_with_a_photo(client, citizen, category, municipality, operator, commits) -> Attachment:
    client.force_login(citizen)
    with commits(execute=True):  # the drafts' files are deleted once the appeal is committed
        response = report(client, category, municipality)
    appeal = Appeal.objects.get(category=category)
    assert response.status_code == 302
    assert response["Location"] == f"/appeals/{appeal.number}/"
    services.register_appeal(appeal=appeal, actor=operator)
    return Attachment.objects.get(appeal=appeal)


def test_a_portal_photo_is_a_private_object_shown_to_its_applicant_by_a_signed_link(
    client,
    citizen,
    other_citizen,
    region,
    municipality,
    category,
    operator,
    s3,
    django_capture_on_commit_callbacks,
):
    photo = filed_with_a_photo(
        client, citizen, category, municipality, operator, django_capture_on_commit_callbacks
    )
    stored = s3.get_object(Bucket=s3.bucket, Key=photo.file.name)
    body = stored["Body"].read()
    assert photo.file.name.startswith("appeals/")
    assert stored["ContentType"] == "image/jpeg"
    assert hashlib.sha256(body).hexdigest() == photo.sha256
    grants = s3.get_object_acl(Bucket=s3.bucket, Key=photo.file.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all("URI" not in g["Grantee"] for g in grants)  # no AllUsers, no AuthenticatedUsers
    # The draft's object went with the draft.
    assert not DraftPhoto.objects.exists()
    listed = s3.list_objects_v2(Bucket=s3.bucket).get("Contents", [])
    assert [o["Key"] for o in listed] == [photo.file.name]

    page = client.get(f"/appeals/{photo.appeal.number}/").content.decode()
    (link,) = signed_links(page, s3)
    assert "X-Amz-Signature=" in link or "Signature=" in link
    assert _get(link) == (200, body)
    # The object itself is not public: without the signature S3 refuses it.
    assert _get(link.split("?", 1)[0])[0] == 403

    # A public category's photos are public, as with local storage.
    client.force_login(other_citizen)
    other = client.get(f"/appeals/{photo.appeal.number}/").content.decode()
    assert len(signed_links(other, s3)) == 1


def test_photos_of_a_private_category_are_shown_to_nobody_else(
    client,
    citizen,
    other_citizen,
    region,
    municipality,
    private_category,
    operator,
    s3,
    django_capture_on_commit_callbacks,
):
    photo = filed_with_a_photo(
        client,
        citizen,
        private_category,
        municipality,
        operator,
        django_capture_on_commit_callbacks,
    )
    assert len(signed_links(client.get(f"/appeals/{photo.appeal.number}/").content.decode(), s3))
    client.force_login(other_citizen)
    response = client.get(f"/appeals/{photo.appeal.number}/")
    assert response.status_code in (200, 404)
    assert photo.file.name not in response.content.decode()
    assert s3.bucket not in response.content.decode()


def test_an_unsent_photo_is_read_back_from_s3_for_its_owner_only(
    client,
    citizen,
    other_citizen,
    region,
    municipality,
    category,
    s3,
    django_capture_on_commit_callbacks,
):
    client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):  # the request commits, as served
        response = report(client, category, municipality, latitude="", longitude="")
    assert response.status_code == 200  # the missing pin keeps the photo as a draft
    draft = DraftPhoto.objects.get()
    assert s3.head_object(Bucket=s3.bucket, Key=draft.file.name)["ContentLength"] == draft.size
    thumbnail = client.get(f"/report/photos/{draft.pk}/")
    assert thumbnail.status_code == 200
    assert hashlib.sha256(b"".join(thumbnail.streaming_content)).hexdigest() == draft.sha256
    client.force_login(other_citizen)
    assert client.get(f"/report/photos/{draft.pk}/").status_code == 404


def test_import_files_are_kept_privately_in_the_bucket_for_any_worker(
    region, operator, s3, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = imports.create_batch(
            region=region,
            source="crm",
            upload=SimpleUploadedFile("export.json", b"[]", content_type="application/json"),
            created_by=operator,
        )
    assert get_private_storage().location == "private"
    key = f"private/{batch.file.name}"
    assert s3.get_object(Bucket=s3.bucket, Key=key)["Body"].read() == b"[]"
    grants = s3.get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]
    assert all("URI" not in g["Grantee"] for g in grants)
    # The worker reads it back through the storage, not from a local path.
    assert imports.run_batch(batch.pk) == "done"
