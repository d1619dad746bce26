"""Consents: entered on the case page (an inline), listed, exported and imported on their own
page, and the case list's filter by consent.

A consent is never deleted by advocates or coordinators (cases/roles.py grants no one the
permission); a superuser may delete one entered by mistake, but never a withdrawn one, which is
the record of the withdrawal. A withdrawal cannot be undone: the family gives a new consent.
"""

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases.admin.history import AuditHistoryMixin
from cases.admin.lookups import QueryGuardMixin
from cases.admin.rows import SMALL_TEXTAREA, short_date, without_popups
from cases.admin.search import NAME_SEARCH_HELP, NameKeySearchMixin, case_number_query
from cases.intake.admin import ConsentImportExportMixin
from cases.models import Consent, DetainedPerson, Relative, Source, consent_expiry_warning_days
from cases.readlog import ReadLogMixin

WITHDRAWAL_KEPT = _(
    "A withdrawal cannot be undone or deleted: if the family consents again, add a new consent."
)

STATE_ICONS = {
    Consent.State.VALID: "admin/img/icon-yes.svg",
    Consent.State.EXPIRES_SOON: "admin/img/icon-alert.svg",
    Consent.State.EXPIRED: "admin/img/icon-no.svg",
    Consent.State.WITHDRAWN: "admin/img/icon-no.svg",
}


def state_label(consent: Consent) -> str:
    """The consent's state today, with the admin's icon for it."""
    if consent.pk is None or consent.given_on is None:
        return "—"
    state = consent.state()
    return format_html(
        '<span class="consent-state consent-{}"><img src="{}" alt=""> {}</span>',
        state,
        static(STATE_ICONS[state]),
        state.label,
    )


class ConsentForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        withdrawn_before = self.initial.get("withdrawn_on") if self.instance.pk else None
        if withdrawn_before and cleaned.get("withdrawn_on") != withdrawn_before:
            self.add_error("withdrawn_on", WITHDRAWAL_KEPT)
        return cleaned


class ConsentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            deleting = self.can_delete and self._should_delete_form(form)
            if deleting and form.instance.pk and form.initial.get("withdrawn_on"):
                raise ValidationError(WITHDRAWAL_KEPT, code="withdrawal_kept")


class ConsentInline(admin.StackedInline):
    model = Consent
    form = ConsentForm
    formset = ConsentFormSet
    extra = 0
    formfield_overrides = SMALL_TEXTAREA
    readonly_fields = ("state",)
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "state",
                    ("given_by", "relative", "method"),
                    ("given_on", "expires_on"),
                    (
                        "covers_recording",
                        "covers_kazakh_authorities",
                        "covers_un_bodies",
                        "covers_public_story",
                        "covers_partner",
                    ),
                    "partner_name",
                    "evidence",
                    ("withdrawn_on", "withdrawal_reason"),
                    "notes",
                ]
            },
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("relative", "evidence")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        # The relatives and the evidence of this case only: on a new case, save it with its
        # relatives and sources first.
        if "relative" in fields:
            fields["relative"].queryset = (
                Relative.objects.filter(kinships__person=obj).prefetch_related("kinships__person")
                if obj
                else Relative.objects.none()
            )
            without_popups(fields["relative"])
        if "evidence" in fields:
            fields["evidence"].queryset = (
                Source.objects.filter(person=obj) if obj else Source.objects.none()
            )
            without_popups(fields["evidence"])
        return formset

    def has_delete_permission(self, request, obj=None):
        # Consents are kept; a superuser may remove one entered by mistake (ConsentFormSet
        # refuses a withdrawn one).
        return request.user.is_superuser

    @admin.display(description=_("state today"))
    def state(self, consent: Consent) -> str:
        return state_label(consent)


# --- Filters ----------------------------------------------------------------------------------


class PersonConsentFilter(admin.SimpleListFilter):
    """The case list by consent: the questions of today's work."""

    title = _("consent")
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        return [
            ("valid", _("valid consent")),
            ("un", _("valid consent to UN submissions")),
            ("expiring", _("consent expiring soon")),
            ("none", _("open, no valid consent")),
            ("withdrawn", _("consent withdrawn")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "valid":
            return queryset.with_valid_consent()
        if value == "un":
            return queryset.with_valid_consent(Consent.Scope.UN_BODIES)
        if value == "expiring":
            expiring = Consent.objects.expiring_within(consent_expiry_warning_days())
            return queryset.filter(pk__in=expiring.values("person"))
        if value == "none":
            return queryset.needing_consent()
        if value == "withdrawn":
            return queryset.consent_withdrawn()
        return queryset


class ConsentStateFilter(admin.SimpleListFilter):
    title = _("state today")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Consent.State.choices

    def queryset(self, request, queryset):
        value = self.value()
        # The states of Consent.state(): "valid" leaves out those that expire soon.
        today, days = localdate(), consent_expiry_warning_days()
        if value == Consent.State.VALID:
            warned = today + datetime.timedelta(days=days)
            return queryset.valid_on(today).filter(
                Q(expires_on__isnull=True) | Q(expires_on__gt=warned)
            )
        if value == Consent.State.EXPIRES_SOON:
            return queryset.expiring_within(days, today)
        if value == Consent.State.EXPIRED:
            return queryset.filter(withdrawn_on__isnull=True, expires_on__lt=today)
        if value == Consent.State.WITHDRAWN:
            return queryset.withdrawn()
        return queryset


# --- The consents' own list ---------------------------------------------------------------------


@admin.register(Consent)
class ConsentAdmin(
    QueryGuardMixin,
    ReadLogMixin,
    ConsentImportExportMixin,
    NameKeySearchMixin,
    AuditHistoryMixin,
    SimpleHistoryAdmin,
):
    form = ConsentForm
    list_display = (
        "person",
        "giver",
        "scopes",
        "method",
        "given",
        "expires",
        "withdrawn",
        "state",
    )
    list_filter = (ConsentStateFilter, "covers_un_bodies", "covers_public_story", "method")
    list_select_related = ("person", "relative")
    search_fields = ("partner_name",)
    search_help_text = NAME_SEARCH_HELP
    name_key_fields = ("person__name_key",)
    # Chosen by search: the register holds too many relatives and sources for a select.
    autocomplete_fields = ("person", "relative", "evidence")
    formfield_overrides = SMALL_TEXTAREA
    readonly_fields = ("state",)
    fieldsets = [(None, {"fields": ["person", *ConsentInline.fieldsets[0][1]["fields"]]})]
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("relative__kinships__person")

    def term_query(self, term: str):
        return case_number_query(term, "person__case_number")

    def cases_of(self, consent: Consent) -> list[str]:
        return [consent.person.case_number]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.withdrawn_on is not None:
            return False
        return request.user.is_superuser

    @admin.display(description=_("given by"))
    def giver(self, consent: Consent) -> str:
        return consent.giver_display

    @admin.display(description=_("covers"))
    def scopes(self, consent: Consent) -> str:
        return consent.scopes_display

    @admin.display(description=_("given on"), ordering="given_on")
    def given(self, consent: Consent) -> str | None:
        return short_date(consent.given_on)

    @admin.display(description=_("expires on"), ordering="expires_on")
    def expires(self, consent: Consent) -> str | None:
        return short_date(consent.expires_on)

    @admin.display(description=_("withdrawn on"), ordering="withdrawn_on")
    def withdrawn(self, consent: Consent) -> str | None:
        return short_date(consent.withdrawn_on)

    @admin.display(description=_("state today"))
    def state(self, consent: Consent) -> str:
        return state_label(consent)


def standing_withdrawals(person: DetainedPerson) -> list[Consent]:
    """The withdrawals that flag the case, for its page."""
    return list(person.consents.standing_withdrawals().select_related("relative"))
