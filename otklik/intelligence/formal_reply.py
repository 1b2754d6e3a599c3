"""The formal-reply (отписка) check, first version: plain rules with reasons.

An answer is flagged when it names no concrete action taken or planned, gives no date or term,
brings no evidence where the category needs it, repeats word for word a text sent under many
other appeals (or an unedited template), or hides behind legal references without explaining
what they mean for the applicant. The executor sees the reasons before sending, the operator at
review; the codes are the rework reasons of `Answer.ReworkReason`, so a returned answer names
the same criteria. Every rule is a pure function of the text and a few numbers: no database here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# Rework reason codes (Answer.ReworkReason values), kept as strings: no import cycle.
NO_ACTION = "no_action"
NO_DATE = "no_date"
NO_EVIDENCE = "no_evidence"
BOILERPLATE = "boilerplate"
LEGAL_REFERENCES = "legal_references"

# The same text under this many other appeals is boilerplate.
REUSE_LIMIT = 3
REUSE_WINDOW_DAYS = 180

MESSAGES = {
    NO_ACTION: _(
        "The answer does not say what was done or will be done: name the work, e.g. "
        "«яма заделана», «контейнерная площадка убрана»."
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
}
WEIGHTS = {
    NO_ACTION: 0.35,
    NO_DATE: 0.2,
    NO_EVIDENCE: 0.25,
    BOILERPLATE: 0.35,
    LEGAL_REFERENCES: 0.3,
}

# Stems of concrete work, done or planned («заделана», «будет заменён», «вывезли»).
ACTION_STEMS = re.compile(
    r"\b("
    r"выполн|провед|произвед|устран|отремонт|ремонт\w* (выполн|провед|произвед)|замен|установ|"
    r"смонтир|демонтир|убран|убрал|вывез|вывоз\w* (выполн|провед|произвед|организ)|очищ|расчищ|"
    r"заделан|заделал|залат|засыпа|заасфальт|асфальтир|восстанов|покош|скош|спил|опилен|"
    r"обрез|покраш|окраш|прочищ|промыт|обработан|ликвидир|подключ|включ|возобнов|нормализ|"
    r"отрегулир|закрыт|закрепл|огорож|вывешен|нанесен|высажен|запланир|включен\w* в план|"
    r"направлен\w* (бригад|специалист)|выезд|выехал|осмотр|обследован|проверк\w* (провед|выполн)|"
    r"сделан|сделал|починен|починил|заменил|установил|убрали|вывезли|отремонтировал"
    r")",
    re.IGNORECASE,
)
# Phrases that sound like an answer and promise nothing.
EMPTY_PHRASES = re.compile(
    r"(принят\w* к сведению|будет рассмотрен\w* (вопрос|возможност)|рассмотрен\w* (вопрос|"
    r"возможност)|при наличии (финансир|средств)|по мере (финансир|поступлен|возможност)|"
    r"в рамках (своей )?компетенц|в установленном порядке|в порядке очер[её]дности|"
    r"информаци\w* (принят|учтен))",
    re.IGNORECASE,
)
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


@dataclass(frozen=True)
class Finding:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message)}


@dataclass(frozen=True)
class FormalReplyCheck:
    """The verdict: every finding with its reason, and a score in [0, 1]."""

    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def is_formal(self) -> bool:
        return bool(self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    @property
    def score(self) -> float:
        return round(min(1.0, sum(WEIGHTS[f.code] for f in self.findings)), 2)


def normalise(text: str) -> str:
    """Lower case, ё as е, numbers as 0, punctuation and spacing collapsed: two answers that
    differ only in an appeal number or a date normalise to the same string."""
    text = (text or "").lower().replace("ё", "е")
    text = DIGITS.sub("0", text)
    return " ".join(NON_WORD.sub(" ", text).split())


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def has_action(text: str) -> bool:
    return bool(ACTION_STEMS.search(text))


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


def check_answer(
    text: str,
    *,
    resolution: str = "solved",
    needs_evidence: bool = False,
    evidence: int = 0,
    reused: int = 0,
    is_template: bool = False,
) -> FormalReplyCheck:
    """Check one answer. `reused` is the number of other appeals that got the same text (by
    `fingerprint`), `is_template` whether it is an organization's template left unedited."""
    text = text or ""
    findings: list[Finding] = []
    solved = resolution == "solved"
    if solved and (not has_action(text) or (EMPTY_PHRASES.search(text) and not has_date(text))):
        findings.append(Finding(NO_ACTION, MESSAGES[NO_ACTION]))
    if resolution != "refused" and not has_date(text):
        findings.append(Finding(NO_DATE, MESSAGES[NO_DATE]))
    if solved and needs_evidence and evidence == 0:
        findings.append(Finding(NO_EVIDENCE, MESSAGES[NO_EVIDENCE]))
    if reused >= REUSE_LIMIT:
        findings.append(Finding(BOILERPLATE, MESSAGES[BOILERPLATE] % {"count": reused}))
    elif is_template:
        findings.append(Finding(BOILERPLATE, MESSAGES["template"]))
    if bare_legal_references(text):
        findings.append(Finding(LEGAL_REFERENCES, MESSAGES[LEGAL_REFERENCES]))
    return FormalReplyCheck(tuple(findings))
