"""What an answer commits to: work reported done, work promised by a term, or words that only
sound like an answer («будут учтены», «рассматривается возможность», «согласно графику»).

Verbs are read through their lemmas and grammar (pymorphy3, cached per word), so any verb of
work counts whatever the executor chose: «стравили воздух», «добавлены 2 автобуса», «интервал
сокращён», «залатали кровлю». A verb is work unless it belongs to the paperwork vocabulary
(рассмотреть, учесть, направить, принять, сообщить…): past forms and short passive participles
report it done («проведён ремонт», «выполнена замена»); «будет/будут» with a participle or an
infinitive, plan words («запланирован», «включён в план», «назначен на») and perfective future
forms («заменим») promise it. A promise binds only with a specific term in its sentence: a date,
a month, a quarter, «в течение 3 дней», a time of day or a frequency; a bare year is not one.
Pure functions, no database; about 0.1 ms an answer once the words are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WORD = re.compile(r"[а-яa-z]+(?:-[а-яa-z]+)*")
# A sentence ends at . ! ? ; followed by a capital, unless the dot closes an abbreviation.
SENTENCE = re.compile(
    r"(?<!\bул)(?<!\bд)(?<!\bкв)(?<!\bг)(?<!\bим)(?<!\bст)(?<!\bп)(?<!\bм)(?<!\bтыс)(?<!\bруб)"
    r"(?<=[.!?;])\s+"
)

# Verbs of paperwork, assessment and state: not work, whatever their form.
NOT_WORK = frozenset(
    """
    рассмотреть рассматривать рассматриваться учесть учитывать учитываться изучить изучать
    изучаться проработать прорабатывать прорабатываться принять принимать приниматься
    сообщить сообщать уведомить уведомлять информировать проинформировать довести доводить
    направить направлять перенаправить переадресовать передать передавать поручить поручать
    рекомендовать указать указывать дать давать взять брать поставить находиться являться
    зарегистрировать получить поступить обратиться обращаться разъяснить разъяснять решить
    решать решаться определить определяться осуществляться осуществлять производиться
    проводиться выполняться вестись работать ожидать ожидаться обязать известить отметить
    подтвердиться подтвердить зафиксировать зафиксироваться выявить выявиться признать
    показать связать повредить сломать разрушить нарушить сорвать допустить вызвать ответить
    прийти придти контролировать проконтролировать быть иметь иметься мочь стать остаться
    оставаться доложить обеспечить обеспечивать обеспечиваться планироваться планировать
    запланировать предусмотреть предусматривать предусматриваться назначить войти входить
    """.split()  # noqa: SIM905
)
# Plan words: the sentence promises work («ремонт запланирован», «включён в план»).
PLAN_WORDS = frozenset(
    "планироваться планировать запланировать предусмотреть предусматриваться назначить".split()  # noqa: SIM905
)
INTO_PLAN_VERBS = frozenset({"включить", "внести"})
# Generic verbs of doing count only with a named piece of work: «проведена работа с УК»,
# «организованы мероприятия», «усилен контроль» name none.
GENERIC_VERBS = frozenset(
    "провести проводить выполнить осуществить произвести организовать усилить".split()  # noqa: SIM905
)
WORK_UNNAMED = re.compile(
    r"((провед|организ|осуществл|выполн|произвед)\w*\s+(\w+\s+){0,2}?(работа|работу|мероприяти)"
    r"|(работа|мероприяти\w*)\s+(\w+\s+){0,2}?(провед|организ|осуществл)|усилен\w* контрол)"
)
# «включить/внести/войти» promise only into a plan: «включено в план», not «освещение включено».
INTO_PLAN = re.compile(
    r"\b(включ|внес|внос|вош|вход)\w*\s+(\w+\s+){0,2}?в\s+(\w+\s+){0,3}?"
    r"(план|перечень|график|программ|титульн|адресн|список|реестр|контракт)"
)
MODALS = frozenset(
    "должный должен обязанный обязан мочь можно нужно необходимо нельзя требоваться".split()  # noqa: SIM905
)

MONTH = r"(январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*"
SPECIFIC_TERM = re.compile(
    r"(\b\d{1,2}[./]\d{1,2}([./]\d{2,4})?\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}(-го)?\s+" + MONTH + r"|\b(в|во|до|к|с|на|по|течение|конц[ае]|начал[ае]|"
    r"середин[еу])\s+(\w+\s+)?" + MONTH + r"|\b(\d|[iv]+|перв|втор|трет|четв[её]рт)\w*\s+"
    r"(квартал|полугоди)|\b(в|до|к|с)\s+\d{1,2}[:.]\d{2}\b|\b\d{1,2}:\d{2}\b"
    r"|\bв течение\s+(\d+|одного|двух|тр[её]х|пяти|десяти|недели|месяца|суток|дня|час)"
    r"|\b\d+\s+(рабоч\w+\s+|календарн\w+\s+)?(дн|недел|месяц|суток|час)"
    r"|\b(ежедневно|еженедельно|ежемесячно|круглосуточно|раз в|кажд\w+ (день|недел|час|"
    r"утро|\d+))|\bпо (понедельник|вторник|сред|четверг|пятниц|суббот|воскресень)\w*"
    r"|\b(сегодня|завтра|послезавтра|на этой неделе|на следующей неделе|на текущей неделе)"
    r"|\b(весн|лет|осен|зим)\w*\s+(\d{4}|текущего|этого|следующего)"
    r")"
)
# Words that stand in for a commitment: always empty unless real work is reported or promised.
VAGUE = re.compile(
    r"(принят\w* к сведению|довед\w* до (\w+ )?сведения|доводим до|\bрассмотр\w+|"
    r"\bрассматрива\w+|\bучт[её]н\w*|\bучтем|\bучитыва\w+|\bизуч(ен|ить|ат|им)\w*|"
    r"\bпроработ\w*|\bпрорабатыва\w*|(взят|наход|поставлен|оста|держ)\w* на контрол|"
    r"(принят\w*|приняти\w*|принима\w*) мер|мер\w* (принят|приним)|\bрекоменд\w*|"
    r"указан\w* на (недопустим|необходим)|о необходимости|в установленном порядке|"
    r"в порядке (общей )?очер[её]д|по мере|при наличии (финансир|средств|денежн|бюджет)|"
    r"после (выделения|поступления) (средств|финансир)|в пределах (\w+ )?(лимит|средств|бюджет)|"
    r"в ближайшее время|в кратчайш\w+ срок|по возможности|\bвозможн\w*|в штатном режиме|"
    r"не зафиксирован|работа\w* над|специалисты работают|решени\w* будет принят|"
    r"будет принято решение|будет решаться|срок\w* (будут сообщ|определя)|сообщ\w+ дополнительно|"
    r"дан\w* (поручени|указани|рекомендац|соответствующ)|поручено|принят\w* в работу|"
    r"(в|по) соответствующ\w* (служб|орган|организац|инстанц)|по принадлежности|по компетенции|"
    r"в летний период|в весенне-летний период|в теплое время|в рамках (своей )?компетенц|"
    r"информаци\w* (принят|учтен))"
)
# Words that are empty only when their sentence names no specific term: a schedule («согласно
# утверждённому графику»), work under way («работы ведутся»), a referral («обращение направлено»).
VAGUE_UNLESS_TERM = re.compile(
    r"((согласно|в соответствии с|по|на основании)\s+(\w+\s+){0,2}?(график|план\w*|расписани|"
    r"регламент|проект\w* организации)\w*|ведет\w* работ|ведут\w* работ|работ\w* ведут|"
    r"работ\w*\s+(\S+\s+){0,3}?(ведут|ведет|провод|выполня)|(провод|выполня)\w* работ|"
    r"(обращени|информаци|письм|запрос|материал)\w*\s+(\S+\s+){0,3}?(направлен|перенаправлен|"
    r"переадресован|передан)|(направлен|перенаправлен|переадресован|передан)\w*\s+(\S+\s+){0,3}?"
    r"(обращени|информаци|письм|запрос))"
)


@dataclass(frozen=True)
class Reading:
    """What the answer says about work: done, promised by a term, promised without one, and
    the first empty phrase found (as written), if any."""

    done: bool = False
    promised: bool = False
    promised_without_term: bool = False
    vague: str = ""

    @property
    def any_work(self) -> bool:
        return self.done or self.promised or self.promised_without_term

    @property
    def committed(self) -> bool:
        return self.done or self.promised

    @property
    def empty(self) -> bool:
        """Nothing done or bound to a term, and only vague words or open promises."""
        return not self.committed and bool(self.vague or self.promised_without_term)


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def grammar(word: str) -> tuple[str, str, str]:
    """(lemma, part of speech, tense) of a lower-case word; a verbal reading is preferred when
    the dictionary finds one nearly as likely («заменим» is «заменить», not «заменимый»)."""
    parses = _morph().parse(word)
    best = parses[0]
    for parse in parses:
        if parse.tag.POS in ("VERB", "PRTS", "INFN") and parse.score >= best.score * 0.6:
            best = parse
            break
    return best.normal_form.replace("ё", "е"), best.tag.POS or "", best.tag.tense or ""


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.split(text) if s.strip()]


def _sentence_work(sentence: str) -> tuple[bool, bool, bool]:
    """(work done, work promised, a perfective future) in one sentence, from its verbs. A bare
    future («вам пересчитают плату») often explains what follows from a rule: it binds with a
    term and is not held against the answer without one, unlike «будет»."""
    tokens = WORD.findall(sentence)
    parsed = [grammar(token) for token in tokens]
    into_plan = bool(INTO_PLAN.search(sentence))
    unnamed = bool(WORK_UNNAMED.search(sentence))
    done = promised = future = False
    for i, (lemma, pos, tense) in enumerate(parsed):
        if pos not in ("VERB", "PRTS", "INFN"):
            continue
        before = [p[0] for p in parsed[max(0, i - 3) : i]]
        if "не" in before[-2:]:
            continue
        if lemma in PLAN_WORDS:
            promised = True
            continue
        if lemma in NOT_WORK:
            continue
        if any(b in MODALS for b in before) or (lemma in INTO_PLAN_VERBS and into_plan):
            continue
        if unnamed and lemma in GENERIC_VERBS:
            continue
        future = any(t in ("будет", "будут") for t in tokens[max(0, i - 3) : i])
        if future and pos in ("PRTS", "INFN"):
            promised = True
        elif pos == "INFN":
            promised = promised or any(b in PLAN_WORDS for b in before)
        elif tense == "futr":
            future = True
        elif tense == "past":
            done = True
    return done, promised or into_plan, future


def quote(sentence: str, start: int, end: int) -> str:
    """The matched words, whole, as the operator reads them; a lone word with its neighbour
    before it («будут учтены») or, at the start, after it («Рассматривается возможность»)."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
    inside = [i for i, (s, e) in enumerate(words) if e > start and s < end]
    if not inside:
        return ""
    first, last = inside[0], inside[-1]
    if first == last:
        first, last = (first - 1, last) if first > 0 else (first, min(last + 1, len(words) - 1))
    return sentence[words[first][0] : words[last][1]].strip(' .,;:!?()«»"')


def read(text: str) -> Reading:
    """Read an answer: see the module's docstring."""
    text = (text or "").replace("ё", "е").replace("Ё", "Е")
    done = promised = open_promise = False
    vague = ""
    for sentence in sentences(text):
        lower = sentence.lower()
        term = bool(SPECIFIC_TERM.search(lower))
        sentence_done, sentence_promised, future = _sentence_work(lower)
        done = done or sentence_done
        promised = promised or (future and term)
        if sentence_promised:
            promised = promised or term
            open_promise = open_promise or not term
        if not vague:
            found = (
                VAGUE.search(lower)
                or WORK_UNNAMED.search(lower)
                or (None if term else VAGUE_UNLESS_TERM.search(lower))
            )
            vague = quote(sentence, found.start(), found.end()) if found else ""
    return Reading(done, promised, open_promise and not promised, vague)
