"""Checking and re-encoding uploaded photos: only real raster images pass, EXIF never survives.

Every accepted file is decoded and written anew as JPEG, so what is stored is pixels we made,
not bytes a stranger sent (no scripts in SVG, no payloads after the image, no GPS in EXIF).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"})
# Larger photos are scaled down: enough to see a pothole, small to store. 2000, not 2560: a
# phone's 12 MP photo (4000 × 3000) is then decoded at half scale by the JPEG decoder and needs no
# resampling at all — 29 ms of CPU instead of 184 ms (bench/profile_filing.py, portal_photo).
MAX_SIDE = 2000
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    width: int
    height: int
    sha256: str
    original_name: str
    content_type: str = "image/jpeg"

    @property
    def size(self) -> int:
        return len(self.content)


def _read_capped(upload, max_bytes: int) -> bytes:
    if getattr(upload, "size", None) is not None and upload.size > max_bytes:
        raise _too_large(upload, max_bytes)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(upload, max_bytes)
    return data


def _too_large(upload, max_bytes: int) -> ValidationError:
    return ValidationError(
        _("The file «%(name)s» is too large: the limit is %(limit)s MB."),
        params={"name": _name(upload), "limit": max_bytes // (1024 * 1024)},
        code="too_large",
    )


def _name(upload) -> str:
    return str(getattr(upload, "name", "") or _("photo"))[-120:]


def _fit(size: tuple[int, int]) -> tuple[int, int]:
    """The size `thumbnail((MAX_SIDE, MAX_SIDE))` will give an image of `size`: the JPEG
    decoder picks the smallest of its scales at least as large, and thumbnail() resamples the
    rest of the way."""
    width, height = size
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def reencode_image(upload, *, max_bytes: int, max_pixels: int) -> ProcessedImage:
    """Decode an uploaded file as a photo and re-encode it as a clean JPEG.

    Raises ValidationError (with a message for the citizen) for anything that is not a
    supported, complete raster image within the size limits.
    """
    data = _read_capped(upload, max_bytes)
    if not data:
        raise ValidationError(
            _("The file «%(name)s» is empty."), params={"name": _name(upload)}, code="empty"
        )
    too_many_pixels = ValidationError(
        _("The photo «%(name)s» has too many pixels."),
        params={"name": _name(upload)},
        code="too_many_pixels",
    )
    not_image = ValidationError(
        _("The file «%(name)s» is not a photo we can accept: upload a JPEG, PNG or WebP image."),
        params={"name": _name(upload)},
        code="not_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_image
                if probe.width * probe.height > max_pixels:
                    raise too_many_pixels
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                # A JPEG much larger than MAX_SIDE is decoded at 1/2, 1/4 or 1/8 scale (the
                # DCT does it almost for free) instead of in full and then scaled down; the
                # box is square, so turning it by EXIF afterwards does not change the fit.
                image.draft(None, _fit(image.size))
                image.load()
                # In place: no copy of every pixel when the photo needs no turning.
                ImageOps.exif_transpose(image, in_place=True)
                if image.mode in ("RGBA", "LA", "P"):
                    image = image.convert("RGBA")
                    background = Image.new("RGB", image.size, (255, 255, 255))
                    background.paste(image, mask=image.getchannel("A"))
                    image = background
                elif image.mode != "RGB":
                    image = image.convert("RGB")
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                # No optimize=True: its second pass over the pixels for Huffman tables costs
                # about as much as the encoding itself for a file some 4 % smaller.
                image.save(out, "JPEG", quality=JPEG_QUALITY)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses the largest bombs in Image.open, before our own pixel check runs.
        raise too_many_pixels from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        TypeError,
        IndexError,
        EOFError,
    ) as exc:
        raise not_image from exc
    content = out.getvalue()
    return ProcessedImage(
        content=content,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=_name(upload),
    )
