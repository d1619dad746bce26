"""Evidence and the reference lists: sources (documents, testimony, links) behind a case or a
petition, the places and authorities the forms choose from, and the figures others published."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html
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


def in_language(field: str, language: str):
    """A list column showing `field`, marked as written in `language` (a name in English on a
    Kazakh page is read by a screen reader as English)."""

    @admin.display(description=Place._meta.get_field(field).verbose_name, ordering=field)
    def column(self, obj) -> str:
        return format_html('<span lang="{}">{}</span>', language, getattr(obj, field))

    column.__name__ = f"{field}_column"
    return column


class NamesInLanguagesMixin:
    name_en_column = in_language("name_en", "en")
    name_kk_column = in_language("name_kk", "kk")
    name_ru_column = in_language("name_ru", "ru")


@admin.register(Place)
class PlaceAdmin(
    NamesInLanguagesMixin,
    QueryGuardMixin,
    NameKeySearchMixin,
    AuditHistoryMixin,
    SimpleHistoryAdmin,
):
    list_display = (
        "name_en_column",
        "name_kk_column",
        "name_ru_column",
        "name_zh_column",
        "kind",
        "position",
    )
    name_zh_column = in_language("name_zh", "zh")
    list_filter = ("kind",)
    search_fields = ("name_zh", "code")
    search_help_text = _("Any name of the place in any spelling: Чугучак, Tarbagatai, Tacheng.")


@admin.register(Authority)
class AuthorityAdmin(
    NamesInLanguagesMixin,
    QueryGuardMixin,
    NameKeySearchMixin,
    AuditHistoryMixin,
    SimpleHistoryAdmin,
):
    list_display = (
        "name_en_column",
        "name_kk_column",
        "name_ru_column",
        "kind",
        "un_body",
        "position",
    )
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
        ("publisher_name_kk", "publisher_name_ru"),
        ("source_name", "source_url"),
        ("source_name_kk", "source_name_ru"),
        "position",
    )

    @admin.display(description=_("as of"), ordering="as_of")
    def as_of_display(self, figure: PublishedFigure) -> str:
        return figure.as_of_display
