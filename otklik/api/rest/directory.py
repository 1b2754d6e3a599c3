"""REST API: the directory — categories with their deadlines and questions, municipalities,
executor organizations. Public, no key needed, and cached by clients (ETag, max-age)."""

from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema

from otklik.directory.models import Category, CategoryAttribute, Municipality, Organization

router = Router(tags=["Directory"])

MAX_ID = 2**31 - 1


class AttributeValue(Schema):
    key: str
    name: str


class AttributeOut(Schema):
    code: str
    description: str
    datatype: str
    datatype_description: str
    required: bool
    variable: bool
    order: int
    values: list[AttributeValue]


class SubcategoryOut(Schema):
    code: str
    name: str
    hint: str
    answer_days: int
    answer_days_unit: str = Field(..., description="`calendar` or `working` days.")
    is_public: bool = Field(..., description="Appeals of a private category are never public.")
    attributes: list[AttributeOut]


class CategoryOut(SubcategoryOut):
    children: list[SubcategoryOut]


class MunicipalityOut(Schema):
    id: int
    name: str
    kind: str
    region: str
    oktmo: str
    center_lat: float
    center_lon: float


class OrganizationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    region: str
    municipality_id: int | None
    parent_id: int | None
    email: str
    phone: str
    address: str


class OrganizationFilters(Schema):
    region: str | None = Field(None, max_length=2, pattern=r"^\d{2}$")
    municipality: int | None = Field(None, ge=1, le=MAX_ID)


def _values(raw) -> list[dict]:
    """List values as given in the admin, keeping only well-formed ones."""
    if not isinstance(raw, list):
        return []
    return [
        {"key": str(item["key"]), "name": str(item.get("name", item["key"]))}
        for item in raw
        if isinstance(item, dict) and "key" in item
    ]


def _category(category: Category) -> dict:
    return {
        "code": category.code,
        "name": category.name,
        "hint": category.hint,
        "answer_days": category.answer_days,
        "answer_days_unit": category.answer_days_unit,
        "is_public": category.is_public,
        "attributes": [
            {
                "code": a.code,
                "description": a.description,
                "datatype": a.datatype,
                "datatype_description": a.datatype_description,
                "required": a.required,
                "variable": a.variable,
                "order": a.order,
                "values": _values(a.values),
            }
            for a in category.attributes.all()
        ],
    }


@router.get(
    "/categories",
    response=list[CategoryOut],
    auth=None,
    summary="Categories as a tree",
    operation_id="directory_categories",
)
def categories(request):
    """Active top-level categories with their active subcategories, the answer deadline of each
    (days, calendar or working) and the questions asked when filing (Open311 attributes)."""
    attributes = Prefetch("attributes", queryset=CategoryAttribute.objects.filter(is_active=True))
    children = Prefetch(
        "children",
        queryset=Category.objects.filter(is_active=True).prefetch_related(attributes),
    )
    roots = Category.objects.filter(parent__isnull=True, is_active=True).prefetch_related(
        attributes, children
    )
    return [
        {**_category(root), "children": [_category(child) for child in root.children.all()]}
        for root in roots
    ]


@router.get(
    "/municipalities",
    response=list[MunicipalityOut],
    auth=None,
    summary="Municipalities",
    operation_id="directory_municipalities",
)
def municipalities(request):
    """Every municipality of the regions served, with its OKTMO code and centre."""
    return [
        {
            "id": m.pk,
            "name": m.name,
            "kind": m.kind,
            "region": m.region.code,
            "oktmo": m.oktmo,
            "center_lat": m.center_lat,
            "center_lon": m.center_lon,
        }
        for m in Municipality.objects.select_related("region")
    ]


@router.get(
    "/organizations",
    response=list[OrganizationOut],
    auth=None,
    summary="Executor organizations",
    operation_id="directory_organizations",
)
def organizations(request, filters: Query[OrganizationFilters]):
    """Active executor bodies and their public contacts, optionally of one region or
    municipality."""
    queryset = Organization.objects.filter(is_active=True).select_related("region")
    if filters.region:
        queryset = queryset.filter(region__code=filters.region)
    if filters.municipality:
        queryset = queryset.filter(municipality_id=filters.municipality)
    return [
        {
            "id": o.pk,
            "name": o.name,
            "short_name": o.short_name,
            "kind": o.kind,
            "region": o.region.code,
            "municipality_id": o.municipality_id,
            "parent_id": o.parent_id,
            "email": o.email,
            "phone": o.phone,
            "address": o.address,
        }
        for o in queryset
    ]
