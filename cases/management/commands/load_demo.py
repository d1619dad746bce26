"""Load the source story and, on request, generated families to try the app at scale."""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.demo.generator import DEFAULT_SEED, generate_cases, register_is_empty
from cases.demo.story import load_story


def case_count(value: str) -> int:
    """argparse type for --synthetic: a whole number of at least 1."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("give a whole number of cases, not %(value)r") % {"value": value}
        ) from None
    if count < 1:
        raise argparse.ArgumentTypeError(
            _("give at least 1 case, not %(count)d") % {"count": count}
        )
    return count


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Load the source story (Kairat Dauitkhan's family, as Radio Azattyq reported it) "
            "and, with --synthetic N, N generated cases. Running it again changes nothing in "
            "the story."
        )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--synthetic",
            type=case_count,
            metavar="N",
            help=_("also add N generated cases, each marked as generated"),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("add the generated cases only if the register holds no case but the story"),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_("random seed for the generated cases (default: %(default)s)"),
        )

    def handle(self, *args, synthetic: int | None = None, seed: int = DEFAULT_SEED, **options):
        # call_command(synthetic=…) bypasses the argparse type, so check here as well.
        if synthetic is not None:
            try:
                synthetic = case_count(str(synthetic))
            except argparse.ArgumentTypeError as error:
                raise CommandError(f"--synthetic: {error}") from None
        with transaction.atomic():
            changes = load_story()
            skip = synthetic and options["if_empty"] and not register_is_empty()
            if synthetic and not skip:
                started = time.perf_counter()
                counts = generate_cases(synthetic, seed)
                elapsed = time.perf_counter() - started

        if changes:
            message = _("Source story loaded: %(changes)d rows created or updated.")
            self.stdout.write(message % {"changes": changes})
        else:
            self.stdout.write(_("Source story already loaded: nothing changed."))
        if skip:
            self.stdout.write(_("No cases generated: the register already holds other cases."))
        elif synthetic:
            rows = sum(counts.values())
            self.stdout.write(
                _(
                    "Generated %(persons)d cases: %(relatives)d relatives, %(kinships)d kinships, "
                    "%(petitions)d petitions, %(events)d petition events, %(outcomes)d outcomes; "
                    "%(rows)d rows in %(seconds).1f s (%(rate)d rows/s)."
                )
                % {**counts, "rows": rows, "seconds": elapsed, "rate": rows / max(elapsed, 1e-9)}
            )
