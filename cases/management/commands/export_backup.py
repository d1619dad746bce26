"""Write the whole case register to one file, encrypted (see cases/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from cases.backups import BackupError, export_backup, source_files_count
from cases.management import passphrase


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Write every case, relative, petition, history entry, user and group to FILE, "
            "encrypted with a passphrase (from BACKUP_PASSPHRASE, or typed in the terminal)."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("where to write the backup"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help=_(
                "write the backup in clear: whoever gets the file reads every case, contact "
                "detail, password hash and two-factor secret"
            ),
        )

    def handle(self, *args, file: Path, database: str, unencrypted: bool, **options) -> None:
        secret = None if unencrypted else passphrase.for_writing()
        try:
            counts = export_backup(file, secret, using=database)
        except BackupError as error:
            raise CommandError(error) from None
        if options["verbosity"] >= 2:
            for label, count in counts.items():
                self.stdout.write(f"  {label}: {count}")
        self.stdout.write(
            _("Wrote %(rows)d rows to %(path)s.") % {"rows": sum(counts.values()), "path": file}
        )
        if unencrypted:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The backup is not encrypted: it is as sensitive as the database. "
                        "Encrypt it before it leaves this server."
                    )
                )
            )
        if files := source_files_count(database):
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "%(count)d sources have uploaded files: the backup holds their paths, "
                        "not the files. Copy PRIVATE_MEDIA_ROOT as well."
                    )
                    % {"count": files}
                )
            )
