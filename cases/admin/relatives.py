"""Relatives: the people who report a case, with the cases they are kin to.

Their phone, email and address appear only to those cases.contact_access allows; the read log
records who saw them (cases.readlog).
"""

from django.contrib import admin
from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases.admin.dates import ApproximateDatesAdminMixin
from cases.admin.filters import ChildrenStuckInChinaFilter
from cases.admin.history import AuditHistoryMixin, DeletedRecordsMixin
from cases.admin.lookups import QueryGuardMixin
from cases.admin.readlog import record_key, who_read_url
from cases.admin.rows import QuickCheckboxMixin
from cases.admin.search import NAME_SEARCH_HELP, NameKeySearchMixin
from cases.contact_access import may_enter_contact_details, may_read_contact_details
from cases.intake.admin import RelativeExportMixin
from cases.models import Kinship, ReadEvent, Relative
from cases.readlog import ReadLogMixin, Reads, contacts_shown, fields_on_page


class RelativeKinshipInline(admin.TabularInline):
    model = Kinship
    extra = 0
    autocomplete_fields = ("person",)
    fields = ("person", "relationship", "is_contact", "separated")
    verbose_name = _("person held")
    verbose_name_plural = _("kin held in China")


@admin.register(Relative)
class RelativeAdmin(
    ApproximateDatesAdminMixin,
    QueryGuardMixin,
    ReadLogMixin,
    QuickCheckboxMixin,
    RelativeExportMixin,
    NameKeySearchMixin,
    DeletedRecordsMixin,
    AuditHistoryMixin,
    SimpleHistoryAdmin,
):
    list_display = ("name", "name_latin", "situation_now", "age", "city", "kin_to")
    list_filter = ("situation", ChildrenStuckInChinaFilter, "lives_in", "citizenship")
    list_select_related = ("held_as",)
    # QueryGuardMixin leaves the contact details out for users who may not read them.
    search_fields = ("city", *Relative.CONTACT_FIELDS)
    search_help_text = NAME_SEARCH_HELP
    autocomplete_fields = ("held_as",)
    inlines = [RelativeKinshipInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (_("Name"), {"fields": ["full_name", "name_latin", "name_withheld"]}),
            (
                _("About"),
                {
                    "fields": [
                        ("born_on", "born_on_precision"),
                        "citizenship",
                        ("lives_in", "city"),
                    ],
                    "description": _(
                        "Families rarely know the exact day: enter any day of the year or "
                        "month they remember and say how precise it is."
                    ),
                },
            ),
            (_("Situation"), {"fields": [("situation", "held_as"), "documents"]}),
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

    @admin.display(description=_("full name"), ordering="full_name")
    def name(self, relative: Relative) -> str:
        return relative.display_name

    @admin.display(description=_("situation"), ordering="situation")
    def situation_now(self, relative: Relative) -> str:
        if not relative.held_as_id:
            return relative.get_situation_display()
        return format_html(
            '{} (<a href="{}">{}</a>)',
            relative.get_situation_display(),
            reverse("admin:cases_detainedperson_change", args=[relative.held_as_id]),
            relative.held_as.case_number,
        )

    # The youngest first, those of unknown age last: children's ages are what advocates look for.
    @admin.display(description=_("age"), ordering=F("born_on").desc(nulls_last=True))
    def age(self, relative: Relative) -> str | None:
        return relative.age() or None

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
