"""The formal-reply (отписка) check: rules that each give a reason, combined into a score.

Every rule is a feature with a reason the executor and the operator can read: no concrete action
taken or planned, or only words that commit to nothing (read through lemmas in `commitment.py`),
no date or term, no evidence where the category needs it, off the point (the
answer shares no content with what the appeal asked and its category), the same text sent under
many other appeals (or an unedited template), legal references with no explanation, and a
contradiction with the appeal's state (says «выполнено» while proposing an explanation or a
refusal, plans work while proposing «solved», promises a date already past). The score is the
logistic of the weighted features; the answer is flagged when the score reaches the threshold.
The weights and threshold are the defaults below, or those `calibration.py` fitted on the answers
operators of the region returned for rework (a TrainedModel of kind formal_reply). The codes are
the rework reasons of `Answer.ReworkReason`. No database here: `services.py` brings the numbers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from . import commitment, words
from .logistic import LogisticWeights

# Rework reason codes (Answer.ReworkReason values), kept as strings: no import cycle.
NO_ACTION = "no_action"
NO_DATE = "no_date"
NO_EVIDENCE = "no_evidence"
BOILERPLATE = "boilerplate"
LEGAL_REFERENCES = "legal_references"
OFF_POINT = "off_point"
CONTRADICTION = "contradiction"
CODES = (NO_ACTION, NO_DATE, NO_EVIDENCE, OFF_POINT, BOILERPLATE, LEGAL_REFERENCES, CONTRADICTION)

# The same text under this many other appeals is boilerplate.
REUSE_LIMIT = 3
REUSE_WINDOW_DAYS = 180

MESSAGES = {
    NO_ACTION: _(
        "The answer does not say what was done or will be done: name the work, e.g. "
        "«яма заделана», «контейнерная площадка убрана»."
    ),
    "vague": _(
        "The answer commits to nothing («%(phrase)s»): say what was done, or what will be done "
        "and by when."
    ),
    "open_promise": _(
        "The answer promises work without a term, and a promise with no date commits to "
        "nothing: say by when it will be done."
    ),
    NO_DATE: _("The answer gives no date or term: say when it was done or by when it will be."),
    NO_EVIDENCE: _(
        "This category needs evidence: attach a photo of the result or a document (an act)."
    ),
    BOILERPLATE: _(
        "The same text was sent under %(count)s other appeals: answer this appeal, not a template."
    ),
    "template": _(
        "The text is an answer template left as it is: write what was done on this appeal."
    ),
    LEGAL_REFERENCES: _(
        "The answer cites laws without explaining what they mean for the applicant and what "
        "will be done."
    ),
    OFF_POINT: _(
        "The answer does not address what the appeal is about: it shares no subject with the "
        "appeal's text and category."
    ),
    "off_topic": _("The answer is about something else (%(answer)s) than the appeal (%(appeal)s)."),
    CONTRADICTION: _("The answer contradicts the appeal's state: %(detail)s"),
    "done_not_solved": _("it says the work is done, while the proposed outcome is not «solved»."),
    "planned_solved": _(
        "it says the work is only planned, while the proposed outcome is «solved»."
    ),
    "date_past": _("it promises a date that has already passed (%(date)s)."),
}
# Weights of the logistic score: score = 1 / (1 + exp(-(BIAS + sum of the weights of the
# reasons found))). With the defaults one strong reason flags an answer on its own, and a missing
# date or missing evidence only together with something else. Calibration replaces them.
BIAS = -2.0
WEIGHTS = {
    NO_ACTION: 2.6,
    NO_DATE: 1.2,
    NO_EVIDENCE: 1.2,
    OFF_POINT: 2.4,
    BOILERPLATE: 2.6,
    LEGAL_REFERENCES: 2.4,
    CONTRADICTION: 2.8,
}
THRESHOLD = 0.5

MONTHS = (
    r"январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр|декабр|"
    r"квартал|полугоди|сезон|весн|лет[оа]м?\b|осен|зим"
)
DATE_PATTERNS = re.compile(
    r"(\b\d{1,2}[./]\d{1,2}([./]\d{2,4})?\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}\s+(" + MONTHS + r")"
    r"|\b(в|до|к|с|на|по|течение)\s+(\w+\s+)?(" + MONTHS + r")"
    r"|\bв\s+\d{4}\s+год"
    r"|\b\d{4}\s+г(ода?|\.)"
    r"|\bв течение\s+(\d+|одного|двух|тр[её]х|пяти|десяти|недели|месяца|суток|дня)"
    r"|\b(сегодня|вчера|завтра|на этой неделе|на следующей неделе|на текущей неделе)"
    r"|\b\d+\s+(рабоч\w+\s+)?(дн|календарн|недел|месяц|суток|час))",
    re.IGNORECASE,
)
LEGAL = re.compile(
    r"(\b\d+-ФЗ\b|федеральн\w+ закон|\bзакон\w*\b|\bстать\w+ \d+|\bст\.\s*\d+|\bп\.\s*\d+|"
    r"\bпункт\w* \d+|постановлени\w+|\bСанПиН|\bГОСТ|\bСП \d|кодекс\w*|регламент\w*|"
    r"приказ\w* (министерств|минстро)|\bКоАП)",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"(?<=[.!?])\s+")
NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
DIGITS = re.compile(r"\d+")

# The work is reported as done («выполнен», «устранили», «проблема решена»), not negated.
DONE_CLAIM = re.compile(
    r"(?<!не )\b(выполнен[аоы]?|устранен[аоы]?|устранил[аи]?|заделан[аоы]?|заделал[аи]?|"
    r"отремонтирован[аоы]?|отремонтировал[аи]?|восстановлен[аоы]?|ликвидирован[аоы]?|"
    r"вывезен[аоы]?|вывезли|решен[аоы]?)\b",
    re.IGNORECASE,
)
# The work is only planned or promised.
PLAN_CLAIM = re.compile(
    r"\b(будет|будут|планируется|планируются|запланирован\w*|включен\w* в (план|перечень|"
    r"программ|график)|предусмотрен\w*|по мере (финансир|поступлен)|после (выделения|"
    r"поступления|установления))",
    re.IGNORECASE,
)
FUTURE = re.compile(r"\b(будет|будут|планиру\w+|запланир\w+|обеспеч\w+|срок\w*)\b", re.IGNORECASE)
MONTH_NUMBERS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
PROMISED_DATE = re.compile(
    r"\b(?:до|к|не позднее|в срок до)\s+(?:(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b|(\d{1,2})\s+("
    r"январ|феврал|март|апрел|ма|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*\s+(\d{4}))",
    re.IGNORECASE,
)
# A few topic vocabularies: an answer about street lights under an appeal
# about a pothole is off the point even though both are «дорога».
TOPIC_WORDS = {
    "roads": "яма выбоина асфальт покрытие ямочный проезжая тротуар обочина грейдирование",
    "lights": "фонарь освещение светильник лампа опора горит кабель прожектор",
    "waste": "мусор контейнер отходы свалка бак площадка вывоз ТКО",
    "heat": "отопление батарея тепло холодно стояк радиатор теплоноситель",
    "water": "вода водоснабжение напор кран канализация засор водопровод",
    "snow": "снег наледь сосулька гололёд посыпка реагент",
    "green": "дерево спилить трава покос кустарник ветки газон",
    "transport": "автобус маршрут остановка интервал расписание перевозчик водитель",
    "roof": "кровля крыша протечка течь",
    "animals": "собака отлов животное безнадзорный",
}


TOPIC_LABELS = {
    "roads": _("roads"),
    "lights": _("street lighting"),
    "waste": _("waste"),
    "heat": _("heating"),
    "water": _("water"),
    "snow": _("snow and ice"),
    "green": _("trees and grass"),
    "transport": _("public transport"),
    "roof": _("roofs"),
    "animals": _("animals"),
}


@lru_cache(maxsize=1)
def topics() -> dict[str, set[str]]:
    """TOPIC_WORDS as keys of `words.keys` (computed once, on first use)."""
    return {name: words.keys(text) for name, text in TOPIC_WORDS.items()}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message)}


@dataclass(frozen=True)
class Weights(LogisticWeights):
    """The parameters of the score: a bias, a weight per reason, the threshold of a flag."""

    bias: float = BIAS
    weights: dict = field(default_factory=lambda: dict(WEIGHTS))
    threshold: float = THRESHOLD

    def score(self, codes) -> float:
        return self.logistic(sum(self.weights.get(code, 0.0) for code in set(codes)))


DEFAULT = Weights()


@dataclass(frozen=True)
class FormalReplyCheck:
    """The verdict: every finding with its reason, the score in [0, 1] and the threshold."""

    findings: tuple[Finding, ...] = field(default_factory=tuple)
    weights: Weights = DEFAULT

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    @property
    def score(self) -> float:
        return round(self.weights.score(self.codes), 3) if self.findings else 0.0

    @property
    def is_formal(self) -> bool:
        return bool(self.findings) and self.weights.score(self.codes) >= self.weights.threshold


def score_codes(codes, weights: Weights = DEFAULT) -> float:
    """The score of a set of reason codes (the demo's generated answers use it)."""
    return round(weights.score(codes), 3) if codes else 0.0


def normalise(text: str) -> str:
    """Lower case, ё as е, numbers as 0, punctuation and spacing collapsed: two answers that
    differ only in an appeal number or a date normalise to the same string."""
    text = (text or "").lower().replace("ё", "е")
    text = DIGITS.sub("0", text)
    return " ".join(NON_WORD.sub(" ", text).split())


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def has_action(text: str) -> bool:
    """Work reported done or promised, with or without a term (see `commitment.py`)."""
    return commitment.read(text).any_work


def no_action_message(reading: commitment.Reading) -> str:
    """The no_action reason: quotes the empty phrase, or says the promise has no term."""
    if reading.vague and not reading.any_work:
        return MESSAGES["vague"] % {"phrase": reading.vague}
    if reading.promised_without_term:
        return str(MESSAGES["open_promise"])
    return str(MESSAGES[NO_ACTION])


def has_date(text: str) -> bool:
    return bool(DATE_PATTERNS.search(text))


def bare_legal_references(text: str) -> bool:
    """Laws cited, and little said besides them: the sentences without a legal reference are
    shorter than the ones with, or there are fewer than 80 characters of them."""
    sentences = [s for s in SENTENCE.split(text.strip()) if s]
    legal = [s for s in sentences if LEGAL.search(s)]
    if not legal:
        return False
    plain = " ".join(s for s in sentences if not LEGAL.search(s))
    return len(plain) < 80 or len(plain) < len(" ".join(legal)) / 2


def topics_of(keys: set[str]) -> set[str]:
    return {name for name, vocabulary in topics().items() if keys & vocabulary}


def off_point(
    text: str, appeal_text: str, subject: str = "", address: str = ""
) -> tuple[bool, set[str], set[str]]:
    """Whether the answer misses the appeal's subject: (off, answer topics, appeal topics).

    Off when the answer names at least two content words and shares none with the appeal's text
    and category names (`subject`), or when it is about another topic of TOPICS than the
    appeal. Words of the address do not count as shared: «Московская» is not a subject."""
    if not (appeal_text or "").strip():
        return False, set(), set()
    exclude = words.keys(address)
    answer = words.keys(text, exclude=exclude)
    appeal = words.keys(f"{appeal_text} {subject}", exclude=exclude)
    answer_topics, appeal_topics = topics_of(answer), topics_of(appeal)
    if answer & appeal or answer_topics & appeal_topics:
        return False, answer_topics, appeal_topics
    if answer_topics and appeal_topics:
        return True, answer_topics, appeal_topics
    return len(answer) >= 2, answer_topics, appeal_topics


def promised_dates(text: str) -> list[date]:
    """Dates the answer promises work by («будет выполнено до 15.03.2025»)."""
    found = []
    for sentence in SENTENCE.split(text or ""):
        if not FUTURE.search(sentence):
            continue
        for m in PROMISED_DATE.finditer(sentence):
            try:
                if m.group(1):
                    year = int(m.group(3))
                    year += 2000 if year < 100 else 0
                    found.append(date(year, int(m.group(2)), int(m.group(1))))
                else:
                    month = MONTH_NUMBERS[m.group(5).lower()]
                    found.append(date(int(m.group(6)), month, int(m.group(4))))
            except (ValueError, KeyError):
                continue
    return found


def contradiction(text: str, resolution: str, today: date | None = None) -> str:
    """The key of MESSAGES saying how the answer contradicts the appeal's state, or ''."""
    text = (text or "").replace("ё", "е").replace("Ё", "Е")
    done, planned = bool(DONE_CLAIM.search(text)), bool(PLAN_CLAIM.search(text))
    if resolution in ("explained", "refused") and done and not planned:
        return "done_not_solved"
    if resolution == "solved" and planned and not done:
        return "planned_solved"
    if today is not None and any(day < today for day in promised_dates(text)):
        return "date_past"
    return ""


def check_answer(
    text: str,
    *,
    resolution: str = "solved",
    needs_evidence: bool = False,
    evidence: int = 0,
    reused: int = 0,
    is_template: bool = False,
    appeal_text: str = "",
    subject: str = "",
    address: str = "",
    today: date | None = None,
    weights: Weights = DEFAULT,
) -> FormalReplyCheck:
    """Check one answer. `reused` is the number of other appeals that got the same text (by
    `fingerprint`), `is_template` whether it is an organization's template left unedited;
    `appeal_text`, `subject` (category names) and `address` let the off-the-point rule compare
    content, `today` the contradiction rule find promised dates already past."""
    text = text or ""
    findings: list[Finding] = []
    solved = resolution == "solved"
    reading = commitment.read(text)
    if (solved and not reading.any_work) or (resolution != "refused" and reading.empty):
        findings.append(Finding(NO_ACTION, no_action_message(reading)))
    if resolution != "refused" and not has_date(text):
        findings.append(Finding(NO_DATE, MESSAGES[NO_DATE]))
    if solved and needs_evidence and evidence == 0:
        findings.append(Finding(NO_EVIDENCE, MESSAGES[NO_EVIDENCE]))
    off, answer_topics, appeal_topics = off_point(text, appeal_text, subject, address)
    if off:
        if answer_topics and appeal_topics:
            message = MESSAGES["off_topic"] % {
                "answer": ", ".join(str(TOPIC_LABELS[t]) for t in sorted(answer_topics)),
                "appeal": ", ".join(str(TOPIC_LABELS[t]) for t in sorted(appeal_topics)),
            }
        else:
            message = MESSAGES[OFF_POINT]
        findings.append(Finding(OFF_POINT, message))
    if reused >= REUSE_LIMIT:
        findings.append(Finding(BOILERPLATE, MESSAGES[BOILERPLATE] % {"count": reused}))
    elif is_template:
        findings.append(Finding(BOILERPLATE, MESSAGES["template"]))
    if not reading.committed and bare_legal_references(text):
        findings.append(Finding(LEGAL_REFERENCES, MESSAGES[LEGAL_REFERENCES]))
    detail = contradiction(text, resolution, today)
    if detail:
        found = {"date": ", ".join(f"{d:%d.%m.%Y}" for d in promised_dates(text))}
        findings.append(
            Finding(
                CONTRADICTION,
                MESSAGES[CONTRADICTION] % {"detail": str(MESSAGES[detail]) % found},
            )
        )
    return FormalReplyCheck(tuple(findings), weights)
