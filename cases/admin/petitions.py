"""Petitions: where each went, its status and timeline, and the "Follow-up done" page that
records chasing one or many and sets the next date (cases.admin.worklist.record_follow_up)."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from cases.admin.concurrency import ConcurrencyGuardMixin
from cases.admin.dates import ApproximateDatesAdminMixin
from cases.admin.filters import PetitionOverdueFilter, SubmissionYearFilter
from cases.admin.history import AuditHistoryMixin
from cases.admin.lookups import QueryGuardMixin
from cases.admin.paginator import EstimatedCountPaginator
from cases.admin.reference import SourceInline
from cases.admin.rows import (
    SMALL_TEXTAREA,
    QuickCheckboxMixin,
    ReadOnlyInline,
    ReadOnlyMixin,
    follow_up_display,
    short_approximate,
    short_date,
)
from cases.admin.search import NameKeySearchMixin, case_number_query
from cases.admin.worklist import next_follow_up_default, record_follow_up
from cases.intake.admin import PetitionImportExportMixin
from cases.models import Petition, PetitionEvent
from cases.readlog import ReadLogMixin
from cases.services import missing_un_consent, save_petition, un_consent_error


class PetitionEventInline(ReadOnlyInline):
    model = PetitionEvent
    fields = ("when", "status", "note", "created_by")
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    @admin.display(description=_("date"))
    def when(self, event: PetitionEvent) -> str:
        return event.on_display

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


class FollowUpForm(forms.Form):
    """What an advocate did to chase a petition, and when to chase it next."""

    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "What was done and what came of it, e.g. “Called the Ministry: no reply yet.”"
        ),
    )
    next_follow_up_on = forms.DateField(
        label=_("Next follow-up on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["next_follow_up_on"].initial = next_follow_up_default(today)
        self.fields["next_follow_up_on"].widget.attrs["min"] = today.isoformat()

    def clean_next_follow_up_on(self) -> datetime.date:
        value = self.cleaned_data["next_follow_up_on"]
        if value < timezone.localdate():
            raise ValidationError(
                _("The next follow-up cannot lie in the past."), code="past_follow_up"
            )
        return value


class PetitionForm(forms.ModelForm):
    """A petition to a UN body is marked submitted only for persons with a valid consent
    covering UN submissions (cases.services.missing_un_consent)."""

    def _post_clean(self):
        # After the model's own validation: the instance holds the values entered by now.
        super()._post_clean()
        persons = self.cleaned_data.get("persons")
        if self.errors or persons is None:
            return
        if missing := missing_un_consent(self.instance, persons):
            self.add_error("status", un_consent_error(missing))


# Sent by the follow-up page's own form (not by the changelist that opens it).
FOLLOW_UP_SUBMIT = "record_follow_up"


@admin.register(Petition)
class PetitionAdmin(
    ApproximateDatesAdminMixin,
    QueryGuardMixin,
    ReadLogMixin,
    QuickCheckboxMixin,
    ConcurrencyGuardMixin,
    PetitionImportExportMixin,
    NameKeySearchMixin,
    AuditHistoryMixin,
    SimpleHistoryAdmin,
):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_display = (
        "number",
        "persons_list",
        "status",
        "follow_up",
        "submitted",
        "authority",
    )
    list_display_links = ("number", "persons_list")
    list_filter = (
        PetitionOverdueFilter,
        "status",
        SubmissionYearFilter,
        "authority",
        "channel",
        "response_kind",
    )
    list_select_related = ("authority",)
    search_fields = ("our_reference", "their_reference", "organisation")
    search_help_text = _(
        "A name in any spelling (of a person or a petitioner), a case number or a reference."
    )
    name_key_fields = ("persons__name_key", "petitioners__name_key")
    autocomplete_fields = ("persons", "petitioners", "authority")
    formfield_overrides = SMALL_TEXTAREA
    form = PetitionForm
    fieldsets = [
        (_("For whom, by whom"), {"fields": ["persons", "petitioners", "organisation"]}),
        (
            _("Where it went"),
            {
                "fields": [
                    "authority",
                    ("channel", "submitted_on", "letters_count"),
                    ("our_reference", "their_reference"),
                ]
            },
        ),
        (_("Status and follow-up"), {"fields": [("status", "follow_up_on")]}),
        (
            _("Answer"),
            {"fields": [("response_received_on", "response_kind"), "response_summary"]},
        ),
        (_("Notes"), {"fields": ["notes"]}),
    ]
    inlines = [PetitionEventInline, SourceInline]
    actions = ["follow_up_done"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("persons")

    def get_urls(self):
        view = self.admin_site.admin_view(self.follow_up_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_follow_up"
        return [path("<path:object_id>/follow-up/", view, name=name), *super().get_urls()]

    def cases_of(self, petition: Petition) -> list[str]:
        return [person.case_number for person in petition.persons.all()]

    def term_query(self, request, term: str) -> Q:
        if term.startswith("#") and term[1:].isdigit():
            return Q(pk=int(term[1:]))
        return case_number_query(term, "persons__case_number")

    @admin.display(description=_("number"), ordering="pk")
    def number(self, petition: Petition) -> str:
        return f"#{petition.pk}"

    @admin.display(description=_("submitted on"), ordering="submitted_on")
    def submitted(self, petition: Petition) -> str | None:
        return short_approximate(petition.submitted_on, petition.submitted_on_precision)

    @admin.display(description=_("persons"))
    def persons_list(self, petition: Petition) -> str:
        return "; ".join(str(person) for person in petition.persons.all())

    @admin.display(description=_("follow up on"), ordering="follow_up_on")
    def follow_up(self, petition: Petition) -> str | None:
        if petition.status == Petition.Status.CLOSED:
            return None
        return follow_up_display(petition.follow_up_on)

    @admin.action(description=_("Follow-up done"), permissions=["change"])
    def follow_up_done(self, request, queryset):
        """Ask for a note and the next date, then record the follow-up on each petition."""
        petitions = list(queryset.select_related("authority"))
        return self.follow_up_page(request, petitions, cancel_url=request.get_full_path())

    def follow_up_view(self, request, object_id):
        """The "Follow-up done" page of one petition, linked from the petition's page."""
        petition = self.get_object(request, unquote(object_id))
        if petition is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, petition):
            raise PermissionDenied
        change_url = reverse("admin:cases_petition_change", args=[petition.pk])
        response = self.follow_up_page(request, [petition], cancel_url=change_url, single=True)
        return response or redirect(change_url)

    def follow_up_page(self, request, petitions, *, cancel_url: str, single: bool = False):
        """The form (again, with errors, if its input is bad); None once recorded."""
        submitted = request.method == "POST" and FOLLOW_UP_SUBMIT in request.POST
        form = FollowUpForm(request.POST if submitted else None)
        if form.is_valid():
            count = record_follow_up(
                petitions,
                note=form.cleaned_data["note"],
                next_on=form.cleaned_data["next_follow_up_on"],
                user=request.user,
            )
            message = ngettext(
                "Follow-up recorded; next follow-up on %(date)s.",
                "Follow-up recorded on %(count)d petitions; next follow-up on %(date)s.",
                count,
            ) % {"count": count, "date": short_date(form.cleaned_data["next_follow_up_on"])}
            self.message_user(request, message, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Follow-up done"),
            "opts": self.opts,
            "petitions": petitions,
            "form": form,
            "action": "" if single else "follow_up_done",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "submit_name": FOLLOW_UP_SUBMIT,
            "cancel_url": cancel_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cases/petition/follow_up.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            context["follow_up_url"] = reverse("admin:cases_petition_follow_up", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # A new status goes on the timeline, with who set it; the form checked the consents.
        save_petition(obj, user=request.user, persons=form.cleaned_data["persons"])

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        # Added from a person's page ("add petition for this person"): go back to the case.
        person_id = request.GET.get("persons", "")
        stays_here = any(key in request.POST for key in ("_continue", "_addanother", IS_POPUP_VAR))
        if stays_here or not person_id.isdigit() or not obj.persons.filter(pk=person_id).exists():
            return response
        return redirect("admin:cases_detainedperson_change", int(person_id))


@admin.register(PetitionEvent)
class PetitionEventAdmin(ReadOnlyMixin, QueryGuardMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    """The timeline is written by Petition.save(); nobody edits it by hand."""

    list_display = ("when", "petition", "status", "created_by")
    list_filter = ("status",)
    list_select_related = ("petition__authority", "created_by")
    date_hierarchy = "on"
    fields = ("petition", "when", "status", "note", "created_by")
    # A display, never a form field: simple-history's page of a past version builds the form.
    readonly_fields = ("when",)

    @admin.display(description=_("date"), ordering="on")
    def when(self, event: PetitionEvent) -> str:
        return event.on_display
