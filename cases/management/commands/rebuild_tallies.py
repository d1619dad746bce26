"""Count the public statistics afresh from the register (an operator's command)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from cases.public import tallies


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Count the public statistics afresh from the cases. Every change through the admin, "
            "an import or load_demo keeps them current; run this after changing the database "
            "by other means (SQL, a database-level restore)."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, choices=list(settings.DATABASES)
        )

    def handle(self, *args, database: str, **options) -> None:
        started = time.perf_counter()
        records = tallies.rebuild(database)
        self.stdout.write(
            _("Counted %(records)d records for the public statistics in %(seconds).1f s.")
            % {"records": records, "seconds": time.perf_counter() - started}
        )
