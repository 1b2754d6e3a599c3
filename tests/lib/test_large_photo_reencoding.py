"""A large JPEG is decoded at a reduced scale before the resample, and still comes out at the
kept size, in its orientation (otklik/lib/images.py)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from otklik.lib.images import MAX_SIDE, reencode_image


def jpeg(width: int, height: int, orientation: int | None = None) -> SimpleUploadedFile:
    image = Image.new("RGB", (width, height), (120, 80, 40))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return SimpleUploadedFile("big.jpg", out.getvalue(), content_type="image/jpeg")


def test_a_large_jpeg_comes_out_at_the_kept_size():
    photo = reencode_image(jpeg(6000, 4000), max_bytes=50_000_000, max_pixels=40_000_000)
    assert (photo.width, photo.height) == (MAX_SIDE, round(MAX_SIDE * 4000 / 6000))


def test_a_large_rotated_jpeg_keeps_its_orientation():
    # Orientation 6: stored landscape, shown portrait.
    photo = reencode_image(jpeg(6000, 4000, 6), max_bytes=50_000_000, max_pixels=40_000_000)
    assert photo.height == MAX_SIDE
    assert photo.width < photo.height
