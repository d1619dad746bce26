"""The persons sheet: a person a row, with the relatives in its relative_<n>_… columns."""

import contextlib

from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import bulk
from cases.contact_access import may_enter_contact_details
from cases.intake.cells import CaseNumberCell, CellError
from cases.intake.columns import (
    PERSON_COLUMNS,
    PERSON_SHEET,
    RELATIONSHIP,
    RELATIVE_COLUMN,
    RELATIVE_COLUMNS,
)
from cases.intake.engine import ImportReport, RowChange, RowPlan, SheetImport, model_errors
from cases.intake.sheets import cell_text
from cases.models import DetainedPerson, Kinship, Relative
from cases.names import combined_name_key, name_key
from cases.public import tallies
from cases.roles import VERIFY_CASES


class PersonImport(SheetImport):
    """Persons, one a row, each with the relatives in its relative_<n>_… columns.

    A case number names an existing case to update (empty cells leave its values as they are;
    relatives are matched by name and added if new); no case number creates a case.
    """

    spec = PERSON_SHEET
    model = DetainedPerson

    def prepare(self, rows: list) -> None:
        PERSON_SHEET.column("home_place").cell.prepare()  # every place, one query
        PERSON_SHEET.column("assigned_to").cell.prepare()  # active staff, one query
        # The relatives' own cases, one query.
        own_cases = [cells.get("held_as") for _n, _v, rels in rows for cells in rels.values()]
        named = RELATIVE_COLUMN["held_as"].cell.prepare(own_cases)
        linked = Relative.objects.filter(held_as__in=named).values_list("held_as", "pk")
        self.own_case_of: dict[int, int] = dict(linked)  # case id → its relative's record
        numbers = set()
        for _number, values, _relatives in rows:
            with contextlib.suppress(CellError):  # the row's own check reports it
                numbers.add(CaseNumberCell().clean(values.get("case_number")))
        numbers.discard("")
        kinships = Kinship.objects.select_related("relative").order_by("pk")
        self.existing = {
            person.case_number: person
            for person in DetainedPerson.objects.filter(case_number__in=numbers)
            .select_related("assigned_to")
            .prefetch_related(Prefetch("kinships", kinships))
        }
        self.seen: dict[str, int] = {}
        self.own_cases: set[int] = set()  # the cases the sheet links as relatives' own
        self.may_verify = self.user is None or self.user.has_perm(f"cases.{VERIFY_CASES}")
        self.person_columns = {c.field_name: c.name for c in PERSON_COLUMNS}

    def plan(self, number, values, relatives, errors):
        if self.refuse_example(values.get("full_name"), errors):
            return None
        updates = bool(cell_text(values.get("case_number")))
        person = self._person(number, values.get("case_number"), errors)
        columns = [c for c in PERSON_COLUMNS if c.name != "case_number"]
        read = self.read_cells(person, values, columns, errors)
        if not updates and not person.full_name:
            errors.append(
                gettext("The full name is missing (column full_name): every person needs one.")
            )
        if "verification" in read.changed and not self.may_verify:
            errors.append(
                gettext(
                    "Only a coordinator may change the verification: leave the column "
                    "verification empty."
                )
            )
        errors += model_errors(person, read.to_validate, self.person_columns)
        plan = RowPlan(number, person, new=not updates, changed=read.changed)
        for relative_number, cells in sorted(relatives.items()):
            if any(cell_text(value) for value in cells.values()):
                self.plan_relative(plan, relative_number, cells, errors)
        return plan

    def _person(self, number: int, cell, errors: list[str]) -> DetainedPerson:
        """The case the row updates, or a new one. A new one also stands in for a case that
        cannot be found, so that the row's other cells are still checked."""
        try:
            case_number = CaseNumberCell().clean(cell, column="case_number")
        except CellError as error:
            errors.append(str(error))
            return DetainedPerson()
        if not case_number:
            return DetainedPerson()
        person = self.existing.get(case_number)
        if person is None:
            errors.append(
                _(
                    "There is no case %(case)s (column case_number): leave it empty to create "
                    "a new case."
                )
                % {"case": case_number}
            )
            return DetainedPerson()
        if case_number in self.seen:
            errors.append(
                _("Case %(case)s is also in row %(row)d: give each case one row.")
                % {"case": case_number, "row": self.seen[case_number]}
            )
            return DetainedPerson()
        self.seen[case_number] = number
        person.before = {c.name: c.render(person) for c in PERSON_COLUMNS}
        return person

    def plan_relative(self, plan: RowPlan, number: int, cells: dict, errors: list[str]) -> None:
        prefix = f"relative_{number}_"
        name = cell_text(cells.get("full_name"))
        kinship = (
            None if plan.instance.pk is None or not name else self._kin_named(plan.instance, name)
        )
        new = kinship is None
        if new:
            kinship = Kinship(person=plan.instance, relative=Relative())
        else:
            # The name found the relative, perhaps in another spelling: it stays as it is.
            cells = {**cells, "full_name": ""}
        cells = self._refuse_blind_contact_cells(kinship.relative, number, cells, errors)
        read = self.read_cells(kinship, cells, RELATIVE_COLUMNS, errors, prefix)
        if not name:
            errors.append(
                _("Relative %(n)d has details but no name (column %(column)s).")
                % {"n": number, "column": prefix + "full_name"}
            )
        columns = {c.field_name: prefix + c.name for c in RELATIVE_COLUMNS}
        for instance in (kinship.relative, kinship):
            errors += model_errors(instance, read.to_validate, columns)
        if "held_as" in read.changed and kinship.relative.held_as_id:
            errors += self._own_case_taken(kinship.relative, prefix + "held_as")
        if new or read.changed:
            plan.related.append((kinship, new, read.changed))

    def _own_case_taken(self, relative: Relative, column: str) -> list[str]:
        """A case is one relative's own case at most: in the register and in the sheet."""
        case = relative.held_as
        recorded = self.own_case_of.get(case.pk)
        if case.pk in self.own_cases or recorded not in (None, relative.pk):
            return [
                gettext(
                    "Case %(case)s is already the own case of another relative (column "
                    "%(column)s): a person held has one relative's record at most."
                )
                % {"case": case.case_number, "column": column}
            ]
        self.own_cases.add(case.pk)
        return []

    def _refuse_blind_contact_cells(
        self, relative: Relative, number: int, cells: dict, errors: list[str]
    ) -> dict:
        """The relative's cells without its contact details if the user may not enter them
        (cases.contact_access): the row is refused whatever their values, before they are
        compared with the recorded ones, so the preview never says whether a guess was right."""
        if self.user is None or may_enter_contact_details(self.user, relative):
            return cells
        filled = [c.name for c in RELATIVE_COLUMNS if c.contact and cell_text(cells.get(c.name))]
        if filled:
            errors.append(
                gettext(
                    "Relative %(n)d: only users allowed to see relatives' contact details may "
                    "set or change those of a relative already recorded; leave %(columns)s empty."
                )
                % {"n": number, "columns": ", ".join(f"relative_{number}_{n}" for n in filled)}
            )
        return {**cells, **dict.fromkeys(filled, "")}

    def _kin_named(self, person: DetainedPerson, name: str) -> Kinship | None:
        key = name_key(name)
        for kinship in person.kinships.all():
            relative = kinship.relative
            if key in (name_key(relative.full_name), name_key(relative.name_latin)):
                return kinship
        return None

    def describe(self, plan: RowPlan) -> RowChange:
        person = plan.instance
        changes = []
        if not plan.new:
            for column in PERSON_COLUMNS:
                before, after = person.before[column.name], column.render(person)
                if before != after:
                    changes.append(f"{column.name}: {before or '—'} → {after or '—'}")
        for kinship, new, changed in plan.related:
            relationship = RELATIONSHIP.render(kinship)
            if new:
                changes.append(
                    gettext("new relative: %(name)s (%(relationship)s)")
                    % {"name": kinship.relative.full_name, "relationship": relationship}
                )
            else:
                # Names of the changed columns only: contact details are not shown here.
                changes.append(
                    gettext("relative %(name)s: %(fields)s changed")
                    % {"name": kinship.relative.full_name, "fields": ", ".join(sorted(changed))}
                )
        action = "new" if plan.new else "update" if changes else "unchanged"
        label = (
            f"{person.case_number} {person.full_name}" if person.case_number else person.full_name
        )
        return RowChange(plan.number, action, label, changes)

    def write(self, plans: list[RowPlan], report: ImportReport) -> None:
        for plan in plans:
            person = plan.instance
            person.name_key = combined_name_key(
                person.full_name, person.name_latin, person.name_chinese, person.other_names
            )
        new = [plan.instance for plan in plans if plan.new]
        # Case numbers come from the ids, as DetainedPerson.save gives them: known before the
        # insert where ids are reserved, assigned in one update after it elsewhere.
        bulk.reserve_ids(DetainedPerson, new)
        for person in new:
            if person.pk:
                person.case_number = DetainedPerson.case_number_for(person.pk)
        self._insert(DetainedPerson, new)
        if new and not new[0].case_number:
            DetainedPerson.objects.assign_case_numbers()
            for person in new:
                person.case_number = DetainedPerson.case_number_for(person.pk)
        self._record_history(DetainedPerson, new, "+")
        changed = [plan for plan in plans if not plan.new and plan.changed]
        fields = set().union(*(plan.changed for plan in changed), {"name_key"})
        self._update(DetainedPerson, [plan.instance for plan in changed], fields)

        related = [item for plan in plans for item in plan.related]
        for kinship, _new, _changed in related:
            kinship.relative.derive_fields()  # as save() would: written in bulk
        new_kin = [kinship for kinship, new, _changed in related if new]
        self._create(Relative, [kinship.relative for kinship in new_kin])
        for kinship in new_kin:
            kinship.person_id, kinship.relative_id = kinship.person.pk, kinship.relative.pk
        self._create(Kinship, new_kin)
        report.relatives_added = len(new_kin)
        old = [(k, c) for k, new, c in related if not new]
        relative_fields = model_fields(c for c in RELATIVE_COLUMNS if c.attribute)
        kinship_fields = model_fields(c for c in RELATIVE_COLUMNS if not c.attribute)
        changed_relatives = [k.relative for k, c in old if c & relative_fields]
        changed_kinships = [k for k, c in old if c & kinship_fields]
        fields = set().union(*(c for _k, c in old))
        derived = {"name_key", "birth_year"}
        self._update(Relative, changed_relatives, (fields & relative_fields) | derived)
        self._update(Kinship, changed_kinships, fields & kinship_fields)
        # Written in bulk, without save signals: count what changed for the public statistics.
        tallies.refresh(
            persons=[plan.instance.pk for plan in plans],
            relatives=[kinship.relative_id for kinship, _new, _changed in related],
        )


def model_fields(columns) -> set[str]:
    """The model fields the columns write (an approximate date writes two)."""
    return {name for c in columns for name in c.cell.model_fields(c.field_name)}


def import_persons(data: bytes, *, user=None, dry_run: bool = True, file_name: str = ""):
    """Read a persons sheet; write it (all rows or none) unless `dry_run`. Returns the report."""
    return PersonImport(user, file_name).run(data, dry_run=dry_run)
