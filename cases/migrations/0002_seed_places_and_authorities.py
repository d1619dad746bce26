"""Seed the prefecture-level places and the authorities petitions go to; both stay editable."""

from django.db import migrations

# code, kind, en, kk, ru, zh
PLACES = [
    ("urumqi", "prefecture", "Ürümqi", "Үрімжі", "Урумчи", "乌鲁木齐"),
    ("karamay", "prefecture", "Karamay", "Қарамай", "Карамай", "克拉玛依"),
    ("turpan", "prefecture", "Turpan", "Тұрпан", "Турфан", "吐鲁番"),
    ("hami", "prefecture", "Hami (Kumul)", "Құмыл", "Хами (Кумул)", "哈密"),
    ("changji", "prefecture", "Changji", "Санжы", "Чанцзи", "昌吉"),
    ("bortala", "prefecture", "Bortala", "Бортала", "Боро-Тала", "博尔塔拉"),
    ("bayingolin", "prefecture", "Bayingolin", "Баянғолин", "Баянгол", "巴音郭楞"),
    ("aksu", "prefecture", "Aksu", "Ақсу", "Аксу", "阿克苏"),
    ("kizilsu", "prefecture", "Kizilsu", "Қызылсу", "Кызылсу", "克孜勒苏"),
    ("kashgar", "prefecture", "Kashgar", "Қашқар", "Кашгар", "喀什"),
    ("hotan", "prefecture", "Hotan", "Қотан", "Хотан", "和田"),
    ("ili", "prefecture", "Ili", "Іле", "Или", "伊犁"),
    ("tacheng", "prefecture", "Tacheng", "Тарбағатай", "Тачэн", "塔城"),
    ("altay", "prefecture", "Altay", "Алтай", "Алтай", "阿勒泰"),
    ("shihezi", "city", "Shihezi", "Шихызы", "Шихэцзы", "石河子"),
    ("aral", "city", "Aral", "Арал", "Арал", "阿拉尔"),
    ("tumxuk", "city", "Tumxuk", "Тұмшық", "Тумшук", "图木舒克"),
    ("wujiaqu", "city", "Wujiaqu", "Ужяшү", "Уцзяцюй", "五家渠"),
    ("beitun", "city", "Beitun", "Бейтұн", "Бэйтунь", "北屯"),
    ("tiemenguan", "city", "Tiemenguan", "Темірқақпа", "Тэмэньгуань", "铁门关"),
    ("shuanghe", "city", "Shuanghe", "Шуаңхы", "Шуанхэ", "双河"),
    ("kokdala", "city", "Kokdala", "Көкдала", "Кокдала", "可克达拉"),
    ("kunyu", "city", "Kunyu", "Күнүй", "Куньюй", "昆玉"),
    ("huyanghe", "city", "Huyanghe", "Хұяңхы", "Хуянхэ", "胡杨河"),
    ("xinxing", "city", "Xinxing", "Шиңшиң", "Синьсин", "新星"),
    ("baiyang", "city", "Baiyang", "Байяң", "Байян", "白杨"),
    ("elsewhere", "elsewhere", "Elsewhere in China", "Қытайдың басқа өңірі", "Другой регион Китая", "中国其他地区"),
    ("kazakhstan", "elsewhere", "Kazakhstan", "Қазақстан", "Казахстан", "哈萨克斯坦"),
    ("unknown", "unknown", "Unknown", "Белгісіз", "Неизвестно", "未知"),
]  # fmt: skip

# code, kind, en, kk, ru
AUTHORITIES = [
    ("president", "kazakhstan", "President of Kazakhstan", "Қазақстан Республикасының Президенті", "Президент Республики Казахстан"),
    ("mfa", "kazakhstan", "Ministry of Foreign Affairs of Kazakhstan", "Қазақстан Республикасы Сыртқы істер министрлігі", "Министерство иностранных дел Республики Казахстан"),
    ("ombudsman", "kazakhstan", "Commissioner for Human Rights of Kazakhstan", "Қазақстан Республикасындағы Адам құқықтары жөніндегі уәкіл", "Уполномоченный по правам человека в Республике Казахстан"),
    ("parliament", "kazakhstan", "Parliament of Kazakhstan", "Қазақстан Республикасының Парламенті", "Парламент Республики Казахстан"),
    ("prc_embassy", "china", "Embassy or consulates of the PRC", "ҚХР елшілігі немесе консулдықтары", "Посольство или консульства КНР"),
    ("un_wgad", "international", "UN Working Group on Arbitrary Detention", "БҰҰ-ның Заңсыз ұстау жөніндегі жұмыс тобы", "Рабочая группа ООН по произвольным задержаниям"),
    ("un_wgeid", "international", "UN Working Group on Enforced or Involuntary Disappearances", "БҰҰ-ның Мәжбүрлі немесе еріксіз жоғалу жөніндегі жұмыс тобы", "Рабочая группа ООН по насильственным или недобровольным исчезновениям"),
    ("ohchr", "international", "OHCHR and UN special rapporteurs", "БҰҰ Адам құқықтары жөніндегі жоғарғы комиссарының басқармасы және арнайы баяндамашылар", "УВКПЧ ООН и специальные докладчики ООН"),
    ("other", "international", "Other", "Басқа", "Другой орган"),
]  # fmt: skip


def seed(apps, schema_editor):
    Place = apps.get_model("cases", "Place")
    Authority = apps.get_model("cases", "Authority")
    for position, (code, kind, en, kk, ru, zh) in enumerate(PLACES):
        Place.objects.update_or_create(
            code=code,
            defaults=dict(
                kind=kind, name_en=en, name_kk=kk, name_ru=ru, name_zh=zh, position=position
            ),
        )
    for position, (code, kind, en, kk, ru) in enumerate(AUTHORITIES):
        Authority.objects.update_or_create(
            code=code,
            defaults=dict(kind=kind, name_en=en, name_kk=kk, name_ru=ru, position=position),
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
