"""Word documents from templates: docxtpl (Jinja placeholders in a .docx) in a sandbox.

A template is the coordinator's own (LetterTemplate) or the one shipped in templates/ beside
this module. A placeholder the context does not have, or a tag Jinja cannot read, stops the
rendering with a TemplateProblem that names it: never a half-filled document, never a 500.
"""

import io
import zipfile
from pathlib import Path

from django.utils.translation import gettext as _
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing
from lxml.etree import LxmlError

from cases.letters.context import Fields
from cases.models import LetterTemplate

DEFAULTS = Path(__file__).resolve().parent / "templates"


class TemplateProblem(Exception):
    """A template that cannot be filled in; the message says where and why."""


class PlaceholderUndefined(StrictUndefined):
    """Fails as soon as a template uses a name it was not given: the error's message is the
    name in full ('person.nmae')."""

    @property
    def _undefined_message(self) -> str:
        name = self._undefined_name or ""
        owner = self._undefined_obj
        if owner is missing:
            return name
        if isinstance(owner, Fields):
            return f"{owner._path}.{name}"
        return f"{owner!r}.{name}"


def default_template_path(kind: str, language: str) -> Path:
    return DEFAULTS / f"{kind}_{language}.docx"


def template_bytes(kind: str, language: str) -> tuple[bytes, str]:
    """The template in use for a kind and language, and where it comes from."""
    own = LetterTemplate.objects.filter(kind=kind, language=language).first()
    if own is not None and own.file:
        try:
            with own.file.open("rb") as handle:
                return handle.read(), own.original_name or own.file.name
        except FileNotFoundError:
            raise TemplateProblem(
                _(
                    "The template file uploaded for this document is missing; upload it again "
                    "or delete the template to use the one casetracker ships."
                )
            ) from None
    path = default_template_path(kind, language)
    return path.read_bytes(), path.name


def render(template: bytes, context: dict) -> bytes:
    """Fill `template` (a .docx with Jinja placeholders) with `context`; the new .docx."""
    environment = SandboxedEnvironment(undefined=PlaceholderUndefined, autoescape=True)
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, environment, autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except UndefinedError as error:
        raise TemplateProblem(
            _(
                "The template uses the placeholder “%(name)s”, which does not exist. Correct it "
                "in Word (the list of placeholders is on the template's page)."
            )
            % {"name": error.args[0]}
        ) from None
    except TemplateSyntaxError as error:
        near = " ".join(line.strip() for line in getattr(error, "docx_context", []) if line)
        raise TemplateProblem(
            _("The template has a broken placeholder near “%(text)s”: %(error)s.")
            % {"text": near[:120], "error": error.message}
        ) from None
    except TemplateError as error:
        raise TemplateProblem(
            _("The template cannot be filled in: %(error)s.") % {"error": error}
        ) from None
    except (zipfile.BadZipFile, KeyError, ValueError, LxmlError):
        raise TemplateProblem(_("The template is not a Word document (.docx).")) from None
    return out.getvalue()
