"""A JPEG far larger than MAX_SIDE is decoded at a reduced scale and still comes out right."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from otklik.lib.images import MAX_SIDE, reencode_image

LIMITS = {"max_bytes": 50 * 1024 * 1024, "max_pixels": 60_000_000}


def _jpeg(width: int, height: int, *, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def test_large_jpeg_is_scaled_to_max_side_keeping_its_shape():
    done = reencode_image(SimpleUploadedFile("big.jpg", _jpeg(6000, 4000)), **LIMITS)
    assert (done.width, done.height) == (MAX_SIDE, round(4000 * MAX_SIDE / 6000))
    with Image.open(io.BytesIO(done.content)) as image:
        assert image.format == "JPEG"
        left, right = image.getpixel((10, 10)), image.getpixel((done.width - 10, 10))
    assert left[2] > 150 > left[0]  # still blue on the left
    assert right[0] > 150 > right[2]


def test_large_jpeg_turned_by_exif_comes_out_upright():
    # Orientation 6: the camera was held on its side; the stored pixels are 6000 × 4000.
    done = reencode_image(
        SimpleUploadedFile("side.jpg", _jpeg(6000, 4000, orientation=6)), **LIMITS
    )
    assert (done.width, done.height) == (round(4000 * MAX_SIDE / 6000), MAX_SIDE)


def test_small_jpeg_keeps_its_size():
    done = reencode_image(SimpleUploadedFile("small.jpg", _jpeg(800, 600)), **LIMITS)
    assert (done.width, done.height) == (800, 600)


def test_a_phones_12_megapixel_jpeg_is_decoded_at_half_scale_without_resampling(monkeypatch):
    # 4000 × 3000 is twice MAX_SIDE: the decoder's 1/2 scale gives the stored size exactly, so the
    # costly full decode and resampling (six times the CPU) never happen.
    def no_resampling(*args, **kwargs):
        raise AssertionError("resampled")

    monkeypatch.setattr(Image.Image, "resize", no_resampling)
    done = reencode_image(SimpleUploadedFile("phone.jpg", _jpeg(2 * MAX_SIDE, 1500)), **LIMITS)
    assert (done.width, done.height) == (MAX_SIDE, 750)
