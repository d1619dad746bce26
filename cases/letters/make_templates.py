# ruff: noqa: E501 -- the letters' text reads best a sentence a string, as a translator edits it.
"""Writes the Word templates casetracker ships (templates/<kind>_<language>.docx).

Run `python -m cases.letters.make_templates` after changing the text below; commit the .docx
files it writes. Coordinators replace a template in the admin (LetterTemplate) without this.
Placeholders are Jinja as docxtpl reads them: `{{ person.name }}`, and `{%p ... %}` in a
paragraph of its own for a line or a block that is repeated or left out.
"""

import datetime
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent / "templates"

# (style, text): "title" centred bold, "right" aligned right, "h" bold, "p" a paragraph,
# "tag" a paragraph holding only a {%p %} tag.

# --- Letters to Kazakhstan's authorities --------------------------------------------------------

KZ = {
    "kk": {
        "to": "Кімге: {{ authority.name }}",
        "from": "Кімнен: {{ sender.name }}{% if sender.city %}, {{ sender.city }}{% endif %}"
        "{% if organisation %}{% if sender.name %}, {% endif %}{{ organisation }}{% endif %}",
        "contact": "Байланыс: {{ sender.address }} {{ sender.phone }} {{ sender.email }}",
        "title": "ӨТІНІШ",
        "intro": "Мен, {{ sender.name or organisation }}, Қытай Халық Республикасы "
        "Шыңжаң-Ұйғыр автономиялық ауданында ұсталып отырған немесе Қытайдан шығуға рұқсат "
        "берілмей отырған төмендегі {% if persons|length > 1 %}адамдарға{% else %}адамға"
        "{% endif %} көмек сұрап жүгінемін.",
        "facts": [
            ("Туған жылы", "{{ person.birth_year }}"),
            ("Азаматтығы", "{{ person.citizenship }}"),
            ("Ұлты", "{{ person.ethnicity }}"),
            (
                "Тұрғылықты жері",
                "{{ person.home_place }}{% if person.home_detail %}, "
                "{{ person.home_detail }}{% endif %}",
            ),
            ("Ұсталған немесе еркінен айырылған уақыты", "{{ person.detained }}"),
            ("Ұсталған немесе соңғы рет көрген жері", "{{ person.detained_at }}"),
            ("Ұстаған орган", "{{ person.detained_by }}"),
            ("Айтылған себебі", "{{ person.reason_given }}"),
            ("Қазіргі жағдайы", "{{ person.status }}"),
        ],
        "since": "Отбасының білуінше, бұл {{ person.detained_when }} болған.",
        "relatives": "Туыстары:",
        "relative": "– {{ relative.name }} ({{ relative.relationship }}{% if relative.age %}, "
        "{{ relative.age }}{% endif %}){% if relative.citizenship %}, азаматтығы: "
        "{{ relative.citizenship }}{% endif %}{% if relative.situation %}, қазіргі жағдайы: "
        "{{ relative.situation }}{% elif relative.lives_in %}, тұратын елі: {{ relative.lives_in }}"
        "{% endif %}",
        "steps": "Отбасы бұған дейін мына органдарға жүгінді:",
        "step": "– {{ petition.submitted_when }}: {{ petition.authority }}{% if "
        "petition.letters_count > 1 %} (хат саны: {{ petition.letters_count }}){% endif %}; "
        "жауабы: {{ petition.answer }}{% if petition.answer_summary %} — "
        "{{ petition.answer_summary }}{% endif %}.",
        "no_steps": "Отбасы бұған дейін мемлекеттік органдарға жүгінбеген.",
        "ask_intro": "Сізден сұраймын:",
        "close": "Құрметпен, {{ sender.name or organisation }}",
        "date": "Күні: {{ today }}",
        "sign": "Қолы: ____________________",
    },
    "ru": {
        "to": "Кому: {{ authority.name }}",
        "from": "От: {{ sender.name }}{% if sender.city %}, {{ sender.city }}{% endif %}"
        "{% if organisation %}{% if sender.name %}, {% endif %}{{ organisation }}{% endif %}",
        "contact": "Контакты: {{ sender.address }} {{ sender.phone }} {{ sender.email }}",
        "title": "ОБРАЩЕНИЕ",
        "intro": "Я, {{ sender.name or organisation }}, прошу о помощи в защиту "
        "{% if persons|length > 1 %}следующих лиц, удерживаемых{% else %}следующего лица, "
        "удерживаемого{% endif %} в Синьцзян-Уйгурском автономном районе Китайской Народной "
        "Республики или {% if persons|length > 1 %}лишённых{% else %}лишённого{% endif %} "
        "возможности выехать из Китая.",
        "facts": [
            ("Год рождения", "{{ person.birth_year }}"),
            ("Гражданство", "{{ person.citizenship }}"),
            ("Национальность", "{{ person.ethnicity }}"),
            (
                "Место жительства",
                "{{ person.home_place }}{% if person.home_detail %}, "
                "{{ person.home_detail }}{% endif %}",
            ),
            ("Дата задержания или лишения свободы передвижения", "{{ person.detained }}"),
            ("Место задержания или где видели в последний раз", "{{ person.detained_at }}"),
            ("Кем задержан(а)", "{{ person.detained_by }}"),
            ("Названная причина", "{{ person.reason_given }}"),
            ("Нынешнее положение", "{{ person.status }}"),
        ],
        "since": "По сведениям семьи, это произошло {{ person.detained_when }}.",
        "relatives": "Родственники:",
        "relative": "– {{ relative.name }} ({{ relative.relationship }}{% if relative.age %}, "
        "{{ relative.age }}{% endif %}){% if relative.citizenship %}, гражданство: "
        "{{ relative.citizenship }}{% endif %}{% if relative.situation %}, положение: "
        "{{ relative.situation }}{% elif relative.lives_in %}, страна проживания: "
        "{{ relative.lives_in }}{% endif %}",
        "steps": "Семья уже обращалась:",
        "step": "– {{ petition.submitted_when }}: {{ petition.authority }}{% if "
        "petition.letters_count > 1 %} (число обращений: {{ petition.letters_count }}){% endif %}; "
        "ответ: {{ petition.answer }}{% if petition.answer_summary %} — "
        "{{ petition.answer_summary }}{% endif %}.",
        "no_steps": "Ранее семья в государственные органы не обращалась.",
        "ask_intro": "Прошу Вас:",
        "close": "С уважением, {{ sender.name or organisation }}",
        "date": "Дата: {{ today }}",
        "sign": "Подпись: ____________________",
    },
}

# The person's names in every script the register has.
HEADING = (
    "{{ loop.index }}. {{ person.name }}{% if person.name_latin %} ({{ person.name_latin }})"
    "{% endif %}{% if person.name_chinese %}, {{ person.name_chinese }}{% endif %}"
)

KZ_ADDRESS = {
    ("president", "kk"): (
        "Құрметті Мемлекет басшысы!",
        [
            "Сыртқы істер министрлігіне аталған адамдардың қайда екенін, денсаулығын және "
            "құқықтық жағдайын анықтауды тапсыруыңызды;",
            "олардың бостандыққа шығып, Қазақстанға, отбасына оралуына ықпал етуіңізді;",
            "қабылданған шаралар туралы маған хабарлауыңызды.",
        ],
    ),
    ("president", "ru"): (
        "Уважаемый господин Президент!",
        [
            "поручить Министерству иностранных дел выяснить местонахождение, состояние "
            "здоровья и правовое положение указанных лиц;",
            "содействовать их освобождению и возвращению в Казахстан, к семье;",
            "сообщить мне о принятых мерах.",
        ],
    ),
    ("mfa", "kk"): (
        "Құрметті Министрлік басшылығы!",
        [
            "дипломатиялық арналар арқылы ҚХР билігінен аталған адамдардың қайда екені, "
            "денсаулығы және құқықтық жағдайы туралы мәлімет сұратуыңызды;",
            "Қазақстан азаматтарына және олардың отбасы мүшелеріне консулдық көмек көрсетуіңізді, "
            "олардың Қазақстанға оралуына ықпал етуіңізді;",
            "қабылданған шаралар туралы маған жазбаша хабарлауыңызды.",
        ],
    ),
    ("mfa", "ru"): (
        "Уважаемое руководство Министерства!",
        [
            "запросить по дипломатическим каналам у властей КНР сведения о местонахождении, "
            "состоянии здоровья и правовом положении указанных лиц;",
            "оказать консульское содействие гражданам Казахстана и членам их семей, "
            "содействовать их возвращению в Казахстан;",
            "письменно сообщить мне о принятых мерах.",
        ],
    ),
}


Line = tuple[str, str]


def _if(condition: str, *lines: Line) -> list[Line]:
    """Lines left out when `condition` is empty."""
    return [("tag", f"{{%p if {condition} %}}"), *lines, ("tag", "{%p endif %}")]


def _for(loop: str, *lines: Line) -> list[Line]:
    """Lines repeated for each item: `loop` is 'relative in person.relatives'."""
    return [("tag", f"{{%p for {loop} %}}"), *lines, ("tag", "{%p endfor %}")]


def _relatives(text: dict) -> list[Line]:
    return _if(
        "person.relatives",
        ("p", text["relatives"]),
        *_for("relative in person.relatives", ("p", text["relative"])),
    )


def kazakhstan_letter(kind: str, language: str) -> list[tuple[str, str]]:
    text = KZ[language]
    salutation, asks = KZ_ADDRESS[(kind, language)]
    lines = [
        ("right", text["to"]),
        ("right", text["from"]),
        *_if("sender.phone or sender.email or sender.address", ("right", text["contact"])),
        ("title", text["title"]),
        ("p", salutation),
        ("p", text["intro"]),
        *_for(
            "person in persons",
            ("h", HEADING),
            *_facts(text["facts"]),
            *_if("person.detained_when", ("p", text["since"])),
            *_relatives(text),
        ),
        ("tag", "{%p if petitions %}"),
        ("p", text["steps"]),
        *_for("petition in petitions", ("p", text["step"])),
        ("tag", "{%p else %}"),
        ("p", text["no_steps"]),
        ("tag", "{%p endif %}"),
        ("p", text["ask_intro"]),
        *[("p", f"{number}) {ask}") for number, ask in enumerate(asks, start=1)],
        ("p", text["close"]),
        ("p", text["date"]),
        ("p", text["sign"]),
    ]
    return lines


def _facts(facts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A line per fact, left out when the register does not know it (its first placeholder)."""
    lines = []
    for label, value in facts:
        name = value.split("}}")[0].removeprefix("{{").strip()
        lines += [
            ("tag", f"{{%p if {name} %}}"),
            ("p", f"{label}: {value}"),
            ("tag", "{%p endif %}"),
        ]
    return lines


# --- Submissions to the UN Working Groups -----------------------------------------------------

UN = {
    "en": {
        "un_wgeid": "Submission to the United Nations Working Group on Enforced or Involuntary "
        "Disappearances",
        "un_wgad": "Communication to the United Nations Working Group on Arbitrary Detention",
        "sub_wgeid": "Report of a disappearance: the information the Working Group requires",
        "sub_wgad": "Model questionnaire: the information the Working Group requires",
        "state": "State concerned: People's Republic of China (Xinjiang Uyghur Autonomous Region)",
        "identity": "1. Identity of the person concerned",
        "name": "Family name and first name(s), in Latin letters: {{ person.name }}",
        "original": "Name in the original script: {{ person.name_cyrillic }}"
        "{% if person.name_chinese %}; in Chinese characters: {{ person.name_chinese }}{% endif %}",
        "other": "Other spellings: {{ person.other_names }}",
        "facts": [
            ("Sex", "person.gender"),
            ("Year of birth", "person.birth_year"),
            ("Nationality or citizenship", "person.citizenship"),
            ("Ethnic group", "person.ethnicity"),
            ("Occupation", "person.occupation"),
        ],
        "residence": "Place of residence: {{ person.home_place }}{% if person.home_detail %}, "
        "{{ person.home_detail }}{% endif %}",
        "arrest": "2. Arrest, detention or disappearance",
        "date_wgeid": "Date of arrest or abduction, or when the person was last seen: "
        "{{ person.detained }}",
        "date_wgad": "Date of arrest: {{ person.detained }}",
        "place": "Place of arrest or where the person was last seen: {{ person.detained_at }}",
        "forces": "Forces believed to be responsible: {{ person.detained_by }}",
        "reason": "Reason given by the authorities: {{ person.reason_given or '[not known]' }}",
        "status": "Present situation as known to the family: {{ person.status }}",
        "last": "Last contact with the family: {{ person.last_contact }}",
        "relatives": "Relatives:",
        "relative": "– {{ relative.name }}{% if relative.name_latin and relative.name_latin != "
        "relative.name %} ({{ relative.name_latin }}){% endif %}, {{ relative.relationship }}"
        "{% if relative.age %}, aged {{ relative.age }}{% endif %}"
        "{% if relative.citizenship %}, citizen of {{ relative.citizenship }}{% endif %}"
        "{% if relative.situation %}, {{ relative.situation }}{% elif relative.lives_in %}, lives "
        "in {{ relative.lives_in }}{% endif %}",
        "arbitrary": "4. Why the deprivation of liberty is believed to be arbitrary",
        "arbitrary_text": "No judicial decision, charge or legal basis has been communicated to the "
        "family, which has had no access to the person. [Describe the circumstances and which "
        "categories of the Working Group's methods of work apply.]",
        "steps_h": "3. Steps taken by the family or others",
        "step": "– {{ petition.submitted }}: {{ petition.authority }}{% if "
        "petition.letters_count > 1 %} ({{ petition.letters_count }} letters){% endif %}; "
        "answer: {{ petition.answer }}{% if petition.answer_summary %} — "
        "{{ petition.answer_summary }}{% endif %}",
        "no_steps": "No steps recorded.",
        "source": "Source of the information",
        "submitted_by": "Submitted by: {{ sender.name }}{% if sender.relationship %} "
        "({{ sender.relationship }} of {{ person.name }}){% endif %}{% if organisation %}"
        "{% if sender.name %}, with {% endif %}{{ organisation }}{% endif %}",
        "contact": "Contact: {{ sender.address }} {{ sender.phone }} {{ sender.email }}",
        "consent": "The family of the person concerned has given its consent to this submission "
        "and to the Working Group transmitting it to the Government concerned.",
        "date": "Date: {{ today }}",
        "sign": "Signature: ____________________",
    },
    "ru": {
        "un_wgeid": "Сообщение в Рабочую группу ООН по насильственным или недобровольным "
        "исчезновениям",
        "un_wgad": "Сообщение в Рабочую группу ООН по произвольным задержаниям",
        "sub_wgeid": "Сообщение об исчезновении: сведения, которые требует Рабочая группа",
        "sub_wgad": "Типовой вопросник: сведения, которые требует Рабочая группа",
        "state": "Государство: Китайская Народная Республика (Синьцзян-Уйгурский автономный район)",
        "identity": "1. Личность",
        "name": "Фамилия и имя: {{ person.name }}",
        "original": "Латиницей: {{ person.name_latin }}"
        "{% if person.name_chinese %}; китайскими иероглифами: {{ person.name_chinese }}{% endif %}",
        "other": "Другие написания: {{ person.other_names }}",
        "facts": [
            ("Пол", "person.gender"),
            ("Год рождения", "person.birth_year"),
            ("Гражданство", "person.citizenship"),
            ("Национальность", "person.ethnicity"),
            ("Род занятий", "person.occupation"),
        ],
        "residence": "Место жительства: {{ person.home_place }}{% if person.home_detail %}, "
        "{{ person.home_detail }}{% endif %}",
        "arrest": "2. Задержание или исчезновение",
        "date_wgeid": "Дата задержания, похищения или когда человека видели в последний раз: "
        "{{ person.detained }}",
        "date_wgad": "Дата задержания: {{ person.detained }}",
        "place": "Место задержания или где человека видели в последний раз: "
        "{{ person.detained_at }}",
        "forces": "Предположительно ответственные: {{ person.detained_by }}",
        "reason": "Причина, названная властями: {{ person.reason_given or '[неизвестно]' }}",
        "status": "Нынешнее положение по сведениям семьи: {{ person.status }}",
        "last": "Последний контакт с семьёй: {{ person.last_contact }}",
        "relatives": "Родственники:",
        "relative": "– {{ relative.name }}, {{ relative.relationship }}"
        "{% if relative.age %}, возраст: {{ relative.age }}{% endif %}"
        "{% if relative.citizenship %}, гражданство: {{ relative.citizenship }}{% endif %}"
        "{% if relative.situation %}, положение: {{ relative.situation }}{% elif relative.lives_in "
        "%}, страна проживания: {{ relative.lives_in }}{% endif %}",
        "arbitrary": "4. Почему лишение свободы считается произвольным",
        "arbitrary_text": "Семье не сообщили ни о судебном решении, ни об обвинении, ни о правовом "
        "основании; доступа к человеку у семьи нет. [Опишите обстоятельства и категории "
        "методов работы Рабочей группы, которые применимы.]",
        "steps_h": "3. Шаги, предпринятые семьёй или другими",
        "step": "– {{ petition.submitted }}: {{ petition.authority }}{% if "
        "petition.letters_count > 1 %} (число обращений: {{ petition.letters_count }}){% endif %}; "
        "ответ: {{ petition.answer }}{% if petition.answer_summary %} — "
        "{{ petition.answer_summary }}{% endif %}",
        "no_steps": "Сведений о предпринятых шагах нет.",
        "source": "Источник сведений",
        "submitted_by": "Представляет: {{ sender.name }}{% if sender.relationship %} "
        "({{ sender.relationship }}){% endif %}{% if organisation %}"
        "{% if sender.name %}, при содействии: {% endif %}{{ organisation }}{% endif %}",
        "contact": "Контакты: {{ sender.address }} {{ sender.phone }} {{ sender.email }}",
        "consent": "Семья указанного лица дала согласие на это сообщение и на его передачу "
        "Рабочей группой соответствующему правительству.",
        "date": "Дата: {{ today }}",
        "sign": "Подпись: ____________________",
    },
}


def un_submission(kind: str, language: str) -> list[tuple[str, str]]:
    text = UN[language]
    short = kind.removeprefix("un_")
    facts = [
        line
        for label, name in text["facts"]
        for line in _if(name, ("p", f"{label}: {{{{ {name} }}}}"))
    ]
    lines = [
        ("title", text[kind]),
        ("p", text[f"sub_{short}"]),
        ("p", text["state"]),
        *_for(
            "person in persons",
            ("h", text["identity"]),
            ("p", text["name"]),
            *_if("person.name_cyrillic or person.name_chinese", ("p", text["original"])),
            *_if("person.other_names", ("p", text["other"])),
            *_if("person.home_place", ("p", text["residence"])),
            *facts,
            ("h", text["arrest"]),
            ("p", text[f"date_{short}"]),
            ("p", text["place"]),
            ("p", text["forces"]),
            ("p", text["reason"]),
            ("p", text["status"]),
            *_if("person.last_contact", ("p", text["last"])),
            *_relatives(text),
        ),
        ("h", text["steps_h"]),
        ("tag", "{%p for petition in petitions %}"),
        ("p", text["step"]),
        ("tag", "{%p else %}"),
        ("p", text["no_steps"]),
        ("tag", "{%p endfor %}"),
    ]
    if kind == "un_wgad":
        lines += [("h", text["arbitrary"]), ("p", text["arbitrary_text"])]
    lines += [
        # The sections are numbered on: the Working Group on Arbitrary Detention has one more.
        ("h", f"{5 if kind == 'un_wgad' else 4}. {text['source']}"),
        ("p", text["submitted_by"]),
        *_if("sender.phone or sender.email or sender.address", ("p", text["contact"])),
        ("p", text["consent"]),
        ("p", text["date"]),
        ("p", text["sign"]),
    ]
    return lines


def write(path: Path, lines: list[tuple[str, str]]) -> None:
    document = Document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2.5)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    for kind, text in lines:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        if kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(14)
        elif kind == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif kind == "h":
            run.bold = True
    # The same bytes for the same text: no creation time in the file's properties.
    fixed = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    document.core_properties.created = document.core_properties.modified = fixed
    document.core_properties.author = "casetracker"
    written = io.BytesIO()
    document.save(written)
    # The zip's own timestamps fixed too: the same text gives the same file to commit.
    with (
        zipfile.ZipFile(written) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, source.read(item.filename))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for kind in ("president", "mfa"):
        for language in ("kk", "ru"):
            write(OUT / f"{kind}_{language}.docx", kazakhstan_letter(kind, language))
    for kind in ("un_wgeid", "un_wgad"):
        for language in ("en", "ru"):
            write(OUT / f"{kind}_{language}.docx", un_submission(kind, language))


if __name__ == "__main__":
    main()
