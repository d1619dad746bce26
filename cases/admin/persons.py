"""Data entry: one page holds a whole family case; changelists answer how advocates ask.

Every changelist runs a fixed number of queries whatever the number of rows (tests prove it).
Relatives' phone, email and address appear only to those cases.contact_access allows, and every
changelist refuses lookups, search and ordering on them for others (cases.admin.lookups).
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases.admin.concurrency import ConcurrencyGuardMixin
from cases.admin.filters import (
    DetentionYearFilter,
    HeldFilter,
    PersonPetitionFilter,
    PetitionOverdueFilter,
    SubmissionYearFilter,
)
from cases.admin.history import AuditHistoryMixin, DeletedRecordsMixin
from cases.admin.lookups import QueryGuardMixin
from cases.admin.paginator import EstimatedCountPaginator
from cases.admin.readlog import record_key, who_read_url
from cases.admin.rows import QuickCheckboxMixin
from cases.admin.search import NAME_SEARCH_HELP, NameKeySearchMixin, case_number_query
from cases.admin.worklist import next_follow_up_default, record_follow_up
from cases.contact_access import may_enter_contact_details, may_read_contact_details
from cases.documents import SourceForm
from cases.duplicates import likely_matches_for
from cases.imports import PersonImportExportMixin, PetitionImportExportMixin, RelativeExportMixin
from cases.models import (
    Authority,
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    PetitionEvent,
    Place,
    PublishedFigure,
    ReadEvent,
    Relative,
    Source,
)
from cases.readlog import (
    ReadLogMixin,
    Reads,
    contacts_shown,
    fields_on_page,
    inline_rows,
)

admin.site.site_header = _("casetracker: case register")
admin.site.site_title = _("casetracker")
admin.site.index_title = _("Cases, relatives and petitions")

# The changelist has no room for the explanations the form gives.
VERIFICATION_SHORT = {
    DetainedPerson.Verification.REPORTED: _("reported"),
    DetainedPerson.Verification.CORROBORATED: _("corroborated"),
    DetainedPerson.Verification.CONFIRMED: _("confirmed"),
}

SMALL_TEXTAREA = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


def short_date(value: datetime.date | None) -> str | None:
    """A date in a narrow column: ISO, as the date inputs show it, and unambiguous in any
    language (03/01/2019 is read as 3 January in Almaty and 1 March in English)."""
    return value.isoformat() if value else None


def follow_up_display(value: datetime.date | None) -> str | None:
    """A follow-up date, marked when it has passed (the caller knows the petition is open)."""
    if value is None:
        return None
    if value < timezone.localdate():
        return gettext("%(date)s (overdue)") % {"date": short_date(value)}
    return short_date(value)


class ReadOnlyInline(admin.TabularInline):
    """A list shown on the parent's page that is edited elsewhere, or never."""

    template = "admin/cases/readonly_tabular.html"
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- The family case --------------------------------------------------------------------------


class PersonKinshipInline(admin.TabularInline):
    model = Kinship
    extra = 0
    autocomplete_fields = ("relative",)
    readonly_fields = ("relative_contact",)
    verbose_name = _("relative")
    verbose_name_plural = _("relatives")
    # What the "contact details" column shows of a relative.
    contact_fields = ("phone", "email")

    def get_fields(self, request, obj=None):
        fields = ["relative", "relationship", "is_contact", "separated"]
        if may_read_contact_details(request.user):
            fields.append("relative_contact")
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("relative")

    @admin.display(description=_("contact details"))
    def relative_contact(self, kinship: Kinship) -> str:
        if not kinship.relative_id:
            return ""
        relative = kinship.relative
        return ", ".join(
            getattr(relative, name) for name in contacts_shown(relative, self.contact_fields)
        )


class PersonPetitionInline(ReadOnlyInline):
    """The person's petitions; each is entered on its own page."""

    model = Petition.persons.through
    template = "admin/cases/detainedperson/petitions_inline.html"
    fields = ("petition_link", "petition_status", "submitted_on", "follow_up")
    readonly_fields = fields
    verbose_name = _("petition")
    verbose_name_plural = _("petitions")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("petition__authority")
            .order_by("-petition__submitted_on", "-petition_id")
        )

    @admin.display(description=_("petition"))
    def petition_link(self, link) -> str:
        petition = link.petition
        url = reverse("admin:cases_petition_change", args=[petition.pk])
        return format_html('<a href="{}">#{} {}</a>', url, petition.pk, petition.authority)

    @admin.display(description=_("status"))
    def petition_status(self, link) -> str:
        return link.petition.get_status_display()

    @admin.display(description=_("submitted on"))
    def submitted_on(self, link) -> str:
        return short_date(link.petition.submitted_on) or self.get_empty_value_display()

    @admin.display(description=_("follow up on"))
    def follow_up(self, link) -> str:
        if link.petition.status == Petition.Status.CLOSED:
            return self.get_empty_value_display()
        return follow_up_display(link.petition.follow_up_on) or self.get_empty_value_display()


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 0
    fields = (
        "kind",
        "occurred_on",
        "occurred_on_precision",
        "sentence_years",
        "petition",
        "notes",
    )
    formfield_overrides = SMALL_TEXTAREA

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # An outcome follows one of this person's own petitions.
        petition = formset.form.base_fields["petition"]
        petition.queryset = (
            obj.petitions.select_related("authority") if obj else Petition.objects.none()
        )
        petition.widget.can_add_related = petition.widget.can_change_related = False
        petition.widget.can_view_related = petition.widget.can_delete_related = False
        return formset


class SourceInline(admin.TabularInline):
    """Evidence behind a case or a petition (the parent decides which). The page is narrow:
    a source's web address, language and notes are entered on its own page."""

    model = Source
    form = SourceForm
    extra = 0
    fields = ("kind", "title", "dated", "file")
    show_change_link = True


@admin.register(DetainedPerson)
class DetainedPersonAdmin(
    QueryGuardMixin,
    ReadLogMixin,
    QuickCheckboxMixin,
    ConcurrencyGuardMixin,
    PersonImportExportMixin,
    NameKeySearchMixin,
    DeletedRecordsMixin,
    AuditHistoryMixin,
    SimpleHistoryAdmin,
):
    list_display = (
        "case",
        "full_name",
        "status",
        "place",
        "year_detained",
        "verification_short",
        "petition_count",
        "next_follow_up",
    )
    list_display_links = ("case", "full_name")
    list_filter = (
        "status",
        HeldFilter,
        DetentionYearFilter,
        "home_place",
        "ethnicity",
        "verification",
        "counted_in_statistics",
        PersonPetitionFilter,
    )
    list_select_related = ("home_place",)
    # Names are found by their key (NameKeySearchMixin), case numbers exactly: a plain
    # icontains here would turn every search into a scan of the whole table.
    search_fields = ("=case_number",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_help_text = NAME_SEARCH_HELP
    readonly_fields = ("case_number",)
    autocomplete_fields = ("home_place", "duplicate_of")
    actions = ["mark_duplicates"]
    fieldsets = [
        (
            _("Names"),
            {"fields": ["case_number", "full_name", "name_latin", "name_chinese", "other_names"]},
        ),
        (
            _("Identity"),
            {"fields": [("gender", "birth_year"), ("ethnicity", "citizenship"), "occupation"]},
        ),
        (_("Place and status"), {"fields": [("home_place", "home_detail"), "status"]}),
        (
            _("Dates"),
            {
                "fields": [
                    ("detained_on", "detained_on_precision"),
                    ("last_contact_on", "last_contact_on_precision"),
                ],
                "description": _(
                    "Families rarely know the exact day: enter any day of the year or month "
                    "they remember and say how precise it is."
                ),
            },
        ),
        (
            _("Verification and counting"),
            {"fields": ["verification", ("counted_in_statistics", "duplicate_of")]},
        ),
        (_("Notes"), {"fields": ["notes"]}),
    ]
    inlines = [PersonKinshipInline, PersonPetitionInline, OutcomeInline, SourceInline]

    # Verifying a case and deciding whether it is counted publicly is a coordinator's call.
    VERIFICATION_FIELDS = ("verification", "counted_in_statistics", "duplicate_of")

    def get_queryset(self, request):
        return super().get_queryset(request).with_petition_summary()

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.has_perm("cases.verify_case"):
            return readonly
        return (*readonly, *self.VERIFICATION_FIELDS)

    def term_query(self, term: str) -> Q:
        return case_number_query(term)

    def cases_of(self, person: DetainedPerson) -> list[str]:
        return [person.case_number]

    def page_reads(self, request, person: DetainedPerson, context) -> Reads:
        reads = super().page_reads(request, person, context)
        for kinship in inline_rows(context, PersonKinshipInline, "relative_contact"):
            shown = contacts_shown(kinship.relative, PersonKinshipInline.contact_fields)
            if shown:
                reads.add(
                    ReadEvent.Kind.CONTACTS, kinship.relative, self.cases_of(person), fields=shown
                )
        return reads

    def who_read_url(self, person: DetainedPerson) -> str:
        return who_read_url(case=person.case_number)

    @admin.display(description=_("case"), ordering="case_number")
    def case(self, person: DetainedPerson) -> str:
        return format_html('<span class="nowrap">{}</span>', person.case_number)

    @admin.display(description=_("place"), ordering="home_place__position")
    def place(self, person: DetainedPerson) -> Place | None:
        return person.home_place

    @admin.display(description=_("detained"), ordering="detained_on")
    def year_detained(self, person: DetainedPerson) -> int | None:
        return person.detained_on.year if person.detained_on else None

    @admin.display(description=_("verification"), ordering="verification")
    def verification_short(self, person: DetainedPerson) -> str:
        return VERIFICATION_SHORT[person.verification]

    @admin.display(description=_("petitions"), ordering="petition_count")
    def petition_count(self, person: DetainedPerson) -> str:
        url = reverse("admin:cases_petition_changelist")
        return format_html(
            '<a href="{}?persons__id__exact={}">{}</a>', url, person.pk, person.petition_count
        )

    @admin.display(description=_("follow-up"), ordering="next_follow_up")
    def next_follow_up(self, person: DetainedPerson) -> str | None:
        return follow_up_display(person.next_follow_up)

    @admin.action(
        description=_("Mark as duplicates of the oldest selected case"),
        permissions=["verify"],
    )
    def mark_duplicates(self, request, queryset):
        original, *duplicates = queryset.order_by("created_at", "pk")
        if not duplicates:
            self.message_user(
                request, _("Select the case to keep and its duplicates."), messages.WARNING
            )
            return
        for person in duplicates:
            person.duplicate_of = original
            person.save(update_fields=["duplicate_of", "updated_at"])
        self.message_user(
            request,
            ngettext(
                "%(count)d case marked as a duplicate of %(case)s: it is no longer counted.",
                "%(count)d cases marked as duplicates of %(case)s: they are no longer counted.",
                len(duplicates),
            )
            % {"count": len(duplicates), "case": original.case_number},
        )

    def has_verify_permission(self, request) -> bool:
        return request.user.has_perm("cases.verify_case")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.user.has_perm("cases.add_petition"):
            url = reverse("admin:cases_petition_add")
            context["add_petition_url"] = f"{url}?persons={obj.pk}"
        if obj is not None and obj.pk:
            context["likely_duplicates"] = likely_matches_for(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        # A newly entered person who may already be in the register: stay on the case, where
        # the likely matches are listed, rather than go back to the list.
        if IS_POPUP_VAR not in request.POST and likely_matches_for(obj, limit=1):
            self.message_user(
                request,
                _("This case may already be in the register: check the likely matches below."),
                messages.WARNING,
            )
            return redirect("admin:cases_detainedperson_change", obj.pk)
        return super().response_add(request, obj, post_url_continue)


# --- Relatives --------------------------------------------------------------------------------


class RelativeKinshipInline(admin.TabularInline):
    model = Kinship
    extra = 0
    autocomplete_fields = ("person",)
    fields = ("person", "relationship", "is_contact", "separated")
    verbose_name = _("person held")
    verbose_name_plural = _("kin held in China")


@admin.register(Relative)
class RelativeAdmin(
    QueryGuardMixin,
    ReadLogMixin,
    QuickCheckboxMixin,
    RelativeExportMixin,
    NameKeySearchMixin,
    DeletedRecordsMixin,
    AuditHistoryMixin,
    SimpleHistoryAdmin,
):
    list_display = ("full_name", "name_latin", "city", "kin_to")
    list_filter = ("lives_in", "citizenship")
    # QueryGuardMixin leaves the contact details out for users who may not read them.
    search_fields = ("city", *Relative.CONTACT_FIELDS)
    search_help_text = NAME_SEARCH_HELP
    inlines = [RelativeKinshipInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (_("Name"), {"fields": ["full_name", "name_latin"]}),
            (_("About"), {"fields": [("birth_year", "citizenship"), ("lives_in", "city")]}),
            (_("Notes"), {"fields": ["notes"]}),
        ]
        # Absent otherwise, so that the form neither shows nor takes them.
        if may_enter_contact_details(request.user, obj):
            fieldsets.insert(2, (_("Contact details"), {"fields": list(Relative.CONTACT_FIELDS)}))
        return fieldsets

    # The contact columns of the list, and the field each shows (also for the read log).
    contact_columns = {"phone_number": "phone", "email": "email"}

    def get_list_display(self, request):
        if may_read_contact_details(request.user):
            return (*self.list_display, *self.contact_columns)
        return self.list_display

    def cases_of(self, relative: Relative) -> list[str]:
        return [kinship.person.case_number for kinship in relative.kinships.all()]

    def page_reads(self, request, relative: Relative, context) -> Reads:
        reads = super().page_reads(request, relative, context)
        if shown := contacts_shown(relative, fields_on_page(context)):
            reads.add(ReadEvent.Kind.CONTACTS, relative, self.cases_of(relative), fields=shown)
        return reads

    def who_read_url(self, relative: Relative) -> str:
        return who_read_url(record=record_key(relative))

    def get_queryset(self, request):
        kinships = Kinship.objects.select_related("person")
        return super().get_queryset(request).prefetch_related(Prefetch("kinships", kinships))

    @admin.display(description=_("phone"), ordering="phone")
    def phone_number(self, relative: Relative) -> str | None:
        if not relative.phone:
            return None
        return format_html('<span class="nowrap">{}</span>', relative.phone)

    @admin.display(description=_("kin to"))
    def kin_to(self, relative: Relative) -> str:
        return "; ".join(
            f"{kinship.person} ({kinship.get_relationship_display()})"
            for kinship in relative.kinships.all()
        )


# --- Petitions --------------------------------------------------------------------------------


class PetitionEventInline(ReadOnlyInline):
    model = PetitionEvent
    fields = ("on", "status", "note", "created_by")
    readonly_fields = fields
    verbose_name_plural = _("timeline")

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


# Sent by the follow-up page's own form (not by the changelist that opens it).
FOLLOW_UP_SUBMIT = "record_follow_up"


@admin.register(Petition)
class PetitionAdmin(
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
    fieldsets = [
        (_("For whom, by whom"), {"fields": ["persons", "petitioners", "organisation"]}),
        (
            _("Where it went"),
            {
                "fields": [
                    "authority",
                    ("channel", "submitted_on"),
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

    def term_query(self, term: str) -> Q:
        if term.startswith("#") and term[1:].isdigit():
            return Q(pk=int(term[1:]))
        return case_number_query(term, "persons__case_number")

    @admin.display(description=_("number"), ordering="pk")
    def number(self, petition: Petition) -> str:
        return f"#{petition.pk}"

    @admin.display(description=_("submitted on"), ordering="submitted_on")
    def submitted(self, petition: Petition) -> str | None:
        return short_date(petition.submitted_on)

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
        # Petition.save() records the status change on the timeline with this user.
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        # Added from a person's page ("add petition for this person"): go back to the case.
        person_id = request.GET.get("persons", "")
        stays_here = any(key in request.POST for key in ("_continue", "_addanother", IS_POPUP_VAR))
        if stays_here or not person_id.isdigit() or not obj.persons.filter(pk=person_id).exists():
            return response
        return redirect("admin:cases_detainedperson_change", int(person_id))


@admin.register(PetitionEvent)
class PetitionEventAdmin(QueryGuardMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    """The timeline is written by Petition.save(); nobody edits it by hand."""

    list_display = ("on", "petition", "status", "created_by")
    list_filter = ("status",)
    list_select_related = ("petition__authority", "created_by")
    date_hierarchy = "on"
    fields = ("petition", "on", "status", "note", "created_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Outcomes and evidence --------------------------------------------------------------------


@admin.register(Outcome)
class OutcomeAdmin(QueryGuardMixin, NameKeySearchMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    list_display = ("person", "kind", "occurred", "petition")
    list_filter = ("kind",)
    list_select_related = ("person", "petition__authority")
    search_fields = ("person__case_number",)
    search_help_text = NAME_SEARCH_HELP
    name_key_fields = ("person__name_key",)
    autocomplete_fields = ("person", "petition")
    fields = (
        "person",
        "kind",
        ("occurred_on", "occurred_on_precision"),
        "sentence_years",
        "petition",
        "notes",
    )

    @admin.display(description=_("when"), ordering="occurred_on")
    def occurred(self, outcome: Outcome) -> str:
        return outcome.occurred_on_display


class StandaloneSourceForm(SourceForm):
    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("person") and not cleaned.get("petition"):
            raise forms.ValidationError(
                _("Choose the person or the petition this source is about.")
            )
        return cleaned


@admin.register(Source)
class SourceAdmin(QueryGuardMixin, NameKeySearchMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    form = StandaloneSourceForm
    list_display = ("title", "kind", "person", "petition", "dated")
    list_filter = ("kind",)
    list_select_related = ("person", "petition__authority")
    search_fields = ("title",)
    name_key_fields = ("person__name_key",)
    autocomplete_fields = ("person", "petition")
    fields = ("person", "petition", "kind", "title", "url", "file", "dated", "language", "notes")


# --- Reference lists --------------------------------------------------------------------------


@admin.register(Place)
class PlaceAdmin(QueryGuardMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    list_display = ("name_en", "name_kk", "name_ru", "name_zh", "kind", "position")
    list_filter = ("kind",)
    search_fields = ("name_en", "name_kk", "name_ru", "name_zh", "code")


@admin.register(Authority)
class AuthorityAdmin(QueryGuardMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    list_display = ("name_en", "name_kk", "name_ru", "kind", "position")
    list_filter = ("kind",)
    search_fields = ("name_en", "name_kk", "name_ru", "code")


@admin.register(PublishedFigure)
class PublishedFigureAdmin(QueryGuardMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    # A source address typed without a scheme is taken as https:// (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("label_en", "value", "as_of_display", "source_name", "position")
    fields = (
        "label_en",
        "label_kk",
        "label_ru",
        "value",
        ("as_of", "as_of_precision"),
        "source_name",
        "source_url",
        "position",
    )

    @admin.display(description=_("as of"), ordering="as_of")
    def as_of_display(self, figure: PublishedFigure) -> str:
        return figure.as_of_display
