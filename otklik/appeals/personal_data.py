"""The personal data access log: every showing of an applicant's personal data to someone else.

Who may see it is `access.can_see_personal_data`; a view that shows it calls `record_access`
once per response, with every appeal whose data it shows (one INSERT however many). The
applicant looking at their own data is not logged.
"""

from __future__ import annotations

from collections.abc import Iterable

from otklik.accounts.models import ApiToken
from otklik.lib.client import client_ip, request_id

from .models import Appeal, PersonalDataAccess

Shown = PersonalDataAccess.Shown


def record_access(
    *, viewer, appeals: Iterable[Appeal], shown: str, request=None
) -> list[PersonalDataAccess]:
    """Log that `viewer` was shown the personal data of `appeals` (`shown`: where, a
    `PersonalDataAccess.Shown` code), with the client's address, request id and API key (if
    the request came with one) if `request`."""
    address = client_ip(request) if request is not None else None
    ident = request_id(request) if request is not None else ""
    # An API request carries its key's token as `request.auth` (otklik/api/rest/base.py).
    token = getattr(request, "auth", None)
    token_id = token.pk if isinstance(token, ApiToken) else None
    rows = [
        PersonalDataAccess(
            viewer=viewer,
            appeal_id=appeal.pk,
            shown=shown,
            client_ip=address,
            request_id=ident,
            api_token_id=token_id,
        )
        for appeal in {appeal.pk: appeal for appeal in appeals}.values()
        if appeal.applicant_id is None or appeal.applicant_id != viewer.pk
    ]
    return PersonalDataAccess.objects.bulk_create(rows) if rows else []
