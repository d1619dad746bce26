"""The family case on one page: the person held, their relatives, consents, petitions, outcomes
and evidence; the list of cases answers how advocates ask; outcomes also have their own list.

Every changelist runs a fixed number of queries whatever the number of rows (tests prove it).
Relatives' phone, email and address appear only to those cases.contact_access allows, and every
changelist refuses lookups, search and ordering on them for others (cases.admin.lookups).
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from cases import name_search
from cases.admin.concurrency import ConcurrencyGuardMixin
from cases.admin.consents import ConsentInline, PersonConsentFilter, standing_withdrawals
from cases.admin.dates import ApproximateDatesAdminMixin
from cases.admin.family import NewPetitionInline, NewRelativeInline
from cases.admin.filters import (
    AssigneeFilter,
    DetentionYearFilter,
    HeldFilter,
    PersonPetitionFilter,
)
from cases.admin.history import AuditHistoryMixin, DeletedRecordsMixin
from cases.admin.letters import draft_page, may_draft, readiness_table
from cases.admin.lookups import QueryGuardMixin
from cases.admin.paginator import EstimatedCountPaginator
from cases.admin.readlog import who_read_url
from cases.admin.reference import SourceInline
from cases.admin.relatives import RelativeAdmin
from cases.admin.rows import (
    SMALL_TEXTAREA,
    QuickCheckboxMixin,
    ReadOnlyInline,
    follow_up_display,
    short_approximate,
    without_popups,
)
from cases.admin.search import (
    NAME_SEARCH_HELP,
    PERSON_SEARCH_HELP,
    RANKED_LIMIT,
    NameKeySearchMixin,
    case_number_query,
    digits_only,
    phone_digits,
)
from cases.contact_access import may_read_contact_details, searchable_kinships
from cases.duplicates import likely_matches_for
from cases.intake.admin import PersonImportExportMixin
from cases.letters.readiness import missing_for_forms
from cases.models import (
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    Place,
    ReadEvent,
    Relative,
)
from cases.readlog import ReadLogMixin, Reads, contacts_shown, inline_rows
from cases.services import record_outcome, record_outcomes

# The changelist has no room for the explanations the form gives.
VERIFICATION_SHORT = {
    DetainedPerson.Verification.REPORTED: _("reported"),
    DetainedPerson.Verification.CORROBORATED: _("corroborated"),
    DetainedPerson.Verification.CONFIRMED: _("confirmed"),
}


def announce_status(model_admin: admin.ModelAdmin, request, outcome: Outcome) -> None:
    """Tell the advocate that an outcome changed the person's status: nothing changes unseen."""
    model_admin.message_user(
        request,
        _("The status was set to %(status)s after the outcome %(outcome)s.")
        % {"status": outcome.person.get_status_display(), "outcome": outcome},
        messages.INFO,
    )


def relative_record_of(person: DetainedPerson) -> Relative | None:
    """The relative's record of a person held who is also kin to other cases, with those
    kinships (two queries), or None."""
    kinships = Kinship.objects.select_related("person").order_by("person__case_number")
    return (
        Relative.objects.filter(held_as=person)
        .prefetch_related(Prefetch("kinships", kinships))
        .first()
    )


def user_label(user) -> str:
    """A staff user as the assignee select lists them: full name and username."""
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


# --- The family case --------------------------------------------------------------------------


class PersonKinshipInline(admin.TabularInline):
    model = Kinship
    extra = 0
    autocomplete_fields = ("relative",)
    readonly_fields = ("relative_situation", "relative_contact")
    verbose_name = _("relative")
    verbose_name_plural = _("relatives")
    # What the "contact details" column shows of a relative.
    contact_fields = ("phone", "email")

    def get_fields(self, request, obj=None):
        fields = ["relative", "relationship", "is_contact", "separated", "relative_situation"]
        # `obj` is the person: their assignee reads their relatives' contact details too.
        if may_read_contact_details(request.user, person=obj):
            fields.append("relative_contact")
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("relative__held_as")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # No pop-up windows: new relatives are typed in NewRelativeInline's rows.
        if relative := formset.form.base_fields.get("relative"):
            without_popups(relative)
        return formset

    # Entered on the relative's own page (or new in this page's rows); shown here so that the
    # family's situation reads on one page.
    @admin.display(description=_("situation"))
    def relative_situation(self, kinship: Kinship) -> str:
        if not kinship.relative_id:
            return ""
        relative = kinship.relative
        parts = [relative.get_situation_display()]
        if age := relative.age():
            parts.append(age)
        text = ", ".join(str(part) for part in parts)
        if not relative.held_as_id:
            return text
        url = reverse("admin:cases_detainedperson_change", args=[relative.held_as_id])
        return format_html(
            '{} (<a href="{}">{}</a>)',
            text,
            url,
            _("own case %(case)s") % {"case": relative.held_as.case_number},
        )

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
        petition = link.petition
        shown = short_approximate(petition.submitted_on, petition.submitted_on_precision)
        return shown or self.get_empty_value_display()

    @admin.display(description=_("follow up on"))
    def follow_up(self, link) -> str:
        if link.petition.status == Petition.Status.CLOSED:
            return self.get_empty_value_display()
        return follow_up_display(link.petition.follow_up_on) or self.get_empty_value_display()


class OutcomeInline(ApproximateDatesAdminMixin, admin.TabularInline):
    model = Outcome
    extra = 0
    fields = ("kind", "occurred_on", "sentence_years", "petition", "notes")
    formfield_overrides = SMALL_TEXTAREA

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # An outcome follows one of this person's own petitions.
        petition = formset.form.base_fields["petition"]
        petition.queryset = (
            obj.petitions.select_related("authority") if obj else Petition.objects.none()
        )
        # Listed once for every outcome's form: one query, where each form's list would read
        # them again through a server-side cursor (three round trips on PostgreSQL).
        empty = [] if petition.empty_label is None else [("", petition.empty_label)]
        petition.choices = empty + [
            (choice.pk, petition.label_from_instance(choice)) for choice in petition.queryset
        ]
        without_popups(petition)
        return formset


@admin.register(DetainedPerson)
class DetainedPersonAdmin(
    ApproximateDatesAdminMixin,
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
        "name",
        "status",
        "place",
        "year_detained",
        "verification_short",
        "petition_count",
        "next_follow_up",
        "assignee",
    )
    list_display_links = ("case", "name")
    list_filter = (
        "status",
        HeldFilter,
        DetentionYearFilter,
        "home_place",
        "ethnicity",
        "reason_given",
        "verification",
        "counted_in_statistics",
        PersonPetitionFilter,
        PersonConsentFilter,
        AssigneeFilter,
    )
    list_select_related = ("home_place", "assigned_to")
    # Names are found by their key (NameKeySearchMixin), case numbers exactly: a plain
    # icontains here would turn every search into a scan of the whole table.
    search_fields = ("=case_number",)
    ranked_name_fields = ("full_name", "name_latin", "name_chinese", "other_names")
    # A relative's name finds the cases they are kin to (ranked: related_name_match).
    name_key_fields = ("name_key", "kinships__relative__name_key")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_help_text = PERSON_SEARCH_HELP
    readonly_fields = ("case_number",)
    autocomplete_fields = ("home_place", "duplicate_of")
    actions = ["mark_duplicates", "draft_letter"]
    fieldsets = [
        (
            _("Names"),
            {
                "fields": [
                    "case_number",
                    ("full_name", "name_withheld"),
                    "name_latin",
                    "name_chinese",
                    "other_names",
                ]
            },
        ),
        (
            _("Identity"),
            {"fields": [("gender", "birth_year"), ("ethnicity", "citizenship"), "occupation"]},
        ),
        (_("Place and status"), {"fields": [("home_place", "home_detail"), "status"]}),
        (_("Assignment"), {"fields": ["assigned_to"]}),
        (
            _("Dates"),
            {
                "fields": [("detained_on", "last_contact_on")],
                "description": _(
                    "Families rarely know the exact day: type the date as precisely as they "
                    "know it, a year (2018), a month (03.2018) or a day (12.03.2018)."
                ),
            },
        ),
        (
            _("Arrest"),
            {
                "fields": ["detained_at", ("detained_by", "reason_given")],
                "description": _(
                    "What the UN Working Groups ask for: where the person was arrested or last "
                    "seen, the forces believed responsible and the reason given, if any."
                ),
            },
        ),
        (
            _("Verification and counting"),
            {"fields": ["verification", ("counted_in_statistics", "duplicate_of")]},
        ),
        (_("Notes"), {"fields": ["notes"]}),
    ]
    inlines = [
        PersonKinshipInline,
        NewRelativeInline,
        ConsentInline,
        PersonPetitionInline,
        NewPetitionInline,
        OutcomeInline,
        SourceInline,
    ]

    # Verifying a case and deciding whether it is counted publicly is a coordinator's call.
    VERIFICATION_FIELDS = ("verification", "counted_in_statistics", "duplicate_of")

    def get_queryset(self, request):
        return super().get_queryset(request).with_petition_summary()

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        draft = self.case_view(self.draft_view)
        matches = self.case_view(self.likely_matches_view)
        return [
            path("<path:object_id>/draft/", draft, name=f"{prefix}_draft"),
            path("<path:object_id>/likely-matches/", matches, name=f"{prefix}_likely_matches"),
            *super().get_urls(),
        ]

    def case_view(self, view):
        """An admin page of one case, `view(request, person)`, for those who may see the case;
        the admin's own answer for a case that doesn't exist."""

        def one_case(request, object_id):
            person = self.get_object(request, unquote(object_id))
            if person is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
            if not self.has_view_permission(request, person):
                raise PermissionDenied
            return view(request, person)

        return self.admin_site.admin_view(one_case)

    def likely_matches_view(self, request, person):
        """The cases that may be the same person as this one, for its page to show once found:
        at 100,000 cases the search took more than the rest of the page (bench/NOTES.md)."""
        return TemplateResponse(
            request,
            "admin/cases/detainedperson/likely_matches.html",
            {"likely_duplicates": likely_matches_for(person)},
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Outcome:
            return super().save_formset(request, form, formset, change)
        # The person's status follows a new or moved latest outcome, unless the advocate set
        # the status on this same page (cases.services.record_outcome).
        status_set = "status" in form.changed_data
        outcomes = formset.save(commit=False)
        for outcome in formset.deleted_objects:
            outcome.delete()
        if changed := record_outcomes(outcomes, status_set=status_set):
            announce_status(self, request, changed[0])
        formset.save_m2m()
        return None

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "assigned_to" and field is not None:
            # A select of the active staff (the model's limit_choices_to): the users' own
            # pages are for coordinators, so no links to add or change one from here.
            field.queryset = field.queryset.order_by("username")
            field.label_from_instance = user_label
            without_popups(field)
        return field

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.has_perm("cases.verify_case"):
            return readonly
        return (*readonly, *self.VERIFICATION_FIELDS)

    def term_query(self, request, term: str) -> Q:
        match = case_number_query(term)
        # A relative's phone, among the relatives whose phones the user may read.
        if (digits := phone_digits(term)) and (kinships := searchable_kinships(request.user)):
            phones = kinships.alias(digits=digits_only("relative__phone"))
            match |= Q(pk__in=phones.filter(digits__contains=digits).values("person"))
        return match

    def related_name_match(self, query: str) -> Q:
        # The cases of the relatives named like the search, as the relatives list ranks them.
        relatives = name_search.rank(
            Relative.objects.all(), [query], RelativeAdmin.ranked_name_fields
        )
        pks = [ranked.pk for ranked in relatives[:RANKED_LIMIT]]
        # Their cases' ids, not a subquery: a subquery ORed with the ids of the cases named so
        # makes PostgreSQL read every case (1.35 s against 0.35 s at 20,000 persons).
        persons = Kinship.objects.filter(relative__in=pks).values_list("person", flat=True)
        return Q(pk__in=list(persons.distinct())) if pks else Q()

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

    @admin.display(description=_("full name"), ordering="full_name")
    def name(self, person: DetainedPerson) -> str:
        return person.display_name

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

    @admin.display(description=_("assigned to"), ordering="assigned_to__username")
    def assignee(self, person: DetainedPerson) -> str | None:
        return person.assigned_to.get_username() if person.assigned_to_id else None

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

    @admin.action(description=_("Draft a letter or UN submission"), permissions=["draft"])
    def draft_letter(self, request, queryset):
        """One document about the selected persons: the drafting page, with their readiness."""
        persons = list(queryset.order_by("case_number"))
        return draft_page(
            self,
            request,
            persons,
            cancel_url=request.get_full_path(),
            action="draft_letter",
            selected=[person.pk for person in persons],
        )

    def draft_view(self, request, person):
        """The drafting page of one case, linked from its readiness check."""
        change_url = reverse("admin:cases_detainedperson_change", args=[person.pk])
        return draft_page(self, request, [person], cancel_url=change_url)

    def has_draft_permission(self, request) -> bool:
        return may_draft(request.user)

    def has_verify_permission(self, request) -> bool:
        return request.user.has_perm("cases.verify_case")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["as_relative"] = relative_record_of(obj)
        if obj is not None and request.user.has_perm("cases.add_petition"):
            url = reverse("admin:cases_petition_add")
            context["add_petition_url"] = f"{url}?persons={obj.pk}"
        if obj is not None and obj.pk:
            documents = readiness_table([obj])
            context["letters_documents"] = documents
            context["missing_for_forms"] = missing_for_forms(
                obj, [document["readiness"] for document in documents]
            )
            context["likely_matches_url"] = reverse(
                "admin:cases_detainedperson_likely_matches", args=[obj.pk]
            )
            context["withdrawn_consents"] = standing_withdrawals(obj)
            if may_draft(request.user):
                context["draft_url"] = reverse("admin:cases_detainedperson_draft", args=[obj.pk])
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


# --- Outcomes ---------------------------------------------------------------------------------


@admin.register(Outcome)
class OutcomeAdmin(
    ApproximateDatesAdminMixin,
    QueryGuardMixin,
    NameKeySearchMixin,
    AuditHistoryMixin,
    SimpleHistoryAdmin,
):
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
        "occurred_on",
        "sentence_years",
        "petition",
        "notes",
    )

    @admin.display(description=_("when"), ordering="occurred_on")
    def occurred(self, outcome: Outcome) -> str:
        return outcome.occurred_on_display

    def save_model(self, request, obj, form, change):
        # The person's status follows a new or moved latest outcome.
        if record_outcome(obj):
            announce_status(self, request, obj)
