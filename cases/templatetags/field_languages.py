"""The language a record's field is written in, when it is not the page's: a place's name in
English or Chinese, its other names in several languages, a code in none. The admin's fieldsets
mark such read-only values with it (templates/admin/includes/fieldset.html), so that screen
readers read them right."""

from django import template

register = template.Library()

SUFFIXES = {"_en": "en", "_kk": "kk", "_ru": "ru", "_zh": "zh"}
# BCP 47: "mul" is several languages, "zxx" no language (an identifier).
FIELDS = {"other_names": "mul", "code": "zxx"}


@register.filter
def field_language(name: str | None) -> str:
    """The language tag of the field named `name`, or "" when it is the page's language."""
    if not name:
        return ""
    if name in FIELDS:
        return FIELDS[name]
    return SUFFIXES.get(name[-3:], "")
