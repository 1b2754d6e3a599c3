"""Query counts of the mixed load's busiest pages (bench/load.py), so that they cannot creep back:
the executor's inbox and appeal page, the public list and a public appeal. The numbers are
today's on SQLite (the database cache of production adds none here: the tests use a local one)."""

import pytest

from otklik.appeals.workflow import Status


@pytest.fixture
def appeals(appeal_in):
    """Five appeals in work, two of them public once answered."""
    made = [appeal_in(Status.IN_PROGRESS) for _ in range(3)]
    made += [appeal_in(Status.ANSWERED) for _ in range(2)]
    return made


def test_office_inbox_reads_a_fixed_number_of_queries(
    client, executor, appeals, django_assert_max_num_queries
):
    client.force_login(executor)
    assert client.get("/office/inbox/").status_code == 200
    # 10 while the production calendar was read on every request (now kept per process).
    with django_assert_max_num_queries(9):
        response = client.get("/office/inbox/")
    assert response.status_code == 200
    assert all(a.number in response.content.decode() for a in appeals[:3])


def test_office_appeal_page_reads_its_category_with_the_appeal(
    client, executor, appeals, django_assert_max_num_queries
):
    client.force_login(executor)
    page = f"/office/appeals/{appeals[0].number}/"
    assert client.get(page).status_code == 200
    # 20 before the category's parent came with the appeal (its name is «parent / child»), 16
    # while the production calendar was read on every request (now kept per process).
    with django_assert_max_num_queries(15):
        assert client.get(page).status_code == 200


def test_public_list_and_appeal_read_a_fixed_number_of_queries(
    client, appeals, django_assert_max_num_queries
):
    assert client.get("/appeals/?page=1").status_code == 200
    with django_assert_max_num_queries(3):
        response = client.get("/appeals/?page=1")
    assert response.status_code == 200
    assert appeals[3].number in response.content.decode()
    page = f"/appeals/{appeals[3].number}/"
    assert client.get(page).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(page).status_code == 200
