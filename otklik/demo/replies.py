"""What staff and applicants write after an appeal is filed: clarification questions, answers
(real ones and formal replies), reasons to redirect, postpone, return for rework or reopen, and
the applicants' comments on the answer."""

from __future__ import annotations

from datetime import date

from otklik.appeals.models import Answer
from otklik.appeals.workflow import Resolution

from .texts import Slots, capitalize_sentences
from .topics import Group, Topic

CLARIFICATION_QUESTIONS = (
    "Уточните, пожалуйста, точный адрес: номер дома и подъезд.",
    "Приложите, пожалуйста, фотографию проблемы.",
    "Уточните, о каком участке дороги идёт речь: между какими домами?",
    "Из текста непонятно, что именно требуется. Опишите проблему подробнее.",
    "Укажите, пожалуйста, место на карте: по адресу несколько строений.",
)
CLARIFICATIONS = (
    "Дом 12, второй подъезд, со стороны двора.",
    "Фото прикладываю, это напротив магазина «Пятёрочка».",
    "Между домами 5 и 7, у детской площадки.",
    "Уточняю: проблема у третьего подъезда, точку поставила на карте.",
    "Это участок от остановки до поворота к школе, метров двести.",
)
REJECTION_COMMENTS = {
    "spam": ("Реклама услуг.", "Сообщение не содержит обращения."),
    "obscene": ("Текст содержит нецензурную брань.",),
    "unreadable": ("Суть обращения не ясна.", "Текст обращения не поддаётся прочтению."),
    "not_competent": (
        "Вопрос частноправового характера (спор соседей).",
        "Вопрос относится к деятельности коммерческой организации вне сферы ЖКХ.",
    ),
    "court": ("По вопросу идёт судебное разбирательство.",),
    "no_clarification": ("",),
}
REDIRECT_REASONS = (
    "Объект не находится на балансе нашей организации.",
    "Дом находится в управлении другой управляющей компании.",
    "Участок дороги регионального значения, вопрос не в нашей компетенции.",
    "Вопрос относится к компетенции другого органа.",
    "Сети принадлежат другой ресурсоснабжающей организации.",
)
POSTPONEMENT_REASONS = (
    "Необходимо провести закупку работ по 44-ФЗ, контракт будет заключён в течение месяца.",
    "Погодные условия не позволяют выполнить работы: отрицательная температура воздуха.",
    "Требуется комиссионное обследование объекта с участием собственников.",
    "Ожидается поставка материалов и оборудования от поставщика.",
    "Необходимо согласование работ с владельцем инженерных сетей.",
    "Работы включены в график подрядной организации на ближайшие недели.",
)
REPEATED_POSTPONEMENT_REASONS = (
    "Подрядная организация не завершила работы в согласованный срок; направлена претензия, "
    "работы будут выполнены до новой даты.",
    "Поставка материалов сорвана поставщиком, заключён новый договор; прошу повторно "
    "перенести срок с учётом сроков доставки.",
    "Повторное обследование выявило дополнительный объём работ, требуется корректировка "
    "сметы и согласование финансирования.",
)
POSTPONEMENT_REFUSALS = (
    "Оснований для переноса нет: работы можно выполнить в установленный срок.",
    "Перенос не согласован. Дайте заявителю ответ по существу в срок.",
    "Причина не подтверждена документами.",
)
REWORK_COMMENTS = {
    Answer.ReworkReason.NO_ACTION: "Не указано, какие работы выполнены.",
    Answer.ReworkReason.NO_DATE: "Не указаны сроки выполнения работ.",
    Answer.ReworkReason.NO_EVIDENCE: "Нет фотофиксации выполненных работ.",
    Answer.ReworkReason.OFF_POINT: "Ответ не по существу обращения.",
    Answer.ReworkReason.LEGAL_REFERENCES: "Ответ состоит из ссылок на законы без сути.",
    Answer.ReworkReason.CONTRADICTION: "По данным мониторинга проблема не устранена.",
    Answer.ReworkReason.OTHER: "Ответ оформлен с нарушением требований.",
}
REOPEN_REASONS = (
    "Контрольный звонок: заявитель сообщил, что проблема не решена.",
    "Выездная проверка ЦУР: работы фактически не выполнены.",
    "Повторная жалоба жителей: после ремонта дефект появился снова.",
)
FORMAL_REPLIES = (
    "Ваше обращение рассмотрено. Информация принята к сведению и будет учтена в дальнейшей работе.",
    "Вопрос находится на контроле. Работы будут выполнены по мере поступления финансирования.",
    "В соответствии с Федеральным законом от 02.05.2006 № 59-ФЗ «О порядке рассмотрения "
    "обращений граждан Российской Федерации» ваше обращение рассмотрено в установленном "
    "порядке.",
    "Сообщаем, что данный вопрос будет рассмотрен в рамках компетенции.",
)
GENERIC_EXPLAINED = (
    "Работы будут выполнены в рамках плановых мероприятий {season_next}.",
    "Вопрос рассмотрен, заявителю даны разъяснения о порядке и сроках решения.",
)
GENERIC_REFUSED = ("Вопрос не относится к компетенции органа, обращение перенаправлено.",)
THANKS = (
    "Благодарим за неравнодушие.",
    "Благодарим за активную гражданскую позицию.",
    "Спасибо, что сообщили о проблеме.",
)
RATING_COMMENTS = {
    5: ("Спасибо, всё сделали быстро!", "Спасибо большое!", "Отлично, работы выполнены.", ""),
    4: ("Сделали, но долго.", "Спасибо, хотя пришлось ждать.", ""),
    3: ("Сделали частично.", "Ну хоть так.", ""),
}
NOT_SOLVED = (
    "Ответ не соответствует действительности.",
    "Ничего не сделано, только отписка.",
    "Сделали на один день, всё вернулось.",
    "Проблема осталась, фото в ответе не с нашего адреса.",
    "Работы выполнены некачественно.",
)


def season_next(day: date) -> str:
    """The works season after `day`, as an answer would name it."""
    if day.month in (11, 12, 1, 2, 3):
        return f"весенне-летнего периода {day.year + (1 if day.month >= 11 else 0)} года"
    if day.month in (4, 5, 6, 7):
        return f"летнего периода {day.year} года"
    return f"строительного сезона {day.year + 1} года"


def answer_text(
    rng,
    *,
    group: Group,
    topic: Topic,
    resolution: str,
    formal: bool,
    slots: Slots,
    salutation: str,
    done_on: date,
    has_place: bool,
) -> str:
    """An executor's answer: what was done (with a date and evidence), an explanation, a
    refusal with its reason — or a formal reply that says nothing."""
    parts = [salutation] if salutation else []
    parts.append(
        rng.choice(
            (
                "Ваше обращение рассмотрено.",
                "Рассмотрев ваше обращение, сообщаем следующее.",
                "По существу вашего обращения сообщаем.",
            )
        )
    )
    if formal:
        parts.append(rng.choice(FORMAL_REPLIES))
    elif resolution == Resolution.SOLVED:
        done = rng.choice(topic.done or group.done)
        where = f" по адресу {slots['addr']}" if has_place else ""
        parts.append(f"{done[0].upper()}{done[1:]}{where} (дата выполнения {done_on:%d.%m.%Y}).")
        if topic.evidence:
            parts.append("Фотоматериалы выполненных работ прилагаются.")
        if rng.random() < 0.3:
            parts.append(rng.choice(THANKS))
    elif resolution == Resolution.EXPLAINED:
        parts.append(rng.choice(group.explained or GENERIC_EXPLAINED).format_map(slots))
    else:
        parts.append(rng.choice(group.refused or GENERIC_REFUSED).format_map(slots))
    return capitalize_sentences(" ".join(parts))


def formal_reply_reasons(rng) -> list[str]:
    """Why the automatic check flags a formal reply."""
    reasons = [Answer.ReworkReason.NO_ACTION, Answer.ReworkReason.NO_DATE]
    if rng.random() < 0.5:
        reasons.append(Answer.ReworkReason.NO_EVIDENCE)
    if rng.random() < 0.3:
        reasons.append(Answer.ReworkReason.LEGAL_REFERENCES)
    return [str(r) for r in reasons]


def rework_reasons(rng, formal: bool) -> list[str]:
    """The criteria an operator names when returning an answer."""
    if formal:
        return formal_reply_reasons(rng)
    pool = (
        Answer.ReworkReason.NO_EVIDENCE,
        Answer.ReworkReason.NO_DATE,
        Answer.ReworkReason.OFF_POINT,
        Answer.ReworkReason.CONTRADICTION,
        Answer.ReworkReason.OTHER,
    )
    return [str(r) for r in rng.sample(pool, rng.choice((1, 1, 2)))]


def rework_comment(reasons: list[str]) -> str:
    return " ".join(REWORK_COMMENTS[Answer.ReworkReason(r)] for r in reasons)


def not_solved_comment(rng, *, topic: Topic, slots: Slots, has_place: bool) -> str:
    """The comment of a «not solved» rating; it becomes the text of the repeat appeal."""
    where = f" по адресу {slots['addr']}" if has_place else ""
    return (
        f"{rng.choice(NOT_SOLVED)} Проблема «{topic.name}»{where} не решена. "
        f"{rng.choice(('Прошу повторно разобраться.', 'Прошу взять на контроль.', ''))}"
    ).strip()
