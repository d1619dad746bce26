"""Write the perturbation table of the public statistics (docs/public-statistics.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.public import perturbation


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Write the perturbation table (cases/public/data/ptable.csv, in the format of the "
            "ONS cell-key-perturbation package) and its parameters (ptable.json). No published "
            "count lies between 1 and the threshold minus one; every count moves by at most "
            "the spread, with mean zero."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--min-cell",
            type=int,
            default=settings.PUBLIC_MIN_CELL,
            help=_("The threshold: published counts are 0 or at least this (PUBLIC_MIN_CELL)."),
        )
        parser.add_argument(
            "--spread",
            type=int,
            default=perturbation.DEFAULT_SPREAD,
            help=_("The largest change to a count: noise is drawn evenly from -spread..+spread."),
        )

    def handle(self, *args, min_cell: int, spread: int, **options) -> None:
        if min_cell < 1 or spread < 1:
            raise CommandError(_("The threshold and the spread must be at least 1."))
        perturbation.write_ptable(min_cell, spread)
        self.stdout.write(
            _("Wrote %(path)s for a threshold of %(min_cell)s and a spread of %(spread)s.")
            % {"path": perturbation.PTABLE_PATH, "min_cell": min_cell, "spread": spread}
        )
