"""Admin search by any spelling of a name, and by case number.

Persons and relatives are searched by name with ranking (cases.name_search): the best matches
first, each with its likeness and the reasons ("same name in another alphabet", "Russified
surname"). Other lists (petitions, outcomes, places) find a name by its key in the record's.
"""

import re

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import lookup_spawns_duplicates
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR
from django.db.models import Case, CharField, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Replace
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from cases import name_search
from cases.models import DetainedPerson
from cases.name_match import REASON_LABELS
from cases.names import name_key

_CASE_NUMBER = re.compile(r"^c-?0*(\d{1,9})$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s()./-]+$")
PHONE_SEPARATORS = (" ", "-", "(", ")", ".", "/", "+")
# Fewer digits would find a case by almost any number typed (a year, a count).
MIN_PHONE_DIGITS = 4

NAME_SEARCH_HELP = _(
    "Any spelling of a name finds the person, best matches first: Cyrillic, any Latin "
    "alphabet, Russified, Chinese characters or Arabic script (Дәуітхан, Dauitkhan, "
    "Dáýithan, Дауитханов and 达吾提汗 are one name)."
)
# The most persons or relatives a name search lists, best first.
RANKED_LIMIT = 200
SCORE = "name_match_score"
REASONS = "name_match_reasons"

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
    # The fields of a record's own names: set, the search box ranks by name (persons,
    # relatives).
    ranked_name_fields: tuple[str, ...] = ()

    def term_query(self, request, term: str) -> Q:
        """Further matches for one term, such as a case number."""
        return Q()

    def related_name_match(self, query: str) -> Q:
        """Records found through someone else's name like `query` (a case through its
        relatives'); listed after those named so themselves."""
        return Q()

    def ranks_by_name(self, request) -> bool:
        """Whether this list's search is a ranked name search."""
        return self._ranks(request, search_terms(request.GET.get(SEARCH_VAR, "")))

    def _ranks(self, request, terms: list[str]) -> bool:
        # A search with letters that names no case number.
        if not self.ranked_name_fields:
            return False
        return any(any(char.isalpha() for char in name_key(term)) for term in terms) and not any(
            self.term_query(request, term) for term in terms
        )

    def get_search_results(self, request, queryset, search_term):
        terms = search_terms(search_term)
        if not terms:
            # Nothing searched: no join, so no DISTINCT on every changelist query.
            return queryset, False
        search_fields = self.get_search_fields(request)
        may_have_duplicates = any(
            lookup_spawns_duplicates(self.opts, field.lstrip("=")) for field in search_fields
        )
        if self._ranks(request, terms):
            ranked = self._ranked(queryset, terms, search_fields)
            # Best first, unless a column's ordering was chosen.
            if ORDER_VAR not in request.GET:
                ranked = ranked.order_by(f"-{SCORE}", "pk")
            return ranked, may_have_duplicates
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
        return queryset, may_have_duplicates

    def _ranked(self, queryset, terms: list[str], search_fields) -> object:
        """The records named like the whole search (one name, words in any order), best
        first; and those whose other search fields hold every word (a city, a phone)."""
        query = " ".join(terms)
        found = name_search.rank(queryset, [query], self.ranked_name_fields)
        found = found[:RANKED_LIMIT]
        match = Q(pk__in=[ranked.pk for ranked in found]) | self.related_name_match(query)
        if search_fields:
            every_term = Q()
            for term in terms:
                any_field = Q()
                for field in search_fields:
                    any_field |= field_match(field, term)
                every_term &= any_field
            match |= every_term
        return queryset.filter(match).annotate(
            **{
                SCORE: Case(
                    *(When(pk=ranked.pk, then=Value(ranked.match.score)) for ranked in found),
                    default=Value(0),
                    output_field=IntegerField(),
                ),
                REASONS: Case(
                    *(
                        When(pk=ranked.pk, then=Value(",".join(ranked.match.reasons)))
                        for ranked in found
                    ),
                    default=Value(""),
                    output_field=CharField(),
                ),
            }
        )

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        if self.ranks_by_name(request) and IS_POPUP_VAR not in request.GET:
            return (*list_display, "name_match")
        return list_display

    @admin.display(description=_("name match"))
    def name_match(self, obj) -> str:
        score = getattr(obj, SCORE, None)
        if not score:
            return "—"
        reasons = [str(REASON_LABELS[code]) for code in getattr(obj, REASONS).split(",") if code]
        return format_html(
            '<span class="nowrap">{}</span> <span class="help">{}</span>',
            score,
            ", ".join(reasons),
        )

    def name_key_match(self, field: str, key: str) -> Q:
        lookup = {f"{field}__contains": key}
        if not lookup_spawns_duplicates(self.opts, field):
            return Q(**lookup)
        # A key across a many-to-many (a petition's persons) as a subquery: one join per
        # search word would multiply the rows and need DISTINCT.
        return Q(pk__in=self.model._default_manager.filter(**lookup).values("pk"))
