"""Address suggestions of the report form: the region's address register as JSON."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from otklik.directory.addresses import MAX_QUERY, search_addresses
from otklik.directory.models import Region
from otklik.lib.client import client_ip

logger = logging.getLogger(__name__)
WINDOW = 60


def _allowed(request) -> bool:
    """ADDRESS_SEARCH_RATE_PER_MINUTE lookups a minute per person (0: no limit); a cache out of
    reach lets the lookup through."""
    limit = settings.ADDRESS_SEARCH_RATE_PER_MINUTE
    if limit <= 0:
        return True
    key = f"address-search:u{request.user.pk or client_ip(request)}:{int(time.time() // WINDOW)}"
    try:
        if cache.add(key, 1, timeout=WINDOW + 5):
            return True
        return cache.incr(key) <= limit
    except Exception:
        logger.warning("The address search limit is not applied: no cache", exc_info=True)
        return True


@login_required
@require_GET
def address_search(request):
    """`?q=` → {"results": [{label, address, lat, lon, municipality, municipality_id}]}: the
    best few houses (or streets) of the region's register. Any input gets an answer, never a
    500: too short or unknown gives no results."""
    region = get_object_or_404(Region, code=settings.OTKLIK_DEFAULT_REGION_CODE)
    if not _allowed(request):
        response = JsonResponse(
            {"results": [], "error": _("Too many requests; try again in a minute.")}, status=429
        )
        response["Retry-After"] = str(WINDOW)
        return response
    query = request.GET.get("q", "")[:MAX_QUERY]
    found = search_addresses(region=region, query=query) if len(query.strip()) >= 2 else []
    response = JsonResponse({"results": [match.as_json() for match in found]})
    response["Cache-Control"] = "private, max-age=300"
    return response
