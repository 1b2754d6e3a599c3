"""Placing an appeal that came without a point (phone, API, Open311 with an address, imports):
the address register's house named in its address field, else in its text.

Run by the outbox worker after filing, never in the filing request: a filing stays one insert.
What was found is written into the appeal's history (an internal event with `kind` «located»,
the source and the words that named the place), so an operator sees that the pin was set by
the system and from what.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.directory.address_text import find_address_in_text
from otklik.directory.models import Municipality

from .models import Appeal, AppealEvent
from .services.base import _transition
from .workflow import Action

logger = logging.getLogger(__name__)


def locate_appeal(*, appeal: Appeal, now=None) -> AppealEvent | None:
    """Set the point (and the municipality, and the address when empty) of an appeal without a
    point from the register's house its address or text names; None when nothing sure is
    found or the appeal already has a point. Never raises a database error into the outbox
    batch that calls it: the appeal then simply stays without a point."""
    if appeal.has_point:
        return None
    try:
        with transaction.atomic():
            return _locate(appeal, now or timezone.now())
    except DatabaseError:
        logger.exception("Locating appeal %s failed", appeal.pk)
        return None


def _locate(appeal: Appeal, now) -> AppealEvent | None:
    found, source = None, ""
    # The text is read with the address before it: «г. Грязи» there names the settlement.
    for where, text in (("address", appeal.address), ("text", f"{appeal.address}\n{appeal.text}")):
        if text and text.strip():
            found = find_address_in_text(
                region=appeal.region, text=text, municipality=appeal.municipality
            )
        if found is not None:
            source = where
            break
    if found is None:
        return None
    match = found.match
    changes = {"latitude": match.latitude, "longitude": match.longitude}
    if appeal.municipality_id is None:  # the house's street knows its municipality
        changes["municipality"] = Municipality.objects.get(pk=match.municipality_id)
    if not appeal.address.strip():
        changes["address"] = match.address[:500]
    with translation.override(settings.LANGUAGE_CODE):
        if source == "address":
            comment = _("The place was found in the address register from the address: %s.")
        else:
            comment = _("The place was found in the address register from the text: %s.")
        comment %= match.address
    placed = Appeal.objects.select_for_update().filter(pk=appeal.pk, latitude__isnull=False)
    if placed.exists():
        return None
    return _transition(
        appeal,
        Action.COMMENT,
        actor=None,
        now=now,
        comment=comment,
        is_public=False,
        data={
            "kind": "located",
            "source": source,
            "found": found.found,
            "address": match.address,
            "house": match.house_id,
            "latitude": match.latitude,
            "longitude": match.longitude,
        },
        **changes,
    )
