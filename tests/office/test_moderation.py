"""Moderation by the control centre: the queue, one appeal's page with its four actions, the
bulk actions, and that no input ever gives a server error."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.appeals import services
from otklik.appeals.models import Appeal, AppealEvent, Channel
from otklik.appeals.workflow import Action, Resolution, Status
from otklik.directory.models import RejectionReason
from otklik.directory.services import Router, route_executor
from otklik.office.moderation import deadline_class
from tests.factories import CategoryFactory, OrganizationFactory, RoutingRuleFactory, staff

QUEUE = "/office/moderation/"
BULK = "/office/moderation/bulk/"
TEXT = "Яма на дороге у дома 12 по улице Московской, объехать нельзя."


@pytest.fixture
def submit(region, municipality, category, citizen):
    """`submit(**overrides)`: a new appeal as the citizen files it, `minutes` ago."""

    def make(minutes=60, **overrides):
        options = {
            "region": region,
            "text": TEXT,
            "applicant": citizen,
            "category": category,
            "municipality": municipality,
            "latitude": municipality.center_lat,
            "longitude": municipality.center_lon,
            "address": "г. Липецк, ул. Московская, 12",
            "now": timezone.now() - timedelta(minutes=minutes),
        }
        options.update(overrides)
        return services.submit_appeal(**options)

    return make


@pytest.fixture
def routed(organization, other_organization):
    """Both municipalities have a routing rule for potholes."""
    return organization


def url(appeal, query=""):
    return reverse("office:moderate", args=[appeal.number]) + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------- access


def test_url_names_resolve():
    assert reverse("office:moderation") == QUEUE
    assert reverse("office:moderation_bulk") == BULK
    assert reverse("office:moderate", args=["48-2026-000001"]) == QUEUE + "48-2026-000001/"


def test_anonymous_visitor_is_sent_to_login(client, region):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("who", ["executor", "citizen", "supervisor", "caller"])
def test_others_than_operators_are_refused(client, request, submit, who):
    appeal = submit()
    client.force_login(request.getfixturevalue(who))
    assert client.get(QUEUE).status_code == 403
    assert client.get(url(appeal)).status_code == 403
    assert client.post(url(appeal), {"action": "reject"}).status_code == 403
    assert client.post(BULK, {"numbers": [appeal.number], "action": "reject"}).status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW


# ---------------------------------------------------------------------------- the queue


def test_queue_lists_new_appeals_oldest_first_with_their_facts(
    client, operator, submit, routed, municipality
):
    newer = submit(minutes=10)
    older = submit(minutes=120, category=None, text="Не горит фонарь во дворе дома 5.")
    registered = submit(minutes=200)
    services.register_appeal(appeal=registered, actor=operator)
    client.force_login(operator)
    response = client.get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert [a.number for a in response.context["rows"]] == [older.number, newer.number]
    assert registered.number not in html
    assert "2 обращения" in html
    assert "не выбрана" in html
    assert "Не горит фонарь" in html
    # The routing rule's choice for the pothole in Lipetsk.
    assert response.context["rows"][1].suggested == routed
    assert "УДХ Липецка" in html
    assert f'href="/office/moderation/{older.number}/"' in html
    assert 'name="numbers"' in html
    assert "Клавиши" in html


def test_clarification_tab_lists_appeals_awaiting_the_applicant(client, operator, submit):
    waiting = submit()
    services.request_clarification(appeal=waiting, actor=operator, question="Уточните дом.")
    fresh = submit()
    client.force_login(operator)
    response = client.get(QUEUE + "?tab=clarification")
    rows = response.context["rows"]
    assert [a.number for a in rows] == [waiting.number]
    assert rows[0].due == Appeal.objects.get(pk=waiting.pk).clarification_due_at
    assert fresh.number not in response.content.decode()


def test_queue_shows_photo_count_and_repeat_marker(client, operator, submit, appeal_in):
    earlier = appeal_in(Status.ANSWERED)
    repeat = submit(repeat_of=earlier)
    client.force_login(operator)
    response = client.get(QUEUE)
    row = next(a for a in response.context["rows"] if a.pk == repeat.pk)
    assert row.photo_count == 0
    assert f"повтор {earlier.number}" in response.content.decode()


def test_municipal_operator_sees_only_their_municipality(
    client, municipal_operator, submit, other_municipality
):
    lipetsk = submit()
    elets = submit(
        municipality=other_municipality,
        latitude=other_municipality.center_lat,
        longitude=other_municipality.center_lon,
    )
    client.force_login(municipal_operator)
    response = client.get(QUEUE)
    assert [a.number for a in response.context["rows"]] == [elets.number]
    assert client.get(url(lipetsk)).status_code == 404
    assert client.get(url(elets)).status_code == 200


def test_filters_narrow_the_queue_and_bad_values_are_ignored(
    client, operator, submit, other_municipality, fast_category
):
    pothole = submit()
    light = submit(category=fast_category)
    phoned = submit(channel=Channel.PHONE, applicant=None)
    client.force_login(operator)

    def numbers(query):
        response = client.get(QUEUE + query)
        assert response.status_code == 200
        return {a.number for a in response.context["rows"]}

    assert numbers(f"?category={fast_category.pk}") == {light.number}
    assert numbers("?channel=phone") == {phoned.number}
    assert numbers(f"?municipality={other_municipality.pk}") == set()
    everything = {pothole.number, light.number, phoned.number}
    assert (
        numbers("?municipality=abc&category=99999999999999999999&channel=x&page=zz") == everything
    )
    assert numbers("?tab=nonsense&municipality=&category=") == everything


def test_queue_query_count_does_not_grow_with_the_rows(
    client, operator, submit, routed, django_assert_max_num_queries, fast_category
):
    for minutes in range(3):
        submit(minutes=minutes)
    client.force_login(operator)
    client.get(QUEUE)  # the session is warm
    with django_assert_max_num_queries(12) as few:
        client.get(QUEUE)
    for minutes in range(20):
        submit(minutes=100 + minutes, category=fast_category if minutes % 2 else None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 23


def test_queue_is_paginated_by_fifty(client, operator, submit):
    for minutes in range(51):
        submit(minutes=minutes)
    client.force_login(operator)
    first = client.get(QUEUE)
    assert len(first.context["rows"]) == 50
    assert "51 обращение" in first.content.decode()
    assert len(client.get(QUEUE + "?page=2").context["rows"]) == 1


def test_deadline_colours():
    now = timezone.now()
    assert deadline_class(None, now) == ""
    assert deadline_class(now - timedelta(minutes=1), now) == "deadline-overdue"
    assert deadline_class(now + timedelta(days=5), now) == "deadline-ok"
    today_end = timezone.localtime(now).replace(hour=23, minute=59, second=0)
    if today_end > now:
        assert deadline_class(today_end, now) == "deadline-today"
    tomorrow = timezone.localtime(now).replace(hour=0, minute=30) + timedelta(days=1)
    if tomorrow - now <= timedelta(days=1):
        assert deadline_class(tomorrow, now) == "deadline-soon"


def test_overdue_registration_deadline_is_coloured(client, operator, submit):
    submit(minutes=60 * 24 * 10)
    client.force_login(operator)
    html = client.get(QUEUE).content.decode()
    assert 'class="deadline-overdue"' in html


# ---------------------------------------------------------------------------- routing


def test_router_agrees_with_route_executor(
    region, municipality, other_municipality, category, fast_category, roads
):
    lipetsk_roads = OrganizationFactory(region=region, name="Дорожники Липецка")
    any_roads = OrganizationFactory(region=region, name="Областные дороги")
    priority = OrganizationFactory(region=region, name="Срочная служба")
    closed = OrganizationFactory(region=region, name="Закрытая", is_active=False)
    RoutingRuleFactory(category=roads, municipality=None, organization=any_roads)
    RoutingRuleFactory(category=roads, municipality=municipality, organization=lipetsk_roads)
    RoutingRuleFactory(category=category, municipality=None, organization=any_roads)
    RoutingRuleFactory(category=fast_category, municipality=None, organization=priority, priority=5)
    RoutingRuleFactory(
        category=fast_category, municipality=municipality, organization=closed, priority=9
    )
    RoutingRuleFactory(
        category=category, municipality=other_municipality, organization=priority, is_active=False
    )
    lonely = CategoryFactory(code="lonely", name="Без правил")
    categories = [category, fast_category, roads, lonely]
    router = Router(categories)
    for cat in categories:
        for place in (municipality, other_municipality, None):
            expected = route_executor(category=cat, municipality=place)
            assert router.suggest(cat, getattr(place, "pk", None)) == expected, (cat, place)
    assert router.suggest(None, municipality.pk) is None


# ---------------------------------------------------------------------------- the page


def test_page_shows_the_appeal_and_preselects_the_routing_rule(
    client, operator, submit, routed, municipality, category
):
    appeal = submit(applicant=None, contact_name="Анна Звонкова", contact_phone="+7 900 111-22-33")
    client.force_login(operator)
    response = client.get(url(appeal))
    html = response.content.decode()
    assert response.status_code == 200
    assert TEXT in html
    assert "Анна Звонкова" in html and "+7 900 111-22-33" in html
    assert "г. Липецк, ул. Московская, 12" in html
    assert f'<option value="{routed.pk}" selected>УДХ Липецка — по правилу маршрутизации' in html
    assert f'<option value="{category.pk}" selected>Ямы</option>' in html
    assert f'<option value="{municipality.pk}" selected>Липецк</option>' in html
    assert "переадрес" in html
    # The reasons the applicant would see; the system's own are not offered.
    assert "Вопрос не относится к компетенции" in html
    assert 'data-code="duplicate"' not in html
    assert "3 дн" in html
    assert 'id="next-link"' not in html  # no other appeal waits


def test_applicants_name_and_phone_are_shown_to_the_operator(client, operator, submit, citizen):
    appeal = submit()
    client.force_login(operator)
    html = client.get(url(appeal)).content.decode()
    assert "Иван Петров" in html and "+7 900 123-45-67" in html


def test_accept_registers_and_sends_to_the_rule_executor_then_opens_the_next(
    client, operator, submit, routed, category, municipality
):
    first = submit(minutes=30)
    second = submit(minutes=20)
    client.force_login(operator)
    response = client.post(
        url(first),
        {
            "action": "accept",
            "category": category.pk,
            "municipality": municipality.pk,
            "executor": routed.pk,
            "comment": "",
        },
        follow=True,
    )
    assert response.redirect_chain[0][0] == url(second)
    assert "принято и направлено" in response.content.decode()
    first.refresh_from_db()
    assert first.status == Status.IN_PROGRESS
    assert first.executor == routed
    assert first.due_at is not None


def test_accept_another_executor_is_a_redirect_to_that_body(
    client, operator, submit, routed, other_organization, category
):
    appeal = submit()
    client.force_login(operator)
    response = client.post(
        url(appeal),
        {"action": "accept", "category": category.pk, "executor": other_organization.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    appeal.refresh_from_db()
    assert appeal.executor == other_organization
    assert appeal.status == Status.IN_PROGRESS


def test_accept_without_executor_only_registers(client, operator, submit, category):
    appeal = submit()
    client.force_login(operator)
    client.post(url(appeal), {"action": "accept", "category": category.pk, "executor": ""})
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED
    assert appeal.executor is None


def test_accept_errors_keep_every_field(client, operator, submit, municipality, routed):
    appeal = submit(category=None)
    client.force_login(operator)
    response = client.post(
        url(appeal),
        {
            "action": "accept",
            "category": "",
            "municipality": municipality.pk,
            "executor": routed.pk,
            "comment": "Проверено по карте",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Выберите тему" in html
    assert "Проверено по карте" in html
    assert f'<option value="{routed.pk}" selected>' in html
    assert f'<option value="{municipality.pk}" selected>' in html
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "accept", "category": "abc", "municipality": "-1", "executor": "9" * 30},
        {"action": "accept", "category": "999999", "executor": "1.5"},
        {"action": "reject", "reason": "'; drop table"},
        {"action": "reject", "reason": "99999999"},
        {"action": "clarify", "question": ""},
        {"action": "clarify", "question": "аб"},
        {"action": "merge", "into": ""},
        {"action": "merge", "into": "x" * 500},
        {"action": "merge", "into": "48-2026-999999"},
        {"action": "merge", "candidate": "nonsense"},
        {"action": "nonsense"},
        {},
    ],
)
def test_garbage_input_never_changes_the_appeal_or_fails(client, operator, submit, payload):
    appeal = submit()
    client.force_login(operator)
    response = client.post(url(appeal), payload)
    assert response.status_code in (200, 302)
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW


def test_garbage_numbers_are_not_found(client, operator, region):
    client.force_login(operator)
    for number in ("nope", "48-2026-000999", "x" * 300, "%00"):
        assert client.get(reverse("office:moderate", args=[number])).status_code == 404


def test_reject_with_reason_and_comment(client, operator, submit):
    appeal = submit()
    reason = RejectionReason.objects.get(code="unreadable")
    client.force_login(operator)
    response = client.post(
        url(appeal), {"action": "reject", "reason": reason.pk, "comment": "Не понятно, где."}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.REJECTED
    assert appeal.rejection_reason == reason
    event = appeal.events.get(action=Action.REJECT)
    assert event.comment == "Не понятно, где."


def test_not_our_competence_needs_the_body_named(client, operator, submit):
    appeal = submit()
    reason = RejectionReason.objects.get(code="not_competent")
    client.force_login(operator)
    response = client.post(url(appeal), {"action": "reject", "reason": reason.pk, "comment": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Укажите орган" in html
    assert f'<option value="{reason.pk}" data-code="not_competent"' in html
    assert "Вопрос не относится к компетенции органов власти" in html
    response = client.post(
        url(appeal),
        {"action": "reject", "reason": reason.pk, "comment": "Относится к ведению ФНС России."},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.REJECTED
    assert appeal.events.get(action=Action.REJECT).comment == "Относится к ведению ФНС России."


def test_clarify_pauses_and_asks_the_applicant(client, operator, submit):
    appeal = submit()
    client.force_login(operator)
    response = client.post(url(appeal), {"action": "clarify", "question": "Уточните номер дома."})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.CLARIFICATION
    assert appeal.clarification_due_at is not None


def test_clarify_error_keeps_the_question(client, operator, submit):
    appeal = submit()
    client.force_login(operator)
    response = client.post(url(appeal), {"action": "clarify", "question": "Дом?"})
    html = response.content.decode()
    assert "Напишите, что нужно уточнить" in html
    assert "Дом?</textarea>" in html


def test_merge_lists_nearby_candidates_and_merges_by_number(
    client, operator, submit, municipality, other_municipality, fast_category
):
    original = submit(minutes=300)
    far = submit(
        minutes=200,
        municipality=other_municipality,
        latitude=other_municipality.center_lat,
        longitude=other_municipality.center_lon,
        address="г. Елец, ул. Ленина, 1",
    )
    other_topic = submit(minutes=150, category=fast_category)
    duplicate = submit(minutes=10)
    client.force_login(operator)
    response = client.get(url(duplicate))
    candidates = [a.number for a in response.context["candidates"]]
    assert original.number in candidates
    assert far.number not in candidates
    assert other_topic.number not in candidates
    assert duplicate.number not in candidates
    response = client.post(url(duplicate), {"action": "merge", "candidate": original.number})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.REJECTED
    assert duplicate.resolution == Resolution.DUPLICATE
    assert duplicate.duplicate_of == original


def test_same_address_is_a_merge_candidate_without_a_point(client, operator, submit):
    original = submit(minutes=300, latitude=None, longitude=None)
    duplicate = submit(latitude=None, longitude=None)
    client.force_login(operator)
    response = client.get(url(duplicate))
    assert [a.number for a in response.context["candidates"]] == [original.number]


def test_merge_into_an_appeal_out_of_scope_is_not_found(
    client, municipal_operator, submit, other_municipality
):
    lipetsk = submit(minutes=300)
    elets = submit(
        municipality=other_municipality,
        latitude=other_municipality.center_lat,
        longitude=other_municipality.center_lon,
    )
    client.force_login(municipal_operator)
    response = client.post(url(elets), {"action": "merge", "into": lipetsk.number})
    assert "не найдено" in response.content.decode()
    assert f'value="{lipetsk.number}"' in response.content.decode()
    elets.refresh_from_db()
    assert elets.status == Status.NEW


def test_merge_into_itself_is_an_error_kept_on_the_page(client, operator, submit):
    appeal = submit()
    client.force_login(operator)
    response = client.post(url(appeal), {"action": "merge", "into": appeal.number})
    assert response.status_code == 200
    assert "нельзя объединить с самим собой" in response.content.decode()


def test_appeal_not_new_shows_its_state_without_actions(client, operator, appeal_in):
    appeal = appeal_in(Status.IN_PROGRESS)
    client.force_login(operator)
    response = client.get(url(appeal))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/office/appeals/{appeal.number}/"' in html
    assert 'id="accept-form"' not in html
    assert "в работе" in html


def test_second_submit_of_an_action_is_harmless(client, operator, submit):
    appeal = submit()
    reason = RejectionReason.objects.get(code="spam")
    client.force_login(operator)
    client.post(url(appeal), {"action": "reject", "reason": reason.pk})
    response = client.post(url(appeal), {"action": "reject", "reason": reason.pk}, follow=True)
    assert "уже недоступно" in response.content.decode()
    assert response.redirect_chain[0][0] == url(appeal)
    assert appeal.events.filter(action=Action.REJECT).count() == 1


def test_next_appeal_keeps_the_filters(client, operator, submit, category, fast_category):
    first = submit(minutes=30)
    submit(minutes=25, category=fast_category)
    third = submit(minutes=20)
    query = f"category={category.pk}"
    client.force_login(operator)
    page = client.get(url(first, query))
    assert page.context["next_url"] == url(third, query)
    response = client.post(
        url(first, query), {"action": "clarify", "question": "Уточните номер дома."}
    )
    assert response["Location"] == url(third, query)


def test_last_appeal_goes_back_to_the_queue(client, operator, submit):
    appeal = submit()
    client.force_login(operator)
    response = client.post(
        url(appeal), {"action": "clarify", "question": "Уточните номер дома."}, follow=True
    )
    assert response.redirect_chain[-1][0] == QUEUE
    assert "Очередь модерации пуста" in response.content.decode()


# ---------------------------------------------------------------------------- bulk


def test_bulk_accept_routes_each_and_reports_the_skipped(
    client, operator, submit, routed, roads, other_municipality
):
    ok = [submit(minutes=m) for m in (50, 40)]
    no_category = submit(minutes=30, category=None)
    unrouted_topic = CategoryFactory(code="trees", name="Деревья", parent=roads)
    no_rule = submit(minutes=20, category=unrouted_topic)
    client.force_login(operator)
    numbers = [a.number for a in [*ok, no_category, no_rule]] + ["48-2026-999999"]
    response = client.post(BULK, {"numbers": numbers, "action": "accept"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[0][0] == QUEUE
    assert "Принято 2, пропущено 3" in html
    assert f"{no_category.number} — не выбрана рубрика" in html
    assert f"{no_rule.number} — нет правила маршрутизации" in html
    assert "48-2026-999999 — не найдено" in html
    for appeal in ok:
        appeal.refresh_from_db()
        assert appeal.status == Status.IN_PROGRESS
        assert appeal.executor == routed
    no_category.refresh_from_db()
    assert no_category.status == Status.NEW


def test_bulk_reject_with_one_reason_skips_out_of_scope_as_not_found(
    client, municipal_operator, submit, other_municipality
):
    elets_place = {
        "municipality": other_municipality,
        "latitude": other_municipality.center_lat,
        "longitude": other_municipality.center_lon,
    }
    mine = [submit(minutes=m, **elets_place) for m in (30, 20)]
    foreign = submit(minutes=10)
    reason = RejectionReason.objects.get(code="spam")
    client.force_login(municipal_operator)
    response = client.post(
        BULK,
        {"numbers": [a.number for a in [*mine, foreign]], "action": "reject", "reason": reason.pk},
        follow=True,
    )
    html = response.content.decode()
    assert "Отклонено 2, пропущено 1" in html
    assert f"{foreign.number} — не найдено" in html
    assert {a.status for a in Appeal.objects.filter(pk__in=[a.pk for a in mine])} == {
        Status.REJECTED
    }
    foreign.refresh_from_db()
    assert foreign.status == Status.NEW


def test_bulk_skips_appeals_no_longer_new(client, operator, submit, routed):
    appeal = submit()
    services.register_appeal(appeal=appeal, actor=operator)
    client.force_login(operator)
    response = client.post(BULK, {"numbers": [appeal.number], "action": "accept"}, follow=True)
    assert f"{appeal.number} — уже не на модерации" in response.content.decode()


def test_bulk_reject_needs_a_reason_and_nothing_changes(client, operator, submit):
    appeal = submit()
    client.force_login(operator)
    response = client.post(BULK, {"numbers": [appeal.number], "action": "reject"}, follow=True)
    assert "Выберите причину отклонения" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"numbers": ["x"], "action": "explode"},
        {"numbers": ["x"] * 3, "action": "reject", "reason": "abc"},
        {"numbers": [str(n) for n in range(201)], "action": "accept"},
        {"numbers": ["y" * 400], "action": "accept", "category": "zz", "municipality": "-"},
    ],
)
def test_bulk_garbage_is_refused_with_a_message(client, operator, submit, payload):
    appeal = submit()
    client.force_login(operator)
    response = client.post(BULK, payload)
    assert response.status_code == 302
    assert response["Location"].startswith(QUEUE)
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW


def test_bulk_over_the_cap_does_nothing(client, operator, submit):
    appeal = submit()
    client.force_login(operator)
    numbers = [appeal.number] + [f"48-2026-{n:06d}" for n in range(500, 700)]
    response = client.post(BULK, {"numbers": numbers, "action": "accept"}, follow=True)
    assert "не более 200" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW


def test_bulk_get_is_not_allowed(client, operator):
    client.force_login(operator)
    assert client.get(BULK).status_code == 405


def test_admin_role_may_moderate(client, region, submit):
    admin = staff(Role.ADMIN, region, email="regional.admin@example.ru")
    appeal = submit()
    client.force_login(admin)
    assert client.get(QUEUE).status_code == 200
    assert client.get(url(appeal)).status_code == 200
    assert AppealEvent.objects.filter(appeal=appeal).count() == 1
