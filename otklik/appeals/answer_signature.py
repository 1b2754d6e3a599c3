"""Who answers for an answer: the responsible person, the organization's full official name and a
phone to call back, copied onto the Answer when it is published.

The responsible person is the author (исполнитель) when they act for the answering organization
and their name is known: they know the case, and a 59-ФЗ reply names its исполнитель with a phone.
Otherwise it is the organization's contact person. The copy is kept on the Answer, not read from
the directory at display time, so that later staff or directory changes never rewrite what the
applicant was given. These are public officials' work contacts: public copies may carry them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, User
from otklik.directory.models import Organization

from .models import Answer

SIGNATURE_FIELDS = (
    "responsible_name",
    "responsible_position",
    "responsible_phone",
    "organization_name",
    "organization_phone",
)


@dataclass(frozen=True)
class Signature:
    responsible_name: str
    responsible_position: str
    responsible_phone: str
    organization_name: str
    organization_phone: str

    def as_data(self) -> dict[str, str]:
        return asdict(self)


def signature_for(answer: Answer) -> Signature:
    """The signature the answer gets if it is published now."""
    org = answer.organization
    membership = None
    if answer.author_id and answer.author.full_name:
        membership = (
            Membership.objects.filter(user_id=answer.author_id, organization=org)
            .order_by("pk")
            .first()
        )
    if membership is not None:
        name, position = answer.author.full_name, membership.position
        phone = membership.phone or org.phone
    else:
        name, position, phone = org.contact_name, org.contact_position, org.phone
    return Signature(name, position, phone, org.name, org.phone)


def sign_answer(answer: Answer) -> list[str]:
    """Copy the signature onto `answer` (not saved); returns the fields to save."""
    for field, value in signature_for(answer).as_data().items():
        setattr(answer, field, value)
    return list(SIGNATURE_FIELDS)


def signature_of(answer: Answer) -> Signature | None:
    """The signature the answer was published with; None for one never signed."""
    if not answer.organization_name:
        return None
    return Signature(*(getattr(answer, field) for field in SIGNATURE_FIELDS))


def signature_text(signature: Signature | dict | None) -> str:
    """The signature as lines of plain text (letters, Open311 status_notes); empty if none."""
    if signature is None:
        return ""
    data = signature.as_data() if isinstance(signature, Signature) else signature
    lines = []
    if name := data.get("responsible_name"):
        person = ", ".join(v for v in (name, data.get("responsible_position")) if v)
        if phone := data.get("responsible_phone"):
            person += ", " + _("phone %(phone)s") % {"phone": phone}
        lines.append(_("Responsible: %(person)s") % {"person": person})
    if organization := data.get("organization_name"):
        if phone := data.get("organization_phone"):
            organization += ", " + _("phone %(phone)s") % {"phone": phone}
        lines.append(organization)
    return "\n".join(str(line) for line in lines)


def sign_unsigned(answers: QuerySet[Answer]) -> int:
    """Sign, in one UPDATE, the answers of `answers` that carry no signature yet (answers written
    in bulk, e.g. the demo history); the same rule as `signature_for`."""
    member = Membership.objects.filter(
        user_id=OuterRef("author_id"), organization_id=OuterRef("organization_id")
    ).order_by("pk")
    named_member = Exists(member.exclude(user__full_name=""))
    org = Organization.objects.filter(pk=OuterRef("organization_id"))
    org_phone = Subquery(org.values("phone")[:1])
    author_name = Subquery(User.objects.filter(pk=OuterRef("author_id")).values("full_name")[:1])
    return answers.filter(organization_name="").update(
        organization_name=Subquery(org.values("name")[:1]),
        organization_phone=org_phone,
        responsible_name=Case(
            When(named_member, then=author_name),
            default=Subquery(org.values("contact_name")[:1]),
        ),
        responsible_position=Case(
            When(named_member, then=Subquery(member.values("position")[:1])),
            default=Subquery(org.values("contact_position")[:1]),
        ),
        responsible_phone=Case(
            When(
                named_member,
                then=Coalesce(NullIf(Subquery(member.values("phone")[:1]), Value("")), org_phone),
            ),
            default=org_phone,
        ),
    )


def published_unsigned() -> QuerySet[Answer]:
    return Answer.objects.filter(Q(state=Answer.State.PUBLISHED), organization_name="")
