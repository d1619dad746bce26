"""List cases that may be one person entered twice, best first (an operator's command)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.duplicates import best_pairs, find_pairs


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _("List pairs of cases that may be one person, best first, with their score.")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--min-score",
            type=int,
            default=80,
            help=_("leave out pairs scoring below this, from 0 to 100 (default: 80)"),
        )
        parser.add_argument("--limit", type=int, metavar="N", help=_("show only the N best pairs"))

    def handle(self, *args, min_score: int, limit: int | None, **options) -> None:
        if not 0 <= min_score <= 100:
            raise CommandError(_("--min-score must lie between 0 and 100."))
        if limit is not None and limit < 1:
            raise CommandError(_("--limit must be 1 or more."))
        pairs = list(find_pairs(min_score=min_score))
        shown = best_pairs(pairs, limit)
        for pair in shown:
            line = f"{pair.score:3d}  {pair.first}  ↔  {pair.second}"
            if reasons := pair.name.explanation:
                line += f"  ({reasons})"
            self.stdout.write(line)
        summary = ngettext(
            "%(count)d likely pair scoring %(score)d or more.",
            "%(count)d likely pairs scoring %(score)d or more.",
            len(pairs),
        ) % {"count": len(pairs), "score": min_score}
        if len(shown) < len(pairs):
            summary += " " + ngettext(
                "Only the best is shown.", "Only the %(shown)d best are shown.", len(shown)
            ) % {"shown": len(shown)}
        self.stdout.write(summary)
