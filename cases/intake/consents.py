"""The consents sheet: a consent a row, for the case its case number names, given by the person
or by the relative of that case its name names.

It reads the columns the consents export writes (CONSENT_SHEET), so an exported sheet imports
back into a register with the same cases and relatives; its state and evidence columns are read
past. Every row adds a consent, except one identical to a consent the case already has, which
is left as it is: importing the same sheet twice records nothing twice.
"""

import contextlib

from django.conf import settings
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.intake.cells import CaseNumberCell, CellError
from cases.intake.columns import CONSENT_COLUMNS, CONSENT_SHEET
from cases.intake.engine import ImportReport, RowChange, RowPlan, SheetImport, model_errors
from cases.intake.sheets import cell_text, shown
from cases.models import Consent, DetainedPerson, Kinship, Relative
from cases.names import name_key, spellings

# What makes two consents of a case the same consent.
SAME_CONSENT = (
    "given_by", "relative_id", "method", "given_on", "expires_on", "withdrawn_on",
    "withdrawal_reason", "partner_name", "notes",
    "covers_recording", "covers_kazakh_authorities", "covers_un_bodies", "covers_public_story",
    "covers_partner",
)  # fmt: skip


def _signature(consent: Consent) -> tuple:
    return tuple(getattr(consent, name) for name in SAME_CONSENT)


def relative_keys(relative: Relative) -> set[str]:
    """The name keys a relative is found under: each spelling of the name, and for a withheld
    name its description in every language of the site, as the export writes it."""
    keys = {name_key(spelling) for spelling in spellings(relative.full_name, relative.name_latin)}
    if relative.name_withheld:
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                keys.add(name_key(relative.display_name))
    keys.discard("")
    return keys


class ConsentImport(SheetImport):
    """Consents, one a row, each for the case its case number names."""

    spec = CONSENT_SHEET
    model = Consent

    def prepare(self, rows: list) -> None:
        numbers = set()
        for _number, values, _relatives in rows:
            with contextlib.suppress(CellError):  # the row's own check reports it
                numbers.add(CaseNumberCell().clean(values.get("case_number")))
        kinships = Kinship.objects.select_related("relative").prefetch_related(
            "relative__kinships__person"
        )
        self.persons = {
            person.case_number: person
            for person in DetainedPerson.objects.filter(case_number__in=numbers).prefetch_related(
                Prefetch("kinships", kinships), "consents"
            )
        }
        self.kin: dict[int, list[tuple[Relative, set[str]]]] = {
            person.pk: [(k.relative, relative_keys(k.relative)) for k in person.kinships.all()]
            for person in self.persons.values()
        }
        self.recorded = {
            (person.pk, _signature(consent))
            for person in self.persons.values()
            for consent in person.consents.all()
        }
        self.columns = {c.field_name: c.name for c in CONSENT_COLUMNS}
        self.columns["person"] = "case_number"
        self.seen: dict[tuple, int] = {}

    def plan(self, number, values, relatives, errors):
        if self.refuse_example(values.get("notes"), errors):
            return None
        consent = Consent()
        person = self._person(values.get("case_number"), errors)
        columns = [c for c in CONSENT_COLUMNS if c.name not in ("case_number", "relative")]
        read = self.read_cells(consent, values, columns, errors)
        name = cell_text(values.get("relative"))
        if not cell_text(values.get("given_by")):
            consent.given_by = Consent.GivenBy.RELATIVE if name else Consent.GivenBy.PERSON
        if not cell_text(values.get("given_on")) and "given_on" not in read.failed:
            errors.append(gettext("The date it was given is missing (column given_on)."))
        if person is None:
            return None
        consent.person = person
        if name:
            consent.relative = self._relative(person, name, errors)
        if errors:
            return None
        errors += model_errors(consent, read.to_validate, self.columns)
        if errors:
            return None
        signature = (person.pk, _signature(consent))
        if signature in self.seen:
            errors.append(
                _("Row %(row)d holds the same consent: give each consent one row.")
                % {"row": self.seen[signature]}
            )
            return None
        self.seen[signature] = number
        return RowPlan(number, consent, new=signature not in self.recorded)

    def _person(self, value, errors: list[str]) -> DetainedPerson | None:
        try:
            case_number = CaseNumberCell().clean(value, column="case_number")
        except CellError as error:
            errors.append(str(error))
            return None
        if not case_number:
            errors.append(gettext("The case number is missing (column case_number)."))
            return None
        person = self.persons.get(case_number)
        if person is None:
            errors.append(
                _("There is no case %(case)s (column case_number): enter the person first.")
                % {"case": case_number}
            )
        return person

    def _relative(self, person: DetainedPerson, name: str, errors: list[str]) -> Relative | None:
        key = name_key(name)
        found = [relative for relative, keys in self.kin[person.pk] if key and key in keys]
        if len(found) == 1:
            return found[0]
        if not found:
            errors.append(
                _(
                    "%(name)s (column relative) is not a relative of case %(case)s: add the "
                    "relative to the case first, or write the name as the case has it."
                )
                % {"name": shown(name), "case": person.case_number}
            )
        else:
            errors.append(
                _(
                    "%(name)s (column relative) may be any of %(count)d relatives of case "
                    "%(case)s: write the full name as the case has it."
                )
                % {"name": shown(name), "count": len(found), "case": person.case_number}
            )
        return None

    def describe(self, plan: RowPlan) -> RowChange:
        consent = plan.instance
        label = f"{consent.person.case_number} — {consent.giver_display} — {consent}"
        return RowChange(plan.number, "new" if plan.new else "unchanged", label)

    def write(self, plans: list[RowPlan], report: ImportReport) -> None:
        self._create(Consent, [plan.instance for plan in plans])


def import_consents(data: bytes, *, user=None, dry_run: bool = True, file_name: str = ""):
    """Read a consents sheet; write it (all rows or none) unless `dry_run`. Returns the report."""
    return ConsentImport(user, file_name).run(data, dry_run=dry_run)
