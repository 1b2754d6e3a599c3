"""The scored formal-reply check: every reason fires on a crafted answer and not on a good one,
the score combines the reasons, and the calibrated weights of the region are used."""

from datetime import date

import pytest

from otklik.appeals import services
from otklik.appeals.workflow import Status
from otklik.intelligence import formal_reply as fr
from otklik.intelligence.models import ModelKind, TrainedModel
from otklik.intelligence.services import check_appeal_answer
from tests.intelligence.formal_reply_cases import CASES, TODAY

APPEAL = "На дороге у дома 5 по улице Гагарина глубокая яма, машины бьют колёса."
SUBJECT = "Ямы Дороги"
ADDRESS = "г. Липецк, ул. Гагарина, 5"
GOOD = "Яма у дома 5 заделана горячим асфальтом 12.03.2026, фото прилагается."


def check(text, **options):
    options = {
        "appeal_text": APPEAL,
        "subject": SUBJECT,
        "address": ADDRESS,
        "today": date(2026, 3, 20),
        **options,
    }
    return fr.check_answer(text, **options)


def test_a_good_answer_has_no_reason_and_no_score():
    result = check(GOOD, needs_evidence=True, evidence=1)
    assert result.codes == []
    assert result.score == 0.0
    assert not result.is_formal


@pytest.mark.parametrize(
    ("text", "options", "code"),
    [
        ("Обращение рассмотрено, информация по яме учтена 12.03.2026.", {}, fr.NO_ACTION),
        ("Яма на дороге у дома 5 заделана горячим асфальтом.", {}, fr.NO_DATE),
        (GOOD.replace(", фото прилагается", ""), {"needs_evidence": True}, fr.NO_EVIDENCE),
        ("Заменены лампы уличного освещения и светильники 12.03.2026.", {}, fr.OFF_POINT),
        (GOOD, {"reused": 5}, fr.BOILERPLATE),
        (GOOD, {"is_template": True}, fr.BOILERPLATE),
        (
            "Согласно ст. 12 Федерального закона № 59-ФЗ и п. 4.4 ГОСТ Р 50597-2017 по яме "
            "12.03.2026 решение принято.",
            {},
            fr.LEGAL_REFERENCES,
        ),
        ("Яма у дома 5 заделана асфальтом 12.03.2026.", {"resolution": "explained"},
         fr.CONTRADICTION),
    ],
)  # fmt: skip
def test_every_reason_fires_on_a_crafted_answer(text, options, code):
    result = check(text, **options)
    assert code in result.codes
    assert code not in check(GOOD, needs_evidence=True, evidence=1).codes
    finding = next(f for f in result.findings if f.code == code)
    assert finding.as_dict()["message"]


def test_reason_codes_are_the_rework_reasons():
    from otklik.appeals.models import Answer

    assert set(fr.CODES) <= set(Answer.ReworkReason.values)


def test_off_point_names_both_topics_and_ignores_the_address():
    lights = check("Заменены лампы уличного освещения 12.03.2026.")
    message = next(f.message for f in lights.findings if f.code == fr.OFF_POINT)
    assert "освещение" in str(message) and "дороги" in str(message)
    # Only the street is shared with the appeal: that is not its subject.
    street = check("На улице Гагарина покошена трава на газоне 12.03.2026.")
    assert fr.OFF_POINT in street.codes
    # Other words for the same subject are on the point.
    for text in (
        "Выбоины на проезжей части устранены 12.03.2026.",
        "Восстановлено асфальтовое покрытие 12.03.2026.",
        "Дорожное покрытие отремонтировано 12.03.2026.",
    ):
        assert fr.OFF_POINT not in check(text).codes, text
    # Without the appeal's text the rule has nothing to compare and stays silent.
    assert fr.OFF_POINT not in fr.check_answer("Заменены лампы 12.03.2026.").codes


@pytest.mark.parametrize(
    ("text", "resolution", "contradicts"),
    [
        ("Яма заделана 12.03.2026.", "explained", True),
        ("Работы выполнены 12.03.2026.", "refused", True),
        ("Ремонт запланирован на май 2026 года.", "solved", True),
        ("Яма будет заделана до 01.03.2026.", "explained", True),  # a date already past
        ("Яма будет заделана до 15 марта 2026 года.", "explained", True),
        ("Яма будет заделана до 01.05.2026.", "explained", False),
        ("Яма заделана 12.03.2026.", "solved", False),
        ("Включён в план на май 2026 года; до этого выполнен ямочный ремонт.", "explained", False),
        ("Работы не выполнены из-за погоды, будут выполнены до 01.05.2026.", "explained", False),
    ],
)
def test_contradiction_with_the_state(text, resolution, contradicts):
    assert (fr.CONTRADICTION in check(text, resolution=resolution).codes) is contradicts


def test_score_is_a_logistic_of_the_weights_and_one_weak_reason_does_not_flag():
    weak = check("Яма на дороге у дома 5 заделана горячим асфальтом.")
    assert weak.codes == [fr.NO_DATE]
    assert weak.score == pytest.approx(1 / (1 + 2.718281828 ** (2.0 - 1.2)), abs=1e-3)
    assert not weak.is_formal
    strong = check("Информация принята к сведению.", resolution="explained")
    assert {fr.NO_ACTION, fr.NO_DATE} <= set(strong.codes)
    assert strong.score > 0.8 and strong.is_formal
    # A higher threshold lets it pass; a weight of zero removes the reason's effect.
    lenient = fr.Weights(threshold=0.99)
    assert not check("Информация принята к сведению.", weights=lenient).is_formal
    no_date_free = fr.Weights(weights={**fr.WEIGHTS, fr.NO_DATE: 0.0})
    assert check("Яма у дома 5 заделана.", weights=no_date_free).score == pytest.approx(
        1 / (1 + 2.718281828**2.0), abs=1e-3
    )


def test_weights_from_odd_parameters_fall_back_to_the_defaults():
    odd = fr.Weights.from_parameters(
        {"bias": "x", "threshold": 7, "weights": {fr.NO_DATE: float("nan"), "bogus": 1}}
    )
    assert odd == fr.Weights()
    assert fr.Weights.from_parameters(fr.Weights(-1.0).as_parameters()).bias == -1.0


def test_hand_labelled_answers_precision_and_recall():
    """46 answers labelled by hand (23 formal): the default check finds them."""
    tp = fp = fn = 0
    for (appeal, subject), text, resolution, needs, evidence, label in CASES:
        flagged = fr.check_answer(
            text,
            resolution=resolution,
            needs_evidence=needs,
            evidence=evidence,
            appeal_text=appeal,
            subject=subject,
            today=TODAY,
        ).is_formal
        tp += flagged and label
        fp += flagged and not label
        fn += label and not flagged
    assert len(CASES) >= 40 and tp + fn >= 20
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.9


def test_submit_answer_stores_the_scored_verdict(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    answer = services.submit_answer(
        appeal=appeal, actor=executor, text="Заменены лампы уличного освещения 12.03.2026."
    )
    assert answer.is_formal_reply
    assert fr.OFF_POINT in [f["code"] for f in answer.formal_reply_reasons]
    assert 0.5 <= answer.formal_reply_score <= 1


def test_the_regions_calibrated_weights_are_used(appeal_in, region):
    appeal = appeal_in(Status.IN_PROGRESS)
    text = "Яма у дома 12 по улице Московской заделана асфальтом."  # only: no date
    assert check_appeal_answer(appeal, text, evidence=1).codes == [fr.NO_DATE]
    assert not check_appeal_answer(appeal, text, evidence=1).is_formal
    strict = fr.Weights(bias=0.0, weights={**fr.WEIGHTS, fr.NO_DATE: 3.0}, threshold=0.9)
    TrainedModel.objects.create(
        region=region,
        kind=ModelKind.FORMAL_REPLY,
        version=1,
        parameters=strict.as_parameters(),
        is_active=True,
    )
    assert check_appeal_answer(appeal, text, evidence=1).is_formal
    TrainedModel.objects.update(is_active=False)
    assert not check_appeal_answer(appeal, text, evidence=1).is_formal
