"""Checking and rewriting uploaded PDF documents (acts, letters): only a PDF that parses passes,
and what is stored is its pages written anew, without scripts, form actions, annotations or
embedded files — the same rule as for photos: we keep what we made, not the bytes we were sent."""

from __future__ import annotations

import hashlib
import io
import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .images import ProcessedImage, _name, _read_capped

MAX_PAGES = 50

# pypdf logs every oddity of a damaged file as a warning; the ValidationError says enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def is_pdf(upload) -> bool:
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    return head == b"%PDF-"


def rewrite_pdf(upload, *, max_bytes: int) -> ProcessedImage:
    """Parse an uploaded PDF and write its pages into a new file; raises ValidationError."""
    # pypdf loads on the first document, not with every module that may receive one.
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    data = _read_capped(upload, max_bytes)
    not_pdf = ValidationError(
        _("The file «%(name)s» is not a PDF document we can accept."),
        params={"name": _name(upload)},
        code="not_pdf",
    )
    if not data.startswith(b"%PDF-"):
        raise not_pdf
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("The document «%(name)s» is password-protected: upload it without a password."),
                params={"name": _name(upload)},
                code="encrypted",
            )
        if not 1 <= len(reader.pages) <= MAX_PAGES:
            raise ValidationError(
                _("The document «%(name)s» must have from 1 to %(limit)s pages."),
                params={"name": _name(upload), "limit": MAX_PAGES},
                code="pages",
            )
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.remove_annotations(subtypes=None)
        writer.remove_links()
        for page in writer.pages:
            for key in ("/AA", "/JS"):
                if key in page:
                    del page[key]
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise not_pdf from exc
    except (OSError, RecursionError) as exc:
        raise not_pdf from exc
    content = out.getvalue()
    if len(content) > max_bytes:
        raise ValidationError(
            _("The file «%(name)s» is too large: the limit is %(limit)s MB."),
            params={"name": _name(upload), "limit": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    return ProcessedImage(
        content=content,
        width=0,
        height=0,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=_name(upload),
        content_type="application/pdf",
    )
