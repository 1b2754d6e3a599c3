"""Every demo organization has a full name, a phone and a contact person; every executor a job
title and a work phone; every published answer of the demo names who answers for it."""

from otklik.accounts.models import Membership, Role
from otklik.appeals.models import Answer
from otklik.directory.models import Organization


def test_every_demo_organization_and_executor_has_contacts(built):
    orgs = Organization.objects.filter(region=built.region)
    assert orgs.exists()
    assert not orgs.filter(phone="").exists()
    assert not orgs.filter(contact_name="").exists()
    assert not orgs.filter(contact_position="").exists()
    executors = Membership.objects.filter(role=Role.EXECUTOR, organization__region=built.region)
    assert executors.exists()
    assert not executors.filter(position="").exists()
    assert not executors.filter(phone="").exists()


def test_every_published_demo_answer_is_signed(built):
    published = Answer.objects.filter(state=Answer.State.PUBLISHED, appeal__region=built.region)
    assert published.count() > 100
    assert not published.filter(organization_name="").exists()
    assert not published.filter(responsible_name="").exists()
    assert not published.filter(responsible_phone="").exists()
    answer = published.select_related("organization").first()
    assert answer.organization_name == answer.organization.name
