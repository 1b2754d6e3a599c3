"""Demo topics about people and services: health, education, social protection, culture, sport,
building, public services, trade, communications, land, cemeteries, work. Templates use the
slots documented in texts.py."""

from __future__ import annotations

from .topic_types import FAST, Group, Topic

# Data tables: one topic per block, easier to read than one argument per line.
# fmt: off
HEALTH = Group(
    "health",
    "Здравоохранение",
    hint="При угрозе жизни вызывайте скорую помощь: 103 или 112.",
    explained=(
        "Запись к врачам-специалистам осуществляется по направлению участкового терапевта; "
        "дополнительные талоны открываются ежедневно в 8:00 на портале Госуслуг.",
        "Медицинская организация укомплектовывается кадрами в рамках программы «Земский "
        "доктор»; до прихода специалиста приём ведёт выездная бригада.",
    ),
    refused=("Нарушений порядка оказания медицинской помощи по результатам проверки не выявлено.",),
    done=("проведена служебная проверка, приняты меры",),
    topics=(
        Topic(
            "doctor-appointment", "Запись к врачу", "health", 2.5, season="flu", point=0.15,
            evidence=False,
            texts=(
                "Невозможно записаться к терапевту {clinic_in}: на Госуслугах нет талонов на "
                "{n2_3} недели вперёд, по телефону не дозвониться.",
                "Чтобы взять талон к {specialist} {clinic_in}, надо стоять в очереди с шести "
                "утра. Почему нельзя записаться нормально?",
            ),
            done=("пациент записан на приём, расписание врачей расширено",),
        ),
        Topic(
            "doctors-shortage", "Нехватка врачей", "health", 1.2, point=0.15, evidence=False,
            texts=(
                "{clinic_in} нет {specialist} {since}, записаться не к кому.",
                "~{settlement_in} один фельдшер на несколько сёл, к врачу не попасть.",
            ),
        ),
        Topic(
            "free-medicines", "Льготные лекарства", "health_regional", 1.2, public=False,
            point=0.0, evidence=False,
            texts=(
                "Не могу получить льготный препарат {since_short}: в аптеке говорят, что нет "
                "поставки. У меня {disease}.",
                "Ребёнку-инвалиду положены бесплатные лекарства, но {since} выдают замену, "
                "которая не подходит.",
            ),
            done=("препарат поступил в аптечный пункт, пациент обеспечен",),
        ),
        Topic(
            "ambulance", "Скорая помощь", "health", 0.8, point=0.5, evidence=False,
            hint="При угрозе жизни вызывайте скорую помощь: 103 или 112.",
            texts=(
                "{when} скорая к пожилому отцу ехала больше часа. Адрес: {addr}.",
                "Диспетчер скорой отказался направить бригаду к ребёнку с температурой {n38_39}.",
            ),
        ),
        Topic(
            "care-quality", "Качество медицинской помощи", "health", 1, public=False, point=0.0,
            evidence=False,
            texts=(
                "Прошу разобраться: {clinic_in} {when} мне отказали в приёме без записи с "
                "температурой {n38_39}.",
                "Моей маме {clinic_in} поставили неверный диагноз, лечение не помогает.",
            ),
        ),
        Topic(
            "rural-medicine", "ФАП и медпомощь на селе", "health", 0.8, city=0.1, rural=2.5,
            point=0.4,
            texts=(
                "~{settlement_in} закрыли ФАП, фельдшер приезжает раз в неделю, пожилым "
                "людям не добраться.",
                "~Здание ФАПа {settlement_in} ветхое, зимой там холодно.",
            ),
        ),
        Topic(
            "medical-staff-rudeness", "Грубость медицинского персонала", "health", 0.5,
            public=False, point=0.0, evidence=False,
            texts=(
                "В регистратуре {clinic_in} хамят пациентам, на вопросы не отвечают.",
            ),
        ),
        Topic(
            "vaccination", "Вакцинация", "health", 0.4, season="flu", point=0.1, evidence=False,
            texts=(
                "{clinic_in} нет вакцины от гриппа, хотя объявлена прививочная кампания.",
            ),
        ),
        Topic(
            "hospital-buildings", "Содержание больниц и поликлиник", "health", 0.5, point=0.5,
            texts=(
                "{clinic_in} не работает лифт, пожилые поднимаются на четвёртый этаж "
                "пешком.",
                "Возле входа {clinic_in} нет пандуса, с коляской не заехать.",
            ),
        ),
        Topic(
            "pharmacies", "Аптеки", "health_regional", 0.4, city=0.3, rural=2.0, point=0.3,
            evidence=False,
            texts=(
                "{settlement_in} закрылась единственная аптека, за лекарствами ездим в "
                "райцентр.",
            ),
        ),
    ),
)

EDUCATION = Group(
    "education",
    "Образование",
    explained=(
        "Место в детском саду будет предоставлено при комплектовании групп с 1 сентября в "
        "порядке очерёдности.",
        "Ремонт здания включён в программу капитального ремонта школ на {next_year} год.",
    ),
    done=("нарушения устранены, руководителю учреждения указано на недопустимость",),
    topics=(
        Topic(
            "kindergarten-queue", "Очередь в детский сад", "education", 1.2, season="school",
            point=0.2, evidence=False,
            texts=(
                "Ребёнку {n3_5} года, в ближайший детский сад места так и не дают, стоим в "
                "очереди {since}.",
                "Нам предлагают место в детском саду на другом конце города, хотя рядом с домом "
                "{addr} три садика.",
            ),
        ),
        Topic(
            "school-buildings", "Состояние школ и детских садов", "education", 1,
            season="warm", point=0.6,
            texts=(
                "{school_in} течёт крыша спортзала, в классах холодно.",
                "В детском саду {area_in} на участке сломаны веранды, дети гуляют у забора.",
            ),
        ),
        Topic(
            "school-bus", "Школьный автобус", "education", 0.8, season="school", city=0.1,
            rural=2.5, point=0.4, evidence=False,
            texts=(
                "~Школьный автобус из {settlement} перестал заезжать, детям идти {n2_5} км по "
                "обочине.",
            ),
        ),
        Topic(
            "school-meals", "Питание в школах", "education", 0.7, season="school", point=0.2,
            evidence=False,
            texts=(
                "Дети жалуются на питание {school_in}: холодная еда, маленькие порции.",
            ),
        ),
        Topic(
            "exams", "ЕГЭ, ОГЭ, поступление", "education_regional", 0.5, season="exams",
            point=0.0, evidence=False,
            texts=(
                "Прошу разъяснить порядок пересдачи ОГЭ по математике для моего сына.",
                "Почему на ЕГЭ в пункте проведения не работала рамка и дети ждали час на улице?",
            ),
        ),
        Topic(
            "extra-education", "Кружки и дополнительное образование", "education", 0.5,
            point=0.2, evidence=False,
            texts=(
                "{settlement_in} закрыли спортивную секцию, детям нечем заняться.",
                "Не можем записаться в кружок по сертификату, на Навигаторе нет мест.",
            ),
        ),
        Topic(
            "teachers", "Учителя и кадры", "education", 0.3, point=0.1, evidence=False,
            texts=(
                "{school_in} {since} нет учителя английского, уроки просто отменяют.",
            ),
        ),
        Topic(
            "children-camps", "Детский отдых и лагеря", "education_regional", 0.3,
            season="camps", point=0.0, evidence=False,
            texts=(
                "Не можем получить путёвку в лагерь для ребёнка из многодетной семьи, говорят, "
                "всё распределено.",
            ),
        ),
    ),
)

SOCIAL = Group(
    "social",
    "Социальная защита",
    explained=(
        "Выплата назначена; перечисление будет произведено до 25 числа текущего месяца.",
        "Для назначения меры социальной поддержки необходимо представить документы в центр "
        "социальной защиты или через портал Госуслуг.",
    ),
    refused=("Доход семьи превышает величину прожиточного минимума; основания для выплаты нет.",),
    done=("мера социальной поддержки назначена",),
    topics=(
        Topic(
            "social-payments", "Социальные выплаты и пособия", "social_regional", 1.5,
            public=False, point=0.0, evidence=False,
            texts=(
                "{since} не приходит единое пособие на детей, в соцзащите ничего не "
                "объясняют.",
                "Мне отказали в социальной выплате, хотя доход семьи ниже прожиточного "
                "минимума. Прошу пересмотреть.",
            ),
        ),
        Topic(
            "large-families", "Многодетные семьи", "social", 0.6, public=False, point=0.0,
            evidence=False,
            texts=(
                "Мы многодетная семья, прошу разъяснить, почему нам отказали в компенсации за "
                "детский сад.",
            ),
        ),
        Topic(
            "accessibility", "Инвалиды и доступная среда", "social", 0.8,
            texts=(
                "У подъезда {where} нет пандуса, человеку на коляске невозможно выйти из дома.",
                "Пандус {where} сделан под таким углом, что по нему не заехать.",
            ),
        ),
        Topic(
            "elderly-care", "Пенсионеры, ветераны, социальное обслуживание", "social", 0.8,
            public=False, point=0.2, evidence=False,
            texts=(
                "Моей маме {n80_92} лет, живёт одна по адресу {addr}. Прошу назначить "
                "социального работника.",
                "Ветерану труда не пришла компенсация за коммунальные услуги {since_short}.",
            ),
        ),
        Topic(
            "housing-queue", "Улучшение жилищных условий", "admin", 0.6, public=False,
            point=0.0, evidence=False,
            texts=(
                "Стою в очереди на улучшение жилищных условий {since}, очередь не двигается.",
            ),
        ),
        Topic(
            "svo-support", "Поддержка участников СВО и их семей", "social_regional", 0.6,
            public=False, point=0.0, evidence=False,
            texts=(
                "Я жена участника СВО. Прошу помочь с получением региональной выплаты, "
                "документы сданы {since}.",
                "Прошу помочь семье участника СВО с дровами на зиму, муж на службе.",
            ),
        ),
        Topic(
            "guardianship", "Опека и попечительство", "social", 0.2, public=False, point=0.0,
            evidence=False,
            texts=(
                "Прошу разъяснить, как оформить опеку над внуком, родители лишены прав.",
            ),
        ),
    ),
)

CULTURE = Group(
    "culture",
    "Культура",
    done=("учреждение культуры отремонтировано",),
    topics=(
        Topic(
            "culture-houses", "Дома культуры и библиотеки", "admin", 0.4, rural=1.5,
            texts=(
                "Дом культуры {settlement_in} в плачевном состоянии: крыша течёт, зал не "
                "отапливается.",
                "Библиотеку {settlement_in} перевели в неотапливаемое помещение.",
            ),
        ),
        Topic(
            "heritage", "Памятники и объекты культурного наследия", "culture", 0.3,
            texts=(
                "Памятник погибшим воинам {settlement_in} разрушается, нужна реставрация к "
                "9 Мая.",
                "Старинный дом {where} разрушается, это объект культурного наследия.",
            ),
        ),
        Topic(
            "culture-events", "Праздники и мероприятия", "admin", 0.3, point=0.2,
            evidence=False,
            texts=(
                "~Почему в этом году {settlement_in} не проводили праздник села?",
                "Концерт {park_in} шёл до полуночи, колонки на полную громкость.",
            ),
        ),
    ),
)

SPORT = Group(
    "sport",
    "Физкультура и спорт",
    done=("спортивный объект приведён в порядок",),
    topics=(
        Topic(
            "sports-grounds", "Спортплощадки и стадионы", "sport", 0.5, season="warm",
            texts=(
                "Стадион {where} заброшен: беговые дорожки разбиты, ворота без сеток.",
                "Прошу установить уличные тренажёры {park_in}.",
            ),
        ),
        Topic(
            "sports-facilities", "Бассейны, спортшколы, секции", "sport", 0.3, point=0.3,
            evidence=False,
            texts=(
                "Бассейн {settlement_in} закрыт на ремонт {since}.",
            ),
        ),
        Topic(
            "skating-rinks", "Катки и лыжни", "sport", 0.3, season="winter",
            texts=(
                "Прошу залить каток {where}, в прошлом году его не было.",
                "Лыжню {park_in} так и не проложили, хотя снег лежит {since_short}.",
            ),
        ),
    ),
)

CONSTRUCTION = Group(
    "construction",
    "Строительство и архитектура",
    explained=(
        "Строительство объекта предусмотрено государственной программой; ввод в эксплуатацию "
        "запланирован на {next_year} год.",
    ),
    done=("проведена проверка, застройщику выдано предписание",),
    topics=(
        Topic(
            "illegal-building", "Самовольное строительство", "construction", 0.5,
            texts=(
                "{where} ведётся строительство без паспорта объекта, заняли часть тротуара.",
            ),
        ),
        Topic(
            "social-objects", "Строительство школ, больниц, детских садов", "construction",
            0.4, point=0.3, evidence=False,
            texts=(
                "Когда {area_in} построят обещанную школу? Сейчас дети учатся в две смены.",
            ),
        ),
        Topic(
            "building-sites", "Стройплощадки: шум и грязь", "construction", 0.5, season="warm",
            city=1.8, rural=0.3,
            texts=(
                "Стройка {where} работает по ночам, грузовики выносят грязь на дорогу.",
            ),
        ),
    ),
)

SERVICES = Group(
    "services",
    "Госуслуги и МФЦ",
    done=("заявителю оказано содействие в получении услуги",),
    topics=(
        Topic(
            "mfc", "Работа МФЦ", "mfc", 0.5, point=0.3, evidence=False,
            texts=(
                "В МФЦ {settlement_in} огромные очереди, работает одно окно из пяти.",
            ),
        ),
        Topic(
            "e-services", "Электронные услуги", "mfc", 0.3, point=0.0, evidence=False,
            texts=(
                "Не могу подать заявление через Госуслуги: выдаёт ошибку {since_short}.",
            ),
        ),
        Topic(
            "documents", "Справки и документы администрации", "admin", 0.3, point=0.0,
            evidence=False,
            texts=(
                "Администрация {since} не может выдать мне выписку из похозяйственной книги.",
            ),
        ),
    ),
)

TRADE = Group(
    "trade",
    "Торговля и услуги",
    done=("проведена проверка, нарушения устранены",),
    topics=(
        Topic(
            "kiosks", "Нестационарная торговля", "admin", 0.7, season="warm",
            texts=(
                "{where} незаконно поставили торговый павильон прямо на тротуаре.",
                "У остановки {stop} стихийная торговля с машин, мусор остаётся.",
            ),
        ),
        Topic(
            "prices", "Цены на продукты и лекарства", "trade_regional", 0.5, point=0.0,
            evidence=False,
            texts=(
                "Цены на {product} в магазинах {settlement_in} выросли за месяц в полтора раза. "
                "Прошу проверить.",
            ),
        ),
        Topic(
            "goods-quality", "Качество товаров и обслуживания", "sanitary", 0.5, point=0.5,
            evidence=False,
            texts=(
                "В магазине {where} продают просроченные продукты, на замечания продавец не "
                "реагирует.",
            ),
        ),
        Topic(
            "noise-cafes", "Шум от кафе и магазинов", "admin", 0.5, season="summer",
            evidence=False,
            texts=(
                "Кафе {where} работает до утра, громкая музыка, пьяные посетители под окнами.",
            ),
        ),
        Topic(
            "markets", "Ярмарки и рынки", "admin", 0.3, point=0.3, evidence=False,
            texts=(
                "Прошу организовать ярмарку выходного дня {area_in}, до рынка далеко.",
            ),
        ),
    ),
)

COMMUNICATIONS = Group(
    "communications",
    "Связь и интернет",
    explained=(
        "Населённый пункт включён в программу устранения цифрового неравенства; базовая "
        "станция будет построена в {next_year} году.",
    ),
    done=("оператор связи восстановил оказание услуг",),
    topics=(
        Topic(
            "mobile-network", "Мобильная связь", "communications", 0.6, city=0.2, rural=2.5,
            point=0.6, evidence=False,
            texts=(
                "~{settlement_in} нет мобильной связи: чтобы позвонить, люди ходят на пригорок.",
            ),
        ),
        Topic(
            "internet", "Интернет", "communications", 0.6, rural=2.0, point=0.5, evidence=False,
            texts=(
                "Нет нормального интернета {settlement_in}, дети не могут учиться.",
                "Провайдер {since_short} не может починить интернет в доме {house_at}.",
            ),
        ),
        Topic(
            "post-offices", "Почтовые отделения", "communications", 0.4, rural=2.0, point=0.4,
            evidence=False,
            texts=(
                "~Почтовое отделение {settlement_in} работает два дня в неделю, пенсию не "
                "получить.",
            ),
        ),
        Topic(
            "tv", "Телевидение", "communications", 0.2, rural=2.0, point=0.3, evidence=False,
            texts=(
                "Не показывают цифровые каналы {settlement_in} {since_short}.",
            ),
        ),
    ),
)

LAND = Group(
    "land",
    "Земля и имущество",
    done=("проведена проверка соблюдения земельного законодательства",),
    topics=(
        Topic(
            "land-plots", "Земельные участки", "land", 0.5, point=0.0, evidence=False,
            texts=(
                "Как многодетная семья стою в очереди на земельный участок {since}, участки так "
                "и не выделяют.",
            ),
        ),
        Topic(
            "land-seizure", "Самозахват территории", "land", 0.5,
            texts=(
                "Сосед {where} перенёс забор и захватил часть проезда общего пользования.",
            ),
        ),
        Topic(
            "municipal-property", "Муниципальное имущество", "admin", 0.2, point=0.5,
            evidence=False,
            texts=(
                "Здание бывшей школы {settlement_in} разрушается, прошу передать его под клуб.",
            ),
        ),
    ),
)

FUNERAL = Group(
    "funeral",
    "Кладбища и ритуальные услуги",
    done=("территория кладбища убрана, мусор вывезен",),
    topics=(
        Topic(
            "cemeteries", "Содержание кладбищ", "admin", 0.5, season="graves", **FAST,
            texts=(
                "Кладбище {settlement_in} заросло, мусор не вывозят, к Радонице не пройти.",
                "У кладбища {area_in} нет контейнеров и воды, мусор сваливают в овраг.",
            ),
        ),
        Topic(
            "funeral-services", "Ритуальные услуги", "admin", 0.2, point=0.0, evidence=False,
            texts=(
                "Ритуальное агентство навязывает услуги прямо в морге, цены завышены.",
            ),
        ),
    ),
)

ECONOMY = Group(
    "economy",
    "Экономика и занятость",
    done=("работодателю направлено предостережение, задолженность погашена",),
    topics=(
        Topic(
            "wage-arrears", "Задержка зарплаты", "jobs", 0.4, public=False, point=0.0,
            evidence=False,
            texts=(
                "{employer} задерживают зарплату {since_short}. Прошу помочь.",
            ),
        ),
        Topic(
            "jobs", "Трудоустройство", "jobs", 0.3, point=0.0, evidence=False,
            texts=(
                "Не могу найти работу {settlement_in} {since}. Центр занятости предлагает "
                "только вакансии в Липецке.",
            ),
        ),
        Topic(
            "business-support", "Поддержка бизнеса и фермеров", "admin", 0.2, point=0.0,
            evidence=False,
            texts=(
                "Прошу разъяснить, какие меры поддержки есть для начинающих фермеров.",
            ),
        ),
    ),
)

PEOPLE_GROUPS = (
    HEALTH,
    EDUCATION,
    SOCIAL,
    CULTURE,
    SPORT,
    CONSTRUCTION,
    SERVICES,
    TRADE,
    COMMUNICATIONS,
    LAND,
    FUNERAL,
    ECONOMY,
)
# fmt: on
