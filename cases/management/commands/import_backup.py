"""Restore a backup written by export_backup into a new, migrated, empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from cases.backups import BackupError, import_backup


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Restore FILE, written by export_backup, into an empty database (run migrate first, "
            "create no user). All or nothing: a damaged file changes nothing."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("the backup to restore"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file: Path, database: str, **options) -> None:
        try:
            counts = import_backup(file, using=database)
        except BackupError as error:
            raise CommandError(error) from None
        if options["verbosity"] >= 2:
            for label, count in counts.items():
                self.stdout.write(f"  {label}: {count}")
        self.stdout.write(
            _("Restored %(rows)d rows from %(path)s.")
            % {"rows": sum(counts.values()), "path": file}
        )
