"""Photos attached to appeals and answers: real files, decoded and re-encoded; anything that
is not a complete raster photo within the limits is refused before a row is written."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from otklik.appeals import services
from otklik.appeals.models import Answer, Appeal, AppealEvent, Attachment
from otklik.appeals.workflow import Status

TEXT = "Яма у дома 12 по улице Московской, фото приложены."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def jpeg_with_gps(size=(64, 48), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (120, 80, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "ShpionPhone"
    exif[ExifTags.Base.GPSInfo] = {1: "N", 2: (52.0, 36.0, 36.0), 3: "E", 4: (39.0, 35.0, 24.0)}
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_with_alpha() -> bytes:
    image = Image.new("RGBA", (32, 16), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 16, 16))  # the left half transparent, one JPEG block
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions: a decompression bomb's calling card."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    return bytes(data)


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def submit(region, citizen, *photos):
    return services.submit_appeal(region=region, text=TEXT, applicant=citizen, photos=photos)


def test_a_jpeg_with_gps_is_accepted_and_stored_without_exif(region, citizen, media):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    appeal = submit(region, citizen, upload("IMG_0042.jpg", original))
    [attachment] = appeal.attachments.all()
    assert (attachment.width, attachment.height) == (64, 48)
    assert attachment.content_type == "image/jpeg"
    assert attachment.original_name == "IMG_0042.jpg"
    assert attachment.uploaded_by == citizen
    assert attachment.answer is None
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(media)
    content = stored.read_bytes()
    assert attachment.size == len(content)
    assert attachment.sha256 in stored.name
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
    assert b"Exif" not in content
    assert b"ShpionPhone" not in content
    assert appeal.events.get().data["photos"] == 1


def test_a_sideways_phone_photo_is_turned_upright(region, citizen):
    appeal = submit(region, citizen, upload("side.jpg", jpeg_with_gps((40, 20), orientation=6)))
    attachment = appeal.attachments.get()
    assert (attachment.width, attachment.height) == (20, 40)


def test_a_png_with_alpha_is_accepted_on_a_white_background(region, citizen):
    appeal = submit(region, citizen, upload("scheme.png", png_with_alpha(), "image/png"))
    attachment = appeal.attachments.get()
    with Image.open(attachment.file.path) as image:
        assert image.mode == "RGB"
        assert image.size == (32, 16)
        corner, middle = image.getpixel((4, 8)), image.getpixel((28, 8))
    assert min(corner) > 240  # transparent → white
    assert middle[0] > 200 and middle[1] < 60  # red stays red


def test_a_large_photo_is_scaled_down_to_2000_pixels(region, citizen):
    out = io.BytesIO()
    Image.new("RGB", (3000, 100), (10, 10, 10)).save(out, "JPEG")
    attachment = submit(region, citizen, upload("wide.jpg", out.getvalue())).attachments.get()
    assert (attachment.width, attachment.height) == (2000, 67)


def test_the_answer_carries_its_own_evidence(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    answer = services.submit_answer(
        appeal=appeal,
        actor=executor,
        text="Яма заделана 12 июня, фото после ремонта.",
        photos=[upload("after.jpg", jpeg_with_gps())],
    )
    attachment = answer.attachments.get()
    assert (attachment.appeal, attachment.uploaded_by) == (appeal, executor)


def assert_refused(region, citizen, media, *photos, message: str):
    with pytest.raises(ValidationError) as raised:
        submit(region, citizen, *photos)
    assert raised.value.messages == [message]
    assert not Appeal.objects.exists()
    assert not Attachment.objects.exists()
    assert not AppealEvent.objects.exists()
    assert stored_files(media) == []


NOT_A_PHOTO = "Файл «{}» не подходит: загрузите фотографию в формате JPEG, PNG или WebP."


def test_a_pdf_is_refused(region, citizen, media):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert_refused(
        region,
        citizen,
        media,
        upload("act.pdf", pdf, "application/pdf"),
        message=NOT_A_PHOTO.format("act.pdf"),
    )


def test_a_text_file_named_like_a_photo_is_refused(region, citizen, media):
    assert_refused(
        region,
        citizen,
        media,
        upload("photo.jpg", "Это не фотография".encode()),
        message=NOT_A_PHOTO.format("photo.jpg"),
    )


def test_an_svg_with_a_script_is_refused(region, citizen, media):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
    )
    assert_refused(
        region,
        citizen,
        media,
        upload("map.svg", svg, "image/svg+xml"),
        message=NOT_A_PHOTO.format("map.svg"),
    )


def test_a_truncated_jpeg_is_refused(region, citizen, media):
    broken = jpeg_with_gps((200, 200))
    assert_refused(
        region,
        citizen,
        media,
        upload("cut.jpg", broken[: len(broken) // 2]),
        message=NOT_A_PHOTO.format("cut.jpg"),
    )


def test_a_corrupted_jpeg_is_refused(region, citizen, media):
    data = bytearray(jpeg_with_gps((200, 200)))
    data[400:1400] = b"\x00" * 1000
    assert_refused(
        region,
        citizen,
        media,
        upload("noise.jpg", bytes(data)),
        message=NOT_A_PHOTO.format("noise.jpg"),
    )


def test_an_empty_file_is_refused(region, citizen, media):
    assert_refused(
        region, citizen, media, upload("empty.jpg", b""), message="Файл «empty.jpg» пустой."
    )


def test_a_decompression_bomb_is_refused(region, citizen, media):
    bomb = png_claiming(50_000, 50_000)
    assert len(bomb) < 200
    assert_refused(
        region,
        citizen,
        media,
        upload("bomb.png", bomb, "image/png"),
        message="В фотографии «bomb.png» слишком много пикселей.",
    )


def test_a_photo_over_the_pixel_limit_is_refused(region, citizen, media, settings):
    settings.UPLOAD_MAX_PIXELS = 1000
    assert_refused(
        region,
        citizen,
        media,
        upload("big.jpg", jpeg_with_gps((40, 30))),
        message="В фотографии «big.jpg» слишком много пикселей.",
    )


def test_a_file_over_the_size_limit_is_refused(region, citizen, media, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    padded = jpeg_with_gps() + b"\x00" * (1024 * 1024)
    assert_refused(
        region,
        citizen,
        media,
        upload("heavy.jpg", padded),
        message="Файл «heavy.jpg» слишком большой: не более 1 МБ.",
    )


def test_more_photos_than_allowed_are_refused(region, citizen, media, settings):
    settings.UPLOAD_MAX_FILES = 2
    photos = [upload(f"p{i}.jpg", jpeg_with_gps()) for i in range(3)]
    assert_refused(
        region, citizen, media, *photos, message="Можно приложить не более 2 фотографий."
    )


def test_one_bad_photo_among_good_ones_stores_none(region, citizen, media):
    good = upload("good.jpg", jpeg_with_gps())
    bad = upload("bad.jpg", b"GIF89a broken")
    assert_refused(region, citizen, media, good, bad, message=NOT_A_PHOTO.format("bad.jpg"))


def test_a_bad_photo_in_an_answer_leaves_the_appeal_in_progress(appeal_in, executor, media):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.submit_answer(
            appeal=appeal,
            actor=executor,
            text="Яма заделана 12 июня, фото после ремонта.",
            photos=[upload("act.pdf", b"%PDF-1.4 nothing", "application/pdf")],
        )
    assert not Answer.objects.exists()
    assert Appeal.objects.get(pk=appeal.pk).status == Status.IN_PROGRESS
    assert stored_files(media) == []
