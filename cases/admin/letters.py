"""Letters and UN submissions in the admin: the readiness check on the case page, the page that
drafts a document for one or several persons (an action on persons and on petitions), and the
coordinators' own Word templates (LetterTemplate) with the placeholders they may use."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases.admin.history import AuditHistoryMixin
from cases.documents import original_file_name, source_file_url, validate_upload
from cases.letters.context import placeholder_list, sample_context
from cases.letters.drafting import DraftRefused, draft_document, family_contact
from cases.letters.engine import TemplateProblem, default_template_path, render
from cases.letters.kinds import KINDS, LANGUAGE_NAMES, document_choices
from cases.letters.readiness import CaseFacts, check_readiness
from cases.models import LetterTemplate

# Who may draft: a draft is a petition with its copy attached as a source.
DRAFT_PERMISSIONS = ("cases.add_petition", "cases.change_petition", "cases.add_source")
# Sent by the drafting page's own form (not by the changelist action that opens it).
DRAFT_SUBMIT = "draft_document"


def may_draft(user) -> bool:
    return user.has_perms(DRAFT_PERMISSIONS)


def readiness_table(persons, organisation: str = "") -> list[dict]:
    """Each kind of document with its checks for `persons`, for the case page and the
    drafting page: a fixed number of queries, whatever the number of persons."""
    sender = family_contact(persons[0]) if persons else None
    today = timezone.localdate()
    facts = CaseFacts.of(persons, today)
    return [
        {
            "kind": kind,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in kind.languages],
            "readiness": check_readiness(
                kind, persons, sender=sender, organisation=organisation, on=today, facts=facts
            ),
        }
        for kind in KINDS.values()
    ]


class DraftForm(forms.Form):
    document = forms.ChoiceField(label=_("Document"), choices=document_choices)
    organisation = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=200,
        help_text=_("If an organisation submits it, with or instead of the family contact."),
    )


def draft_page(
    model_admin, request, persons, *, cancel_url: str, action: str = "", selected=(), document=""
):
    """The drafting page for `persons` (again, with the reason, if it is refused); once the
    draft is kept, a redirect to its petition."""
    if not may_draft(request.user):
        raise PermissionDenied
    submitted = request.method == "POST" and DRAFT_SUBMIT in request.POST
    initial = {"document": request.GET.get("document", document)}
    form = DraftForm(request.POST if submitted else None, initial=initial)
    if form.is_valid():
        code, language = form.cleaned_data["document"].split(":")
        try:
            draft = draft_document(
                persons,
                kind_code=code,
                language=language,
                user=request.user,
                organisation=form.cleaned_data["organisation"],
            )
        except (DraftRefused, TemplateProblem) as problem:
            form.add_error(None, str(problem))
        else:
            message = format_html(
                '{} <a href="{}">{}</a>',
                _("The draft is kept with the petition:"),
                source_file_url(draft.source),
                draft.file_name,
            )
            model_admin.message_user(request, message, messages.SUCCESS)
            if draft.contacts_withheld:
                model_admin.message_user(
                    request,
                    _(
                        "The template asks for contact details that you may not read: they "
                        "were left out."
                    ),
                    messages.WARNING,
                )
            return redirect("admin:cases_petition_change", draft.petition.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Draft a letter or UN submission"),
        "opts": model_admin.opts,
        "persons": persons,
        "form": form,
        "documents": readiness_table(persons),
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": list(selected),
        "submit_name": DRAFT_SUBMIT,
        "cancel_url": cancel_url,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/cases/draft.html", context)


# --- The coordinators' own templates -----------------------------------------------------------


class LetterTemplateForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("Document"),
        choices=[(code, kind.title) for code, kind in KINDS.items()],
    )

    class Meta:
        model = LetterTemplate
        fields = ["kind", "language", "file", "notes"]

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):
            if not file.name.lower().endswith(".docx"):
                raise ValidationError(_("Upload a Word document (.docx)."), code="not_docx")
            validate_upload(file)
        return file

    def clean(self):
        cleaned = super().clean()
        code, language, file = (cleaned.get(name) for name in ("kind", "language", "file"))
        if code and language and language not in KINDS[code].languages:
            self.add_error(
                "language",
                _("This document is drafted in %(languages)s.")
                % {"languages": ", ".join(str(LANGUAGE_NAMES[c]) for c in KINDS[code].languages)},
            )
        if isinstance(file, UploadedFile) and language:
            # Filled in with every placeholder before it replaces the template in use: a
            # misspelt one is named now, not when an advocate drafts.
            file.seek(0)
            try:
                render(file.read(), sample_context(language))
            except TemplateProblem as problem:
                self.add_error("file", str(problem))
            file.seek(0)
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        if "file" in self.changed_data and isinstance(self.cleaned_data.get("file"), UploadedFile):
            self.instance.original_name = original_file_name(self.cleaned_data["file"])


@admin.register(LetterTemplate)
class LetterTemplateAdmin(AuditHistoryMixin, SimpleHistoryAdmin):
    form = LetterTemplateForm
    list_display = ("document", "language", "original_name", "updated_at")
    readonly_fields = ("in_use", "placeholders")
    fieldsets = [
        (None, {"fields": ["kind", "language", "file", "notes", "in_use"]}),
        (
            _("Placeholders"),
            {
                "fields": ["placeholders"],
                "description": _(
                    "Write a placeholder in Word as <code>{{ person.name }}</code>. A line or "
                    "block that is repeated or left out is wrapped in paragraphs of their own: "
                    "<code>{%p for person in persons %}</code> … <code>{%p endfor %}</code>, "
                    "<code>{%p if person.detained_at %}</code> … <code>{%p endif %}</code>."
                ),
            },
        ),
    ]

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_download"
        return [
            path("download/<slug:kind>/<slug:language>/", view, name=name),
            *super().get_urls(),
        ]

    @admin.display(description=_("document"), ordering="kind")
    def document(self, template: LetterTemplate) -> str:
        kind = KINDS.get(template.kind)
        return str(kind.title) if kind else template.kind

    @admin.display(description=_("templates in use, to download"))
    def in_use(self, template: LetterTemplate | None) -> str:
        links = format_html_join(
            "",
            '<li><a href="{}">{} ({})</a></li>',
            (
                (
                    reverse("admin:cases_lettertemplate_download", args=[code, language]),
                    kind.title,
                    LANGUAGE_NAMES[language],
                )
                for code, kind in KINDS.items()
                for language in kind.languages
            ),
        )
        return format_html("<ul>{}</ul>", links)

    @admin.display(description=_("placeholders"))
    def placeholders(self, template: LetterTemplate | None) -> str:
        rows = format_html_join(
            "",
            "<tr><td><code>{{{{ {} }}}}</code></td><td>{}</td></tr>",
            placeholder_list(),
        )
        return format_html("<table>{}</table>", rows)

    def download_view(self, request, kind: str, language: str):
        """The template in use for a kind and language: the coordinator's own, else the one
        casetracker ships; the starting point for a new one."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if kind not in KINDS or language not in KINDS[kind].languages:
            raise Http404
        own = LetterTemplate.objects.filter(kind=kind, language=language).first()
        if own is not None and own.file:
            handle, name = own.file.open("rb"), own.original_name or f"{kind}_{language}.docx"
        else:
            handle, name = (
                default_template_path(kind, language).open("rb"),
                f"{kind}_{language}.docx",
            )
        return FileResponse(handle, as_attachment=True, filename=name)
