"""Photos of the report form: checked on upload, kept as drafts across a failed attempt, owned
by their uploader only, moved into the appeal on success and purged when abandoned."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from otklik.appeals import services
from otklik.appeals.models import Appeal, Attachment, DraftPhoto
from otklik.lib.periodic import run_once

URL = "/report/"
TEXT = "Сломанная скамейка во дворе дома 5, торчат гвозди."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def jpeg(name="photo.jpg", color=(120, 80, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def fake_jpeg(name="virus.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is text, not a photo", content_type="image/jpeg")


def data(category, municipality, key, **overrides):
    values = {
        "form_key": key,
        "category": str(category.pk),
        "latitude": str(municipality.center_lat),
        "longitude": str(municipality.center_lon),
        "text": TEXT,
    }
    values.update(overrides)
    return values


def draft_files(media):
    return sorted(media.glob("drafts/**/*.jpg"))


def test_bad_photo_is_named_and_the_good_one_is_kept_as_a_draft(
    client, citizen, region, municipality, category, media, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    key = str(uuid.uuid4())
    response = client.post(
        URL, {**data(category, municipality, key), "photos": [jpeg("good.jpg"), fake_jpeg()]}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "«virus.jpg»" in html
    assert TEXT in html
    draft = DraftPhoto.objects.get()
    assert (draft.owner, draft.form_key, draft.original_name) == (citizen, key, "good.jpg")
    assert f'name="draft_photo" value="{draft.pk}"' in html
    assert f'src="/report/photos/{draft.pk}/"' in html
    assert len(draft_files(media)) == 1
    assert not Appeal.objects.exists()

    # The next attempt carries the draft and needs no new upload.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {**data(category, municipality, key), "draft_photo": draft.pk})
    appeal = Appeal.objects.get()
    assert response["Location"] == f"/appeals/{appeal.number}/"
    attachment = Attachment.objects.get(appeal=appeal)
    assert attachment.original_name == "good.jpg"
    assert attachment.sha256 == draft.sha256
    assert attachment.uploaded_by == citizen
    assert not DraftPhoto.objects.exists()
    assert draft_files(media) == []


def test_validation_error_keeps_photos_as_drafts(client, citizen, region, municipality, category):
    client.force_login(citizen)
    key = str(uuid.uuid4())
    response = client.post(
        URL,
        {**data(category, municipality, key, latitude="", longitude=""), "photos": [jpeg()]},
    )
    assert "Отметьте место на карте" in response.content.decode()
    assert [d.pk for d in response.context["drafts"]] == list(
        DraftPhoto.objects.values_list("pk", flat=True)
    )
    assert response.context["photos_left"] == 4


def test_six_photos_are_refused_and_none_is_kept(client, citizen, region, municipality, category):
    client.force_login(citizen)
    photos = [jpeg(f"{i}.jpg", (i, i, i)) for i in range(6)]
    response = client.post(
        URL, {**data(category, municipality, str(uuid.uuid4())), "photos": photos}
    )
    assert "не более 5 фотографий" in response.content.decode()
    assert not DraftPhoto.objects.exists()
    assert not Appeal.objects.exists()


def test_drafts_count_towards_the_limit(client, citizen, region, municipality, category):
    client.force_login(citizen)
    key = str(uuid.uuid4())
    kept, _ = services.keep_draft_photos(
        owner=citizen, form_key=key, uploads=[jpeg(f"{i}.jpg", (i, 0, 0)) for i in range(4)]
    )
    response = client.post(
        URL,
        {
            **data(category, municipality, key),
            "draft_photo": [d.pk for d in kept],
            "photos": [jpeg("5.jpg"), jpeg("6.jpg")],
        },
    )
    assert "не более 5 фотографий" in response.content.decode()
    assert DraftPhoto.objects.count() == 4


def test_ticked_draft_is_removed_with_its_file(
    client, citizen, region, municipality, category, media, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    key = str(uuid.uuid4())
    kept, _ = services.keep_draft_photos(
        owner=citizen, form_key=key, uploads=[jpeg("a.jpg"), jpeg("b.jpg", (9, 9, 9))]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {
                **data(category, municipality, key),
                "draft_photo": [d.pk for d in kept],
                "remove_photo": kept[0].pk,
            },
        )
    appeal = Appeal.objects.get()
    assert response["Location"] == f"/appeals/{appeal.number}/"
    assert list(appeal.attachments.values_list("original_name", flat=True)) == ["b.jpg"]
    assert draft_files(media) == []


def test_another_citizens_drafts_are_neither_used_nor_shown(
    client, citizen, other_citizen, region, municipality, category
):
    key = str(uuid.uuid4())
    (theirs,), _ = services.keep_draft_photos(owner=other_citizen, form_key=key, uploads=[jpeg()])
    client.force_login(citizen)
    assert client.get(f"/report/photos/{theirs.pk}/").status_code == 404
    response = client.post(
        URL, {**data(category, municipality, key, text=""), "draft_photo": theirs.pk}
    )
    assert f"/report/photos/{theirs.pk}/" not in response.content.decode()
    client.post(URL, {**data(category, municipality, key), "draft_photo": theirs.pk})
    appeal = Appeal.objects.get()
    assert not appeal.attachments.exists()
    assert DraftPhoto.objects.filter(pk=theirs.pk).exists()


def test_owner_sees_own_draft_thumbnail(client, citizen):
    (draft,), _ = services.keep_draft_photos(owner=citizen, form_key="k", uploads=[jpeg()])
    client.force_login(citizen)
    response = client.get(f"/report/photos/{draft.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    client.logout()
    assert client.get(f"/report/photos/{draft.pk}/").status_code == 302


def test_submit_appeal_refuses_drafts_of_another_owner(region, citizen, other_citizen):
    from django.core.exceptions import PermissionDenied

    drafts, _ = services.keep_draft_photos(owner=other_citizen, form_key="k", uploads=[jpeg()])
    with pytest.raises(PermissionDenied):
        services.submit_appeal(region=region, text=TEXT, applicant=citizen, draft_photos=drafts)
    assert not Appeal.objects.exists()


def test_abandoned_drafts_are_purged_by_the_periodic_job(
    citizen, media, django_capture_on_commit_callbacks
):
    services.keep_draft_photos(
        owner=citizen, form_key="old", uploads=[jpeg()], now=timezone.now() - timedelta(days=2)
    )
    services.keep_draft_photos(owner=citizen, form_key="new", uploads=[jpeg()])
    assert len(draft_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert run_once()["draft_photos_purged"] == 1
    assert list(DraftPhoto.objects.values_list("form_key", flat=True)) == ["new"]
    assert len(draft_files(media)) == 1
