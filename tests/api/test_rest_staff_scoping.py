"""Who may do what in the staff API: scopes of the token AND the memberships of its user.
Outside one's scope an appeal answers 404 (no hint it exists); without the token's scope 403;
without a staff role 403; without a token 401 — and nothing changes."""

from datetime import timedelta

import pytest

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals import services
from otklik.appeals.models import Answer
from otklik.appeals.workflow import Status

GOOD = "Яма заделана горячим асфальтом 12.03.2026, участок проверен мастером, фото прилагается."
REASON = "Нужен асфальтобетонный завод, он откроется в апреле."
ALL_SCOPES = list(ApiScope.values)


def auth(user, *scopes):
    _token, key = issue_token(user=user, name="test", scopes=scopes or ALL_SCOPES)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, path, data, headers):
    return client.post(f"/api/v1/{path}", data, content_type="application/json", **headers)


@pytest.fixture
def elets_appeal_in(appeal_in, other_municipality, other_organization, other_org_executor):
    def make(status):
        return appeal_in(
            status,
            municipality=other_municipality,
            organization=other_organization,
            executor_user=other_org_executor,
            latitude=other_municipality.center_lat,
            longitude=other_municipality.center_lon,
            address="г. Елец, ул. Мира, 1",
        )

    return make


def work_calls(due):
    return [
        ("take", {}),
        ("delegate", {"assignee_id": None}),
        ("postponement", {"new_due_date": due, "reason": REASON}),
        ("redirect", {"reason": "Не наша компетенция."}),
    ]


def test_an_executor_never_sees_nor_acts_on_another_organizations_appeal(
    client, elets_appeal_in, appeal_in, executor
):
    theirs = elets_appeal_in(Status.IN_PROGRESS)
    ours = appeal_in(Status.IN_PROGRESS)
    headers = auth(executor)
    inbox = client.get("/api/v1/work/inbox?status=all", **headers).json()
    assert [i["number"] for i in inbox["items"]] == [ours.number]
    due = theirs.due_at.date().isoformat()
    for action, data in work_calls(due):
        response = post(client, f"work/{theirs.number}/{action}", data, headers)
        assert response.status_code == 404, (action, response.content)
        assert response.json()["error"] == "not_found"
    response = client.post(f"/api/v1/work/{theirs.number}/answer", {"text": GOOD}, **headers)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.IN_PROGRESS
    assert theirs.assignee is None
    assert not theirs.answers.exists() and not theirs.postponements.exists()


def test_a_municipal_operator_moderates_their_municipality_only(
    client, appeal_in, elets_appeal_in, municipal_operator
):
    lipetsk_new = appeal_in(Status.NEW)
    elets_new = elets_appeal_in(Status.NEW)
    lipetsk_review = appeal_in(Status.ANSWER_REVIEW)
    elets_review = elets_appeal_in(Status.ANSWER_REVIEW)
    lipetsk_work = appeal_in(Status.IN_PROGRESS)
    headers = auth(municipal_operator, ApiScope.APPEALS_MODERATE)
    queue = client.get("/api/v1/moderation/queue", **headers).json()
    assert [i["number"] for i in queue["items"]] == [elets_new.number]
    answers = client.get("/api/v1/moderation/answers", **headers).json()
    assert [a["appeal"]["number"] for a in answers["items"]] == [elets_review.number]
    for action, data in (
        ("register", {}),
        ("reject", {"reason": "spam"}),
        ("clarification", {"question": "Номер дома?"}),
        ("merge", {"into": elets_new.number}),
    ):
        response = post(client, f"moderation/{lipetsk_new.number}/{action}", data, headers)
        assert response.status_code == 404, (action, response.content)
    response = client.get(f"/api/v1/moderation/{lipetsk_new.number}/suggestions", **headers)
    assert response.status_code == 404
    foreign_answer = Answer.objects.get(appeal=lipetsk_review)
    for action, data in (
        ("publish", {"comment": "Проверено."}),
        ("return", {"reasons": ["no_date"]}),
    ):
        response = post(client, f"moderation/answers/{foreign_answer.pk}/{action}", data, headers)
        assert response.status_code == 404, action
    # Merging their own appeal into one outside their municipality: «not found», not a hint.
    response = post(
        client, f"moderation/{elets_new.number}/merge", {"into": lipetsk_work.number}, headers
    )
    assert response.status_code == 400
    lipetsk_new.refresh_from_db()
    foreign_answer.refresh_from_db()
    assert lipetsk_new.status == Status.NEW
    assert foreign_answer.state == Answer.State.REVIEW


def test_a_postponement_outside_the_operators_municipality_is_404(
    client, appeal_in, municipal_operator, operator, executor
):
    appeal = appeal_in(Status.IN_PROGRESS)
    postponement = services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=(appeal.due_at + timedelta(days=10)).date(),
        reason=REASON,
    )
    headers = auth(municipal_operator, ApiScope.APPEALS_MODERATE)
    assert client.get("/api/v1/moderation/postponements", **headers).json()["count"] == 0
    response = post(
        client,
        f"moderation/postponements/{postponement.pk}/decide",
        {"decision": "approve"},
        headers,
    )
    assert response.status_code == 404
    postponement.refresh_from_db()
    assert postponement.state == "pending"
    # The regional operator sees and decides it.
    regional = auth(operator, ApiScope.APPEALS_MODERATE)
    assert client.get("/api/v1/moderation/postponements", **regional).json()["count"] == 1


def test_a_citizen_token_with_every_scope_cannot_moderate_work_or_read_figures(
    client, appeal_in, citizen
):
    own = appeal_in(Status.NEW)
    in_work = appeal_in(Status.IN_PROGRESS)
    headers = auth(citizen)
    for path in (
        "moderation/queue",
        "moderation/answers",
        "moderation/postponements",
        "work/inbox",
        "analytics/kpis",
        "analytics/ranking",
    ):
        response = client.get(f"/api/v1/{path}", **headers)
        assert response.status_code == 403, path
        assert response.json()["error"] == "forbidden"
    assert post(client, f"moderation/{own.number}/register", {}, headers).status_code == 403
    assert post(client, f"work/{in_work.number}/take", {}, headers).status_code == 403
    own.refresh_from_db()
    assert own.status == Status.NEW


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("get", "work/inbox", ApiScope.APPEALS_WORK),
        ("post", "work/{number}/take", ApiScope.APPEALS_WORK),
        ("get", "moderation/queue", ApiScope.APPEALS_MODERATE),
        ("post", "moderation/{number}/register", ApiScope.APPEALS_MODERATE),
        ("get", "moderation/answers", ApiScope.APPEALS_MODERATE),
        ("get", "analytics/kpis", ApiScope.ANALYTICS_READ),
        ("get", "analytics/weekly/topics", ApiScope.ANALYTICS_READ),
    ],
)
def test_a_token_without_the_scope_gets_403_and_no_token_401(
    client, appeal_in, executor, operator, method, path, needed
):
    appeal = appeal_in(Status.IN_PROGRESS if "work" in path else Status.NEW)
    user = executor if "work" in path else operator
    others = [scope for scope in ALL_SCOPES if scope != needed]
    url = "/api/v1/" + path.format(number=appeal.number)

    def call(url, **headers):
        if method == "get":
            return client.get(url, **headers)
        return client.post(url, {}, content_type="application/json", **headers)

    response = call(url, **auth(user, *others))
    assert response.status_code == 403
    assert response.json()["error"] == "scope"
    assert call(url).status_code == 401
    assert call(url, HTTP_AUTHORIZATION="Bearer otk_made-up").status_code == 401
    assert call(url, **auth(user, needed)).status_code == 200
