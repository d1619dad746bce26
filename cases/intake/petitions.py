"""The petitions sheet: a petition a row, for the persons its case numbers name."""

import contextlib
import re

from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.intake.cells import CaseNumbersCell, CellError
from cases.intake.columns import PETITION_COLUMNS, PETITION_SHEET
from cases.intake.engine import ImportReport, RowChange, RowPlan, SheetImport, model_errors
from cases.intake.sheets import cell_text, shown
from cases.models import DetainedPerson, Kinship, Petition, PetitionStatus
from cases.names import name_key
from cases.services import missing_un_consent, save_petition, un_consent_error


class PetitionImport(SheetImport):
    """Petitions, one a row, for the persons its case numbers name.

    A petition number (#12 or 12) names an existing petition to update; empty cells leave its
    values as they are. Each petition is saved through save_petition, so its timeline records
    the status with the importing user, and a UN submission needs the family's consent.
    """

    spec = PETITION_SHEET
    model = Petition

    def prepare(self, rows: list) -> None:
        PETITION_SHEET.column("authority").cell.prepare()  # every authority, one query
        numbers, petition_ids = set(), set()
        for _number, values, _relatives in rows:
            with contextlib.suppress(CellError):  # the row's own check reports it
                numbers.update(CaseNumbersCell().clean(values.get("case_numbers")))
            petition_ids.add(self._petition_id(values.get("petition_number")))
        self.persons = {
            person.case_number: person
            for person in DetainedPerson.objects.filter(case_number__in=numbers).prefetch_related(
                Prefetch("kinships", Kinship.objects.select_related("relative"))
            )
        }
        self.petitions = Petition.objects.prefetch_related("persons", "petitioners").in_bulk(
            [pk for pk in petition_ids if pk]
        )
        self.columns = {c.field_name: c.name for c in PETITION_COLUMNS}
        self.seen: dict[int, int] = {}

    @staticmethod
    def _petition_id(value) -> int | None:
        match = re.fullmatch(r"#?\s*(\d{1,12})", cell_text(value))
        return int(match[1]) if match else None

    def plan(self, number, values, relatives, errors):
        if self.refuse_example(values.get("our_reference"), errors):
            return None
        petition = self._petition(number, values.get("petition_number"), errors)
        if petition is None:
            return None
        new = petition.pk is None
        columns = [c for c in PETITION_COLUMNS if c.name != "petition_number"]
        read = self.read_cells(petition, values, columns, errors)
        if new and not cell_text(values.get("status")) and petition.submitted_on:
            petition.status = PetitionStatus.SUBMITTED
        persons = self._persons(petition, new, errors)
        if new and not persons and "persons" not in read.failed:
            errors.append(
                gettext("No case numbers (column case_numbers): name at least one case.")
            )
        if new and not cell_text(values.get("authority")):
            errors.append(gettext("The authority is missing (column authority)."))
        petitioners = self._petitioners(petition, persons, errors)
        errors += model_errors(petition, read.to_validate, self.columns)
        if not errors and (missing := missing_un_consent(petition, persons)):
            errors += un_consent_error(missing).messages
        petition.import_persons, petition.import_petitioners = persons, petitioners
        return RowPlan(number, petition, new=new, changed=read.changed)

    def _petition(self, number: int, value, errors: list[str]) -> Petition | None:
        if not cell_text(value):
            return Petition()
        pk = self._petition_id(value)
        petition = self.petitions.get(pk) if pk else None
        if petition is None:
            errors.append(
                _(
                    "There is no petition '%(value)s' (column petition_number): leave it empty "
                    "to add a new petition."
                )
                % {"value": shown(cell_text(value))}
            )
        elif pk in self.seen:
            errors.append(
                _("Petition #%(number)d is also in row %(row)d: give each petition one row.")
                % {"number": pk, "row": self.seen[pk]}
            )
            return None
        else:
            self.seen[pk] = number
            petition.before = {c.name: c.render(petition) for c in PETITION_COLUMNS}
        return petition

    def _persons(self, petition: Petition, new: bool, errors: list[str]) -> list:
        numbers = getattr(petition, "imported_persons", None)
        if numbers is None:
            return [] if new else list(petition.persons.all())
        missing = [n for n in numbers if n not in self.persons]
        if missing:
            errors.append(
                _("There is no case %(cases)s (column case_numbers): enter the person first.")
                % {"cases": ", ".join(missing)}
            )
        return [self.persons[n] for n in numbers if n in self.persons]

    def _petitioners(self, petition: Petition, persons: list, errors: list[str]) -> list:
        names = getattr(petition, "imported_petitioners", None)
        if names is None:
            return None if petition.pk else []
        kin = {}
        for person in persons:
            for kinship in person.kinships.all():
                for spelling in (kinship.relative.full_name, kinship.relative.name_latin):
                    if spelling:
                        kin.setdefault(name_key(spelling), kinship.relative)
        found = []
        for name in names:
            relative = kin.get(name_key(name))
            if relative is None:
                errors.append(
                    _(
                        "%(name)s (column petitioners) is not a relative of the cases named in "
                        "case_numbers: add the relative to the case first, or leave it out."
                    )
                    % {"name": shown(name)}
                )
            elif relative not in found:
                found.append(relative)
        return found

    def describe(self, plan: RowPlan) -> RowChange:
        petition = plan.instance
        persons = ", ".join(p.case_number for p in petition.import_persons)
        label = f"{petition.authority} — {persons}" if petition.authority_id else persons
        if plan.new:
            return RowChange(plan.number, "new", label)
        label = f"#{petition.pk} {label}"
        changes = []
        for column in PETITION_COLUMNS:
            if column.name in ("case_numbers", "petitioners"):
                continue
            before, after = petition.before[column.name], column.render(petition)
            if before != after:
                changes.append(f"{column.name}: {before or '—'} → {after or '—'}")
        if {p.pk for p in petition.import_persons} != {p.pk for p in petition.persons.all()}:
            changes.append(f"case_numbers: {petition.before['case_numbers']} → {persons}")
        petitioners = petition.import_petitioners
        if petitioners is not None and set(petitioners) != set(petition.petitioners.all()):
            names = "; ".join(r.full_name for r in petitioners)
            changes.append(f"petitioners: {petition.before['petitioners'] or '—'} → {names}")
        return RowChange(plan.number, "update" if changes else "unchanged", label, changes)

    def write(self, plans: list[RowPlan], report: ImportReport) -> None:
        for plan in plans:
            petition = plan.instance
            # simple-history's way of naming who changed a row and why.
            petition._history_user = self.user
            petition._change_reason = self.change_reason
            save_petition(petition, user=self.user, persons=petition.import_persons)
            if petition.import_petitioners is not None:
                petition.petitioners.set(petition.import_petitioners)


def import_petitions(data: bytes, *, user=None, dry_run: bool = True, file_name: str = ""):
    """Read a petitions sheet; write it (all rows or none) unless `dry_run`. Returns the report."""
    return PetitionImport(user, file_name).run(data, dry_run=dry_run)
