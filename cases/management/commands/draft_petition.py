"""Draft a letter or a UN submission from a case and keep it as a draft petition.

    python manage.py draft_petition C-00001 --to president --language kk --output letter.docx

Exits with status 2 and says why on an unknown case, authority, language or user, a missing
required element, or a broken template; nothing is written then.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cases.admin.search import case_number_query
from cases.letters.drafting import DraftRefused, draft_document
from cases.letters.engine import TemplateProblem
from cases.letters.kinds import KINDS
from cases.models import DetainedPerson


class Command(BaseCommand):
    help = (
        "Draft a letter to an authority, or a submission to a UN Working Group, from one or "
        "more cases; keep it as a draft petition with the document attached, and write it to "
        "a .docx file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "cases", nargs="+", metavar="CASE_NUMBER", help="One document about all of them."
        )
        parser.add_argument(
            "--to", required=True, dest="kind", help=f"Authority code: {', '.join(KINDS)}."
        )
        parser.add_argument("--language", required=True, help="kk, ru or en.")
        parser.add_argument("--output", required=True, type=Path, help="The .docx to write.")
        parser.add_argument(
            "--user",
            help="Who drafts it (recorded in the history); contact details go into the "
            "document only if this user may read them.",
        )
        parser.add_argument("--organisation", default="", help="The organisation that submits.")

    def handle(self, *args, **options):
        persons = [self.find_case(number) for number in options["cases"]]
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user “{options['user']}”.", returncode=2)
        output: Path = options["output"]
        if not output.parent.is_dir():
            raise CommandError(f"There is no folder {output.parent}.", returncode=2)
        try:
            draft = draft_document(
                persons,
                kind_code=options["kind"],
                language=options["language"],
                user=user,
                organisation=options["organisation"],
            )
        except (DraftRefused, TemplateProblem) as problem:
            raise CommandError(str(problem), returncode=2) from None
        output.write_bytes(draft.content)
        verb = "created" if draft.created else "updated"
        self.stdout.write(f"Wrote {output}; draft petition #{draft.petition.pk} {verb}.")
        if draft.contacts_withheld:
            self.stdout.write(
                "Contact details left out (this user may not read them): "
                + ", ".join(draft.contacts_withheld)
            )

    def find_case(self, number: str) -> DetainedPerson:
        query = case_number_query(number)
        person = DetainedPerson.objects.filter(query).first() if query else None
        if person is None:
            raise CommandError(f"There is no case “{number}”.", returncode=2)
        return person
