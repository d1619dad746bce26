"""Admin search by any spelling of a name, and by case number."""

import re

from django.contrib.admin.utils import lookup_spawns_duplicates
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Replace
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from cases.models import DetainedPerson
from cases.names import name_key

_CASE_NUMBER = re.compile(r"^c-?0*(\d{1,9})$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s()./-]+$")
PHONE_SEPARATORS = (" ", "-", "(", ")", ".", "/", "+")
# Fewer digits would find a case by almost any number typed (a year, a count).
MIN_PHONE_DIGITS = 4

NAME_SEARCH_HELP = _(
    "Any spelling of a name finds the person: Cyrillic, Latin or Chinese "
    "(Дәуітхан, Dauitkhan and Dauytkhan are one name)."
)

PERSON_SEARCH_HELP = _(
    "Find a case by the person's or a relative's name in any spelling (Дәуітхан, Dauitkhan), "
    "by its number (C-00042) or by a relative's phone, where you may see it."
)

# Nobody searches with more: longer input only builds queries a database refuses or chokes on.
MAX_SEARCH_CHARS = 1000
MAX_TERMS = 10
MAX_TERM_CHARS = 100


def search_terms(search_term: str) -> list[str]:
    """The words of a search box, a quoted phrase kept whole, as the admin splits them."""
    terms = []
    for bit in smart_split(search_term[:MAX_SEARCH_CHARS]):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        terms.append(bit[:MAX_TERM_CHARS])
    return terms[:MAX_TERMS]


def case_number_query(term: str, path: str = "case_number") -> Q:
    """'C-00042', 'c-42' and 'C42' all name case C-00042."""
    match = _CASE_NUMBER.match(term.strip())
    if not match:
        return Q()
    return Q(**{path: DetainedPerson.case_number_for(int(match[1]))})


def phone_digits(term: str) -> str | None:
    """The digits of a term that reads as (part of) a phone number, "+7 701-555" or "0142";
    None for anything else."""
    if not _PHONE.match(term):
        return None
    digits = "".join(char for char in term if char.isdigit())
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def digits_only(field: str) -> Func:
    """The field's value without the separators people write phone numbers with."""
    expression = F(field)
    for separator in PHONE_SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def field_match(field: str, term: str) -> Q:
    if field.startswith("="):
        return Q(**{field[1:]: term})
    return Q(**{f"{field}__icontains": term})


class NameKeySearchMixin:
    """Each search term must match a name key (in any spelling) or one of `search_fields`.

    `search_fields` are field names matched with icontains, or with "=" before them exactly (an
    index can serve that); `name_key_fields` are the stored name keys the term's own key is
    looked for in.
    """

    name_key_fields: tuple[str, ...] = ("name_key",)

    def term_query(self, request, term: str) -> Q:
        """Further matches for one term, such as a case number."""
        return Q()

    def get_search_results(self, request, queryset, search_term):
        terms = search_terms(search_term)
        if not terms:
            # Nothing searched: no join, so no DISTINCT on every changelist query.
            return queryset, False
        search_fields = self.get_search_fields(request)
        for term in terms:
            match = self.term_query(request, term)
            key = name_key(term)
            # A term without letters ("#12", "2019") is a number, not a spelling of a name.
            if any(char.isalpha() for char in key):
                for field in self.name_key_fields:
                    match |= self.name_key_match(field, key)
            for field in search_fields:
                match |= field_match(field, term)
            if not match:
                return queryset.none(), False
            queryset = queryset.filter(match)
        may_have_duplicates = any(
            lookup_spawns_duplicates(self.opts, field.lstrip("=")) for field in search_fields
        )
        return queryset, may_have_duplicates

    def name_key_match(self, field: str, key: str) -> Q:
        lookup = {f"{field}__contains": key}
        if not lookup_spawns_duplicates(self.opts, field):
            return Q(**lookup)
        # A key across a many-to-many (a petition's persons) as a subquery: one join per
        # search word would multiply the rows and need DISTINCT.
        return Q(pk__in=self.model._default_manager.filter(**lookup).values("pk"))
