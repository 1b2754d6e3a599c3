"""REST API: Imports. Operators and administrators of a region upload another system's export;
the batch runs in the task queue and its progress and failed rows can be read back
(docs/imports.md). Scope `imports`; the region is the token's, or the user's only one."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from otklik.accounts.models import ApiScope, Role
from otklik.appeals import imports
from otklik.appeals.models import ImportBatch
from otklik.directory.models import Region

from .base import Page, require_scope

router = Router(tags=["Imports"])

IMPORT_ROLES = (Role.OPERATOR, Role.ADMIN)


class BatchOut(Schema):
    id: int
    region: str = Field(..., alias="region.code")
    source: str
    format: str
    original_name: str
    state: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    processed: int
    created: int = Field(..., alias="created_count")
    existing: int = Field(..., alias="existing_count")
    failed: int = Field(..., alias="failed_count")
    error: str


class RowErrorOut(Schema):
    row: int
    external_id: str
    code: str
    message_ru: str
    message_en: str


def _regions(user) -> list[int]:
    """The regions where `user` may import: operators and administrators of the whole region."""
    if user.is_superuser:
        return list(Region.objects.values_list("pk", flat=True))
    return [m.region_id for m in user.memberships.all() if m.role in IMPORT_ROLES and m.region_id]


def _batches(request):
    token = require_scope(request, ApiScope.IMPORTS)
    return ImportBatch.objects.filter(region_id__in=_regions(token.user)).select_related("region")


def _region(token) -> Region:
    allowed = _regions(token.user)
    if token.region_id is not None:
        if token.region_id not in allowed:
            raise PermissionDenied
        return token.region
    if len(allowed) != 1:
        raise PermissionDenied
    return Region.objects.get(pk=allowed[0])


@router.post("/", response={202: BatchOut}, summary="Upload an export to import")
def create_import(
    request,
    file: File[UploadedFile],
    source: Form[str],
    mapping: Form[str] = "",
    format: Form[str] = "",
):
    token = require_scope(request, ApiScope.IMPORTS)
    region = _region(token)
    if format and format not in ImportBatch.Format.values:
        raise ValidationError(_("The format must be csv or json."), code="format")
    batch = imports.create_batch(
        region=region,
        source=source,
        upload=file,
        mapping=mapping,
        format=format,
        created_by=token.user,
    )
    from otklik.appeals.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(batch.pk))
    return Status(202, batch)


@router.get("/", response=list[BatchOut], summary="Imports of the token user's regions")
@paginate(Page)
def list_imports(request):
    return _batches(request)


@router.get("/{batch_id}", response=BatchOut, summary="An import's progress and counts")
def get_import(request, batch_id: int):
    return get_object_or_404(_batches(request), pk=batch_id)


@router.get(
    "/{batch_id}/errors",
    response=list[RowErrorOut],
    summary="The rows that failed, with reasons (JSON, or CSV with ?format=csv)",
)
def import_errors(request, batch_id: int, format: str = "json"):
    batch = get_object_or_404(_batches(request), pk=batch_id)
    if format == "csv":
        response = HttpResponse(imports.errors_csv(batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
        return response
    return batch.errors
