"""Compile the catalogues of LOCALE_PATHS (*/LC_MESSAGES/*.po) to .mo without GNU gettext
(uses polib)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po translation files into .mo files (no gettext needed)."

    def handle(self, *args, **options) -> None:
        try:
            import polib
        except ImportError:
            raise CommandError("polib is missing: install the dev dependencies.") from None
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalog = polib.pofile(str(po_path))
                catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"{po_path}: {catalog.percent_translated()}% translated")
