"""The columns of each sheet: canonical names, the other headers accepted for them (Latin,
Russian, Kazakh), their kind of cell, where each is stored, and the template's example.

The import reads a sheet through these columns and the export writes it through the same ones,
so that an exported sheet imports back unchanged.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.intake.cells import (
    ApproximateDateCell,
    AuthorityCell,
    CaseCell,
    CaseNumberCell,
    CaseNumbersCell,
    Cell,
    ChoiceCell,
    ExactDateCell,
    LettersCell,
    PetitionersCell,
    PlaceCell,
    RelativeNameCell,
    StaffUserCell,
    TextCell,
    YearCell,
    YesNoCell,
)
from cases.intake.sheets import SheetError, cell_text, shown
from cases.models import (
    SCOPE_FIELDS,
    Consent,
    DetainedPerson,
    Ethnicity,
    Gender,
    Kinship,
    Petition,
    PetitionStatus,
    Relative,
    Status,
)

# The template's example row starts with this; importing it by mistake is refused.
EXAMPLE_MARKER = "EXAMPLE"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its canonical header, how a cell reads, where it is stored.

    `attribute` may be a dotted path ('relative.phone' on a Kinship). `aliases` are the other
    headers accepted for it (Russian, Kazakh, plain English); `example` fills the template.
    """

    name: str
    cell: Cell
    attribute: str = ""
    aliases: tuple[str, ...] = ()
    example: str = ""
    contact: bool = False

    @functools.cached_property
    def path(self) -> list[str]:
        return (self.attribute or self.name).split(".")

    def target(self, instance):
        for step in self.path[:-1]:
            instance = getattr(instance, step)
        return instance

    def get(self, instance):
        return self.cell.get(self.target(instance), self.path[-1])

    def set(self, instance, value) -> None:
        self.cell.set(self.target(instance), self.path[-1], value)

    def render(self, instance) -> str:
        return self.cell.render(self.get(instance))

    @functools.cached_property
    def field_name(self) -> str:
        return self.path[-1]

    @property
    def checked_by_cell(self) -> bool:
        """Whether reading the cell already applies every rule of the model field."""
        return self.cell.checks_model_rules


def _norm_header(header: Any) -> str:
    """A header compared loosely: 'Аты-жөні', 'аты жөні' and 'АТЫ_ЖӨНІ:' are one."""
    text = cell_text(header).casefold().replace("ё", "е")
    return " ".join(re.sub(r"[\s_\-‐–.:/()№#*]+", " ", text).split())


PERSON_COLUMNS = [
    Column("case_number", CaseNumberCell(),
           aliases=("case number", "case no", "номер дела", "№ дела", "іс нөмірі"),
           example=""),
    Column("full_name", TextCell(),
           aliases=("full name", "name", "ФИО", "Аты-жөні", "Ф.И.О.", "полное имя",
                    "толық аты-жөні"),
           example=f"{EXAMPLE_MARKER} Айгүл Серікқызы (delete this row)"),
    Column("name_latin", TextCell(),
           aliases=("name in latin", "latin name", "ФИО латиницей", "имя латиницей",
                    "латынша аты-жөні"),
           example="Aigul Serikkyzy"),
    Column("name_chinese", TextCell(),
           aliases=("chinese name", "name in chinese", "имя по-китайски",
                    "имя на китайском", "қытайша аты-жөні"),
           example="艾古丽"),
    Column("other_names", TextCell(),
           aliases=("other spellings", "другие написания", "басқа жазылуы"),
           example="Aygul Serikqyzy"),
    Column("name_withheld", YesNoCell(),
           aliases=("name withheld", "имя не раскрыто", "имя скрыто", "аты жарияланбаған",
                    "аты көрсетілмеген"),
           example="no"),
    Column("gender", ChoiceCell(Gender), aliases=("sex", "пол", "жынысы"), example="female"),
    Column("birth_year", YearCell(),
           aliases=("year of birth", "born", "год рождения", "туған жылы"), example="1985"),
    Column("ethnicity", ChoiceCell(Ethnicity),
           aliases=("национальность", "этническая принадлежность", "ұлты"), example="kazakh"),
    Column("citizenship", ChoiceCell(DetainedPerson.Citizenship),
           aliases=("гражданство", "азаматтығы"), example="prc"),
    Column("home_place", PlaceCell(),
           aliases=("home place", "place", "prefecture", "место", "округ", "префектура",
                    "мекені", "аймақ"),
           example="ili"),
    Column("status", ChoiceCell(Status), aliases=("статус", "положение", "жағдайы"),
           example="barred_from_leaving"),
    Column("detained_on", ApproximateDateCell(),
           aliases=("date detained", "detained", "detention date", "Дата задержания",
                    "задержан", "ұсталған күні"),
           example="2018-03"),
    Column("detained_at", TextCell(),
           aliases=("place of arrest", "last seen", "place of arrest or last seen",
                    "место задержания", "где видели последний раз", "ұсталған жері",
                    "соңғы көрген жері"),
           example="Kulja, at the bus station"),
    Column("detained_by", ChoiceCell(DetainedPerson.DetainedBy),
           aliases=("forces responsible", "detained by", "кем задержан", "задержавший орган",
                    "кім ұстады", "ұстаған орган"),
           example="police"),
    Column("reason_given", ChoiceCell(DetainedPerson.Reason),
           aliases=("reason", "reason given", "причина", "причина задержания",
                    "себебі", "ұстау себебі"),
           example="dual_citizenship"),
    Column("last_contact_on", ApproximateDateCell(),
           aliases=("last contact", "последняя связь", "дата последней связи",
                    "соңғы байланыс", "соңғы байланыс күні"),
           example="2019"),
    Column("verification", ChoiceCell(DetainedPerson.Verification),
           aliases=("проверка", "подтверждение", "тексеру", "растау"), example="reported"),
    Column("assigned_to", StaffUserCell(),
           aliases=("assigned to", "assignee", "advocate", "ответственный", "исполнитель",
                    "адвокат", "жауапты", "орындаушы"),
           example=""),
    Column("notes", TextCell(),
           aliases=("примечания", "заметки", "комментарий", "ескертпе", "түсініктеме"),
           example="A made-up example: delete this row before importing."),
]  # fmt: skip

# A relative's columns are relative_<n>_<suffix>; they describe a Kinship and its Relative.
RELATIVE_COLUMNS = [
    Column("full_name", TextCell(), "relative.full_name",
           aliases=("full name", "name", "ФИО", "имя", "Аты-жөні", "аты"),
           example="Серік Example"),
    Column("name_latin", TextCell(), "relative.name_latin",
           aliases=("name in latin", "ФИО латиницей", "латынша аты-жөні"),
           example="Serik Example"),
    Column("name_withheld", YesNoCell(), "relative.name_withheld",
           aliases=("name withheld", "имя не раскрыто", "имя скрыто", "аты жарияланбаған",
                    "аты көрсетілмеген"),
           example="no"),
    Column("relationship", ChoiceCell(Kinship.Relationship),
           aliases=("родство", "кем приходится", "туыстығы", "кім болады"), example="spouse"),
    Column("born_on", ApproximateDateCell(), "relative.born_on",
           aliases=("born", "born on", "date of birth", "year of birth", "дата рождения",
                    "год рождения", "туған күні", "туған жылы"),
           example="2019-03"),
    Column("citizenship", ChoiceCell(Relative.Citizenship), "relative.citizenship",
           aliases=("гражданство", "азаматтығы"), example="kazakhstan"),
    Column("lives_in", ChoiceCell(Relative.LivesIn), "relative.lives_in",
           aliases=("lives in", "где живет", "страна проживания", "тұратын елі"),
           example="kazakhstan"),
    Column("situation", ChoiceCell(Relative.Situation), "relative.situation",
           aliases=("situation now", "where now", "положение", "где сейчас",
                    "қазіргі жағдайы", "қазір қайда"),
           example="in_kazakhstan"),
    Column("held_as", CaseCell(), "relative.held_as",
           aliases=("own case", "their own case", "собственное дело", "своё дело",
                    "өз ісі"),
           example=""),
    Column("documents", TextCell(), "relative.documents",
           aliases=("документы", "құжаттары", "құжаттар"), example=""),
    Column("phone", TextCell(), "relative.phone", aliases=("телефон", "тел"),
           example="8 700 000 00 00", contact=True),
    Column("email", TextCell(), "relative.email",
           aliases=("e mail", "электронная почта", "почта", "электрондық пошта"),
           example="example@example.org", contact=True),
    Column("separated", YesNoCell(),
           aliases=("разлучен", "разлучена", "разлучены", "бөлек", "бөлек қалған"),
           example="yes"),
]  # fmt: skip
RELATIVE_COLUMN = {c.name: c for c in RELATIVE_COLUMNS}
RELATIONSHIP = RELATIVE_COLUMN["relationship"]
RELATIVE_PREFIXES = ("relative", "родственник", "родственница", "туыс", "туысы", "туысқан")
TEMPLATE_RELATIVES = 3
MAX_RELATIVES = 20

PETITION_COLUMNS = [
    Column("petition_number", Cell(), "pk",
           aliases=("petition", "number", "номер обращения", "өтініш нөмірі"), example=""),
    Column("case_numbers", CaseNumbersCell(), "persons",
           aliases=("case number", "cases", "номера дел", "номер дела", "іс нөмірі",
                    "іс нөмірлері"),
           example="C-00001"),
    Column("authority", AuthorityCell(),
           aliases=("addressee", "to", "адресат", "орган", "кому", "кімге"), example="mfa"),
    Column("channel", ChoiceCell(Petition.Channel), aliases=("канал", "способ", "арна"),
           example="letter"),
    Column("submitted_on", ApproximateDateCell(),
           aliases=("submitted", "date submitted", "дата подачи", "жіберілген күні"),
           example="2019-03-12"),
    Column("letters_count", LettersCell(),
           aliases=("letters", "number of letters", "количество писем", "писем",
                    "хаттар саны", "хат саны"),
           example="1"),
    Column("status", ChoiceCell(PetitionStatus), aliases=("статус", "жағдайы"),
           example="submitted"),
    Column("our_reference", TextCell(),
           aliases=("our reference", "наш номер", "біздің нөмір"),
           example=f"{EXAMPLE_MARKER} (delete this row)"),
    Column("their_reference", TextCell(),
           aliases=("their reference", "входящий номер", "их номер", "олардың нөмірі"),
           example=""),
    Column("response_received_on", ApproximateDateCell(),
           aliases=("answer received", "дата ответа", "жауап күні"), example=""),
    Column("response_kind", ChoiceCell(Petition.ResponseKind),
           aliases=("kind of answer", "answer", "ответ", "вид ответа", "жауап"), example="none"),
    Column("response_summary", TextCell(),
           aliases=("summary of the answer", "содержание ответа", "жауаптың мазмұны"),
           example=""),
    Column("follow_up_on", ExactDateCell(),
           aliases=("follow up", "напомнить", "контроль", "қайта тексеру"), example=""),
    Column("petitioners", PetitionersCell(),
           aliases=("заявители", "от кого", "өтініш берушілер"), example="Серік Example"),
    Column("organisation", TextCell(), aliases=("organization", "организация", "ұйым"),
           example=""),
    Column("notes", TextCell(), aliases=("примечания", "ескертпе"), example=""),
]  # fmt: skip


@dataclass
class HeaderMap:
    """Which column of the file holds which canonical column."""

    columns: dict[int, Column]  # file position → column
    relatives: dict[int, tuple[int, Column]]  # file position → (relative number, column)
    notices: list[str] = field(default_factory=list)

    def read(self, cells: list) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
        """A row's cells by canonical name, and its relatives' cells by number and suffix."""
        values = {column.name: cells[i] for i, column in self.columns.items()}
        relatives: dict[int, dict[str, Any]] = {}
        for i, (number, column) in self.relatives.items():
            relatives.setdefault(number, {})[column.name] = cells[i]
        return values, relatives


@dataclass(frozen=True)
class SheetSpec:
    """What one kind of sheet holds: its columns, which are required, and relatives' columns.

    A sheet with the `key` column (case_number, petition_number) may update existing records
    only, so it needs none of the `required` columns.
    """

    columns: list[Column]
    required: tuple[str, ...]
    key: str
    relative_columns: list[Column] = field(default_factory=list)
    # Columns an exported sheet has that the import reads past without a notice.
    ignored: tuple[str, ...] = ()

    def _alias_table(self, columns: Iterable[Column]) -> dict[str, Column]:
        table = {}
        for column in columns:
            for alias in (column.name, *column.aliases):
                table.setdefault(_norm_header(alias), column)
        return table

    def map_headers(self, headers: list) -> HeaderMap:
        own = self._alias_table(self.columns)
        relative = self._alias_table(self.relative_columns)
        prefixes = "|".join(re.escape(p) for p in RELATIVE_PREFIXES)
        relative_header = re.compile(rf"^(?:{prefixes}) ?(\d{{1,2}}) (.+)$")
        result = HeaderMap({}, {})
        seen: dict[str, str] = {}
        unknown = []
        for i, header in enumerate(headers):
            key = _norm_header(header)
            if not key or key in self.ignored:
                continue
            column, number = own.get(key), 0
            match = relative_header.match(key) if column is None and relative else None
            if match and match[2] in relative and 1 <= int(match[1]) <= MAX_RELATIVES:
                number, column = int(match[1]), relative[match[2]]
            if column is None:
                unknown.append(cell_text(header))
                continue
            canonical = f"relative_{number}_{column.name}" if number else column.name
            if canonical in seen:
                raise SheetError(
                    _("Two columns mean %(column)s: '%(first)s' and '%(second)s'. Keep one.")
                    % {
                        "column": canonical,
                        "first": shown(seen[canonical]),
                        "second": shown(cell_text(header)),
                    }
                )
            seen[canonical] = cell_text(header)
            if number:
                result.relatives[i] = (number, column)
            else:
                result.columns[i] = column
        for name in self.required:
            if name not in seen and self.key not in seen:
                aliases = [a for a in self.column(name).aliases if not a.isascii()][:2]
                raise SheetError(
                    _(
                        "The sheet has no column %(column)s (or %(aliases)s). The first row "
                        "must hold the column names: download the template to see them."
                    )
                    % {"column": name, "aliases": " / ".join(aliases)}
                )
        if unknown:
            result.notices.append(
                gettext("These columns are not known and were left out: %(columns)s.")
                % {"columns": ", ".join(f"'{shown(h)}'" for h in unknown)}
            )
        return result

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def template_headers(self) -> list[str]:
        headers = [column.name for column in self.columns]
        for number in range(1, TEMPLATE_RELATIVES + 1):
            headers += [f"relative_{number}_{c.name}" for c in self.relative_columns]
        return headers

    def template_example(self) -> list[str]:
        row = [column.example for column in self.columns]
        for number in range(1, TEMPLATE_RELATIVES + 1):
            row += [c.example if number == 1 else "" for c in self.relative_columns]
        return row

    def alias_rows(self) -> list[tuple[str, str]]:
        """(column, other accepted headers) for the import page."""
        rows = [(c.name, ", ".join(c.aliases)) for c in self.columns]
        for c in self.relative_columns:
            rows.append((f"relative_N_{c.name}", ", ".join(f"… N {a}" for a in c.aliases)))
        return rows


PERSON_SHEET = SheetSpec(
    PERSON_COLUMNS, required=("full_name",), key="case_number", relative_columns=RELATIVE_COLUMNS
)
CONSENT_SCOPE_ALIASES = {
    "covers_recording": ("recording", "запись дела", "учёт дела", "істі тіркеу"),
    "covers_kazakh_authorities": (
        "kazakh authorities", "обращения в органы РК", "обращения в органы Казахстана",
        "ҚР органдарына өтініш",
    ),
    "covers_un_bodies": ("un bodies", "UN", "ООН", "обращения в ООН", "БҰҰ", "БҰҰ-ға өтініш"),
    "covers_public_story": (
        "public story", "публично", "публичный рассказ", "жария ету", "көпшілікке айту",
    ),
    "covers_partner": ("partner", "партнёр", "передача партнёру", "серіктес"),
}  # fmt: skip

CONSENT_COLUMNS = [
    Column("case_number", CaseNumberCell(), "person.case_number",
           aliases=("case number", "case no", "номер дела", "№ дела", "іс нөмірі"),
           example="C-00001"),
    Column("given_by", ChoiceCell(Consent.GivenBy),
           aliases=("given by", "кто дал", "кем дано", "кім берді"), example="relative"),
    Column("relative", RelativeNameCell(),
           aliases=("relative who gave it", "родственник", "кто из родственников",
                    "туысы", "туыс"),
           example="Серік Example"),
    *(Column(name, YesNoCell(), aliases=CONSENT_SCOPE_ALIASES[name],
             example="yes" if name in ("covers_recording", "covers_un_bodies") else "no")
      for name in SCOPE_FIELDS.values()),
    Column("partner_name", TextCell(),
           aliases=("partner organisation", "partner organization", "организация-партнёр",
                    "серіктес ұйым"),
           example=""),
    Column("method", ChoiceCell(Consent.Method),
           aliases=("how given", "как дано", "способ", "қалай берілді", "тәсілі"),
           example="written"),
    Column("given_on", ExactDateCell(),
           aliases=("given", "date given", "дата согласия", "дата", "берілген күні"),
           example="2024-03-12"),
    Column("expires_on", ExactDateCell(),
           aliases=("expires", "действует до", "истекает", "мерзімі", "мерзімі бітеді"),
           example=""),
    Column("withdrawn_on", ExactDateCell(),
           aliases=("withdrawn", "отозвано", "дата отзыва", "қайтарылған күні"), example=""),
    Column("withdrawal_reason", TextCell(),
           aliases=("reason for the withdrawal", "причина отзыва", "қайтару себебі"),
           example=""),
    Column("notes", TextCell(), aliases=("примечания", "заметки", "ескертпе"),
           example=f"{EXAMPLE_MARKER} (delete this row)"),
]  # fmt: skip

PETITION_SHEET = SheetSpec(
    PETITION_COLUMNS, required=("case_numbers", "authority"), key="petition_number"
)
# An exported sheet's state (it follows from the dates) and evidence (a source chosen on the
# case page) are read past.
CONSENT_SHEET = SheetSpec(
    CONSENT_COLUMNS,
    required=("case_number", "given_on"),
    key="",
    ignored=("state", "evidence"),
)
