"""Open311 GeoReport v2 answers in XML and JSON, and its errors.

The spec's shapes are lists of flat records under fixed element names, so one small renderer
serves every method: a record is a dict whose values are text, numbers, booleans, None, nested
records or lists of them (a list's items get the element name given in `ITEM_NAMES`).
"""

from __future__ import annotations

import json
from datetime import datetime
from xml.sax.saxutils import escape

from django.http import HttpResponse

from otklik.api.errors import bilingual

FORMATS = ("xml", "json")
# Exactly these, without «; charset=utf-8»: the Open311 validator compares the whole header
# (the XML declares UTF-8 itself; JSON is UTF-8 by RFC 8259).
CONTENT_TYPES = {
    "xml": "text/xml",
    "json": "application/json",
}
# The element of each item of a list, by the list's element name.
ITEM_NAMES = {
    "service_requests": "request",
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
    "keywords": "keyword",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    # XML 1.0 cannot carry most control characters, even escaped; they are dropped.
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")


def _xml(name: str, value, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            _xml(key, item, out)
        out.append(f"</{name}>")
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(name, "item")
        out.append(f"<{name}>")
        for item in value:
            _xml(item_name, item, out)
        out.append(f"</{name}>")
    elif value is None or value == "":
        out.append(f"<{name}/>")
    else:
        out.append(f"<{name}>{escape(_text(value))}</{name}>")


def to_xml(root: str, value) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    _xml(root, value, out)
    return "".join(out).encode("utf-8")


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=_json_default).encode("utf-8")


def respond(fmt: str, root: str, value, *, status: int = 200) -> HttpResponse:
    """`value` (a list of records, or one record for discovery and service definitions) in the
    format asked for; `root` is the XML root element."""
    body = to_xml(root, value) if fmt == "xml" else to_json(value)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


class Open311Error(Exception):
    """Raised anywhere in a view: answered in the spec's error format."""

    def __init__(self, status: int, message, params: dict | None = None):
        super().__init__(str(message))
        self.status = status
        self.message = message
        self.params = params


def error_response(fmt: str, status: int, message, params: dict | None = None) -> HttpResponse:
    """The spec's error list; the description carries Russian and English: «… / …»."""
    ru, en = bilingual(message, params)
    description = ru if ru == en else f"{ru} / {en}"
    fmt = fmt if fmt in FORMATS else "xml"
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status)
