"""Restore a backup written by export_backup into a new, migrated, empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from cases.backups import BackupError, import_backup, is_encrypted
from cases.management import passphrase


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Restore FILE, written by export_backup, into an empty database (run migrate first, "
            "create no user). The whole file is checked first; a damaged file changes nothing. "
            "An encrypted backup's passphrase comes from BACKUP_PASSPHRASE or is typed in the "
            "terminal."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("the backup to restore"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("only check that the file is whole and opens: restore nothing"),
        )

    def handle(self, *args, file: Path, database: str, check: bool, **options) -> None:
        try:
            secret = passphrase.for_reading() if is_encrypted(file) else None
            counts = import_backup(file, secret, using=database, check_only=check)
        except BackupError as error:
            raise CommandError(error) from None
        if options["verbosity"] >= 2:
            for label, count in counts.items():
                self.stdout.write(f"  {label}: {count}")
        if check:
            message = _("%(path)s is whole: %(rows)d rows, nothing restored.")
        else:
            message = _("Restored %(rows)d rows from %(path)s.")
        self.stdout.write(message % {"rows": sum(counts.values()), "path": file})
