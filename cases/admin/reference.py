"""Evidence and the reference lists: sources (documents, testimony, links) behind a case or a
petition, the places and authorities the forms choose from, and the figures others published."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases.admin.dates import ApproximateDatesAdminMixin
from cases.admin.history import AuditHistoryMixin
from cases.admin.lookups import QueryGuardMixin
from cases.admin.search import NameKeySearchMixin
from cases.documents import SourceForm
from cases.models import Authority, Place, PublishedFigure, Source

# --- Evidence ---------------------------------------------------------------------------------


class SourceInline(admin.TabularInline):
    """Evidence behind a case or a petition (the parent decides which). The page is narrow:
    a source's web address, language and notes are entered on its own page."""

    model = Source
    form = SourceForm
    extra = 0
    fields = ("kind", "title", "dated", "file")
    show_change_link = True


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


# Places and authorities are found, here and in every autocomplete that chooses one, under any
# of their names in any spelling (Чугучак is Tacheng, МИД the Ministry) through their name keys.


@admin.register(Place)
class PlaceAdmin(QueryGuardMixin, NameKeySearchMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    list_display = ("name_en", "name_kk", "name_ru", "name_zh", "kind", "position")
    list_filter = ("kind",)
    search_fields = ("name_zh", "code")
    search_help_text = _("Any name of the place in any spelling: Чугучак, Tarbagatai, Tacheng.")


@admin.register(Authority)
class AuthorityAdmin(QueryGuardMixin, NameKeySearchMixin, AuditHistoryMixin, SimpleHistoryAdmin):
    list_display = ("name_en", "name_kk", "name_ru", "kind", "un_body", "position")
    list_filter = ("kind", "un_body")
    search_fields = ("code",)
    search_help_text = _("Any name or abbreviation of the authority: МИД, СІМ, WGAD.")


@admin.register(PublishedFigure)
class PublishedFigureAdmin(
    ApproximateDatesAdminMixin, QueryGuardMixin, AuditHistoryMixin, SimpleHistoryAdmin
):
    # A source address typed without a scheme is taken as https:// (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "label_en",
        "qualifier",
        "value",
        "as_of_display",
        "publisher_name",
        "source_name",
        "position",
    )
    fields = (
        "label_en",
        "label_kk",
        "label_ru",
        ("qualifier", "value"),
        "period_en",
        "period_kk",
        "period_ru",
        "parent",
        "as_of",
        ("publisher_name", "publisher_url"),
        ("source_name", "source_url"),
        "position",
    )

    @admin.display(description=_("as of"), ordering="as_of")
    def as_of_display(self, figure: PublishedFigure) -> str:
        return figure.as_of_display
