"""A hand-labelled set of answers to appeals: True where an operator should return the answer
as a formal reply (отписка), False where it answers the appeal. Written by hand, independently of
the demo's generator; the test and bench/intelligence_texts.py measure the check on it."""

# ruff: noqa: E501 — one labelled answer a line reads best

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

TODAY = date(2026, 3, 20)
POTHOLE = ("На дороге у дома 5 по улице Гагарина глубокая яма, машины бьют колёса.", "Ямы Дороги")
LIGHT = ("Не горят фонари во дворе дома 14, вечером темно и страшно.", "Уличное освещение")
WASTE = ("Мусор с контейнерной площадки не вывозят неделю, баки переполнены.", "Вывоз мусора")
HEAT = ("В квартире холодно, батареи еле тёплые, температура 16 градусов.", "Отопление")
WATER = ("Третий день нет холодной воды в доме 8, никто ничего не объясняет.", "Водоснабжение")
ROOF = ("Течёт крыша над квартирой 45 на пятом этаже, вода по стенам.", "Протечки кровли")
SNOW = ("Тротуар у школы не чистят от снега, сплошная наледь, дети падают.", "Уборка снега")
DOGS = ("У остановки стая бездомных собак кидается на прохожих.", "Безнадзорные собаки")
BUS = ("Автобус 24 ходит с интервалом в час, утром не уехать на работу.", "Общественный транспорт")
TREE = ("Аварийное дерево у подъезда наклонилось над детской площадкой.", "Зелёные насаждения")

# (appeal, answer, resolution, needs_evidence, evidence, formal?)
CASES = [
    (POTHOLE, "Яма заделана горячим асфальтом 12.03.2026, фото прилагается.", "solved", True, 1, False),
    (POTHOLE, "Выполнен ямочный ремонт покрытия у дома 5 по ул. Гагарина 14 марта.", "solved", True, 2, False),
    (POTHOLE, "Участок включён в план ремонта дорог на май 2026 года, яма будет заделана до 31.05.2026.", "explained", False, 0, False),
    (POTHOLE, "Ваше обращение рассмотрено. Информация принята к сведению.", "explained", False, 0, True),
    (POTHOLE, "Вопрос будет рассмотрен при наличии финансирования.", "explained", False, 0, True),
    (POTHOLE, "Заменены лампы в светильниках уличного освещения 12.03.2026.", "solved", True, 1, True),
    (POTHOLE, "Яма заделана 10.03.2026.", "explained", False, 0, True),
    (POTHOLE, "Ремонт ямы будет выполнен до 01.03.2026.", "explained", False, 0, True),
    (POTHOLE, "В соответствии со статьёй 12 Федерального закона № 196-ФЗ и п. 4.4 ГОСТ Р 50597-2017 обращение рассмотрено.", "explained", False, 0, True),
    (POTHOLE, "Работы по ремонту покрытия запланированы на летний период.", "solved", False, 0, True),
    (LIGHT, "Заменены светильники во дворе дома 14, освещение восстановлено 11.03.2026.", "solved", True, 1, False),
    (LIGHT, "Фонари включены после ремонта кабеля 13 марта, фото прилагаем.", "solved", True, 1, False),
    (LIGHT, "Ваше обращение принято к сведению.", "solved", True, 0, True),
    (LIGHT, "Вывезен мусор с контейнерной площадки 12.03.2026.", "solved", False, 0, True),
    (LIGHT, "Замена светильников включена в план на второй квартал 2026 года.", "explained", False, 0, False),
    (WASTE, "Отходы вывезены, площадка убрана 15.03.2026, фото прилагается.", "solved", True, 1, False),
    (WASTE, "Региональному оператору направлено требование, вывоз мусора выполнен 16 марта, контейнеры заменены.", "solved", True, 1, False),
    (WASTE, "Сообщаем, что данный вопрос будет рассмотрен в рамках компетенции.", "explained", False, 0, True),
    (WASTE, "Вывоз отходов осуществляется по графику: ежедневно летом, раз в три дня зимой; следующий вывоз 21.03.2026.", "explained", False, 0, False),
    (WASTE, "Яма на дороге заделана 12.03.2026.", "solved", False, 0, True),
    (HEAT, "Выполнена регулировка системы отопления 10.03.2026, стояки прогреты, температура 22 градуса.", "solved", False, 0, False),
    (HEAT, "Управляющая компания промыла батареи 12 марта, температура в квартире в норме.", "solved", False, 0, False),
    (HEAT, "Информация принята к сведению и будет учтена в дальнейшей работе.", "explained", False, 0, True),
    (HEAT, "Согласно постановлению Правительства РФ № 354 и СанПиН 1.2.3685-21 температура нормируется.", "explained", False, 0, True),
    (HEAT, "Отопительный сезон начинается при среднесуточной температуре ниже +8 °C в течение пяти суток; с 15 марта подача тепла по графику.", "explained", False, 0, False),
    (WATER, "Водоснабжение восстановлено 18.03.2026 после устранения аварии на сетях.", "solved", False, 0, False),
    (WATER, "Аварийная бригада устранила порыв водопровода 17 марта, вода подана.", "solved", False, 0, False),
    (WATER, "Ваше обращение рассмотрено в установленном порядке.", "solved", False, 0, True),
    (WATER, "Работы будут выполнены по мере поступления финансирования.", "explained", False, 0, True),
    (WATER, "Водоснабжение восстановлено.", "refused", False, 0, True),
    (ROOF, "Выполнен ремонт кровли над квартирой 45 14.03.2026, протечка устранена, акт прилагается.", "solved", True, 1, False),
    (ROOF, "Ремонт кровли включён в план текущего ремонта на май 2026 года; до этого выполнен локальный ремонт мест протечек.", "explained", False, 0, False),
    (ROOF, "Вопрос находится на контроле.", "explained", False, 0, True),
    (ROOF, "Произведён покос травы на придомовой территории 12.03.2026.", "solved", False, 0, True),
    (SNOW, "Тротуар у школы очищен от снега и наледи, обработан реагентом 19.03.2026.", "solved", False, 0, False),
    (SNOW, "Уборка снега будет выполнена в порядке очерёдности.", "explained", False, 0, True),
    (SNOW, "Снег убран, тротуар посыпан песком 18 марта.", "solved", False, 0, False),
    (DOGS, "Проведён отлов безнадзорных собак у остановки 16.03.2026, отловлено 5 животных.", "solved", False, 0, False),
    (DOGS, "Отлов животных проводится по заявкам в порядке очереди в рамках муниципального контракта.", "explained", False, 0, True),
    (DOGS, "Сообщаем, что обращение рассмотрено в рамках компетенции.", "explained", False, 0, True),
    (BUS, "Перевозчику указано на соблюдение расписания, с 16 марта на маршрут 24 выпущены два дополнительных автобуса.", "solved", False, 0, False),
    (BUS, "Интервал движения установлен по результатам обследования пассажиропотока; в часы пик с 1 апреля добавим автобусы.", "explained", False, 0, False),
    (BUS, "Информация принята к сведению.", "explained", False, 0, True),
    (TREE, "Аварийное дерево у подъезда спилено 13.03.2026, порубочные остатки вывезены.", "solved", True, 1, False),
    (TREE, "Спил дерева будет выполнен до 10.02.2026.", "explained", False, 0, True),
    (TREE, "Обследование дерева проведено 12.03.2026, дерево признано аварийным, спил запланирован на 25 марта 2026 года.", "explained", False, 0, False),
]  # fmt: skip


# The larger labelled set (issue 17 item 11): answers written like real executors' across twelve
# topics, in tab-separated files under data/. The tuning part is what the rules were adjusted
# on; the held-out part was written before the rules were changed and not used to adjust them.
DATA = Path(__file__).resolve().parent / "data"
SPLITS = ("tuning", "held_out")


@dataclass(frozen=True)
class Labelled:
    split: str
    topic: str
    appeal: str
    subject: str
    needs_evidence: bool
    text: str
    resolution: str
    evidence: int
    formal: bool


def labelled_answers(splits=SPLITS) -> list[Labelled]:
    """The labelled answers of the given parts, each with its appeal's text and category."""
    with open(DATA / "formal_reply_appeals.tsv", encoding="utf-8", newline="") as f:
        appeals = {row["topic"]: row for row in csv.DictReader(f, delimiter="\t")}
    found = []
    for split in splits:
        with open(DATA / f"formal_reply_{split}.tsv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                appeal = appeals[row["topic"]]
                found.append(
                    Labelled(
                        split=split,
                        topic=row["topic"],
                        appeal=appeal["appeal"],
                        subject=appeal["subject"],
                        needs_evidence=appeal["needs_evidence"] == "1",
                        text=row["answer"],
                        resolution=row["resolution"],
                        evidence=int(row["evidence"]),
                        formal=row["formal"] == "1",
                    )
                )
    return found
