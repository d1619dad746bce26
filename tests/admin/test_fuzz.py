"""Bad input in the admin: no search, filter, autocomplete term or query string, however
broken, makes a changelist fail (status 500)."""

from django.contrib import admin
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from cases.models import DetainedPerson, Outcome, Petition, Relative, Source
from tests.factories import make_user
from tests.fuzzing import (
    FUZZ,
    KnownNastyInputTestCase,
    bound_query_time,
    junk,
    make_family_case,
    query,
    raw_query,
)

ADMIN_MODELS = (DetainedPerson, Petition, Relative, Outcome, Source)


def admin_keys(model) -> tuple[str, ...]:
    """The query keys a changelist of `model` reads: its filters, search, order, page."""
    model_admin = admin.site._registry[model]
    keys = ["q", "o", "p", "all", "e", "_to_field", "_popup", "_changelist_filters"]
    for item in model_admin.list_filter:
        if isinstance(item, type):
            keys.append(item.parameter_name)
            continue
        name = item[0] if isinstance(item, tuple) else item
        keys += [name, f"{name}__exact", f"{name}__id__exact", f"{name}__isnull", f"{name}__in"]
    if model_admin.date_hierarchy:
        keys += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return tuple(keys)


# The autocomplete boxes of the admin forms: (model of the form, field) → searches the target.
AUTOCOMPLETES = (
    ("kinship", "relative"),
    ("kinship", "person"),
    ("detainedperson", "duplicate_of"),
    ("petition", "petitioners"),
    ("outcome", "petition"),
)


def autocomplete(term: str, model_name: str, field_name: str) -> tuple[str, dict]:
    return reverse("admin:autocomplete"), {
        "term": term,
        "app_label": "cases",
        "model_name": model_name,
        "field_name": field_name,
    }


def changelist(model) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_changelist")


class AdminQueryFuzzTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.superuser = make_user("root", superuser=True)
        make_family_case()

    def get_changelists(self, make_request) -> None:
        bound_query_time()
        # The client is new for every example, so each one signs in.
        self.client.force_login(self.superuser)
        for model in ADMIN_MODELS:
            response = make_request(changelist(model), model)
            self.assertLess(response.status_code, 500, model.__name__)

    @FUZZ
    @given(search=junk)
    def test_admin_search_survives_any_query(self, search):
        self.get_changelists(lambda page, model: self.client.get(page, {"q": search}))

    @FUZZ
    @given(term=junk)
    def test_admin_autocomplete_survives_any_term(self, term):
        bound_query_time()
        self.client.force_login(self.superuser)
        for model_name, field_name in AUTOCOMPLETES:
            response = self.client.get(*autocomplete(term, model_name, field_name))
            self.assertLess(response.status_code, 500, (model_name, field_name))

    @FUZZ
    @given(data=st.data())
    def test_admin_filters_survive_any_keys_and_values(self, data):
        self.get_changelists(
            lambda page, model: self.client.get(page, data.draw(query(admin_keys(model))))
        )

    @FUZZ
    @given(raw=raw_query)
    def test_admin_lists_survive_broken_percent_encoding(self, raw):
        self.get_changelists(lambda page, model: self.client.get(f"{page}?{raw}"))


class KnownNastyAdminInputTests(KnownNastyInputTestCase):
    def test_nul_byte_in_any_admin_filter_or_search_is_refused_not_a_500(self):
        self.client.force_login(self.superuser)
        for model in ADMIN_MODELS:
            for key in admin_keys(model):
                with self.subTest(model=model.__name__, key=key):
                    self.assertNoServerError(changelist(model), {key: "x\x00"})

    def test_nul_byte_in_an_autocomplete_term_is_refused_not_a_500(self):
        self.client.force_login(self.superuser)
        for model_name, field_name in AUTOCOMPLETES:
            with self.subTest(model=model_name, field=field_name):
                self.assertNoServerError(*autocomplete("Kai\x00", model_name, field_name))

    def test_admin_search_of_a_thousand_words_is_not_a_500(self):
        self.client.force_login(self.superuser)
        for model in ADMIN_MODELS:
            with self.subTest(model=model.__name__):
                bound_query_time()
                self.assertNoServerError(changelist(model), {"q": "Қайрат " * 1000})
        for model_name, field_name in AUTOCOMPLETES:
            with self.subTest(model=model_name, field=field_name):
                bound_query_time()
                self.assertNoServerError(*autocomplete("Қайрат " * 1000, model_name, field_name))

    def test_admin_search_of_one_enormous_word_is_not_a_500(self):
        self.client.force_login(self.superuser)
        for model in ADMIN_MODELS:
            with self.subTest(model=model.__name__):
                self.assertNoServerError(changelist(model), {"q": "Қ" * 30000})

    def test_year_beyond_any_calendar_is_not_a_500(self):
        self.client.force_login(self.superuser)
        drilldowns = {
            model: {f"{model_admin.date_hierarchy}__year": "99999999999"}
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label == "cases" and model_admin.date_hierarchy
        }
        year_filters = {
            DetainedPerson: {"detained_year": "99999999999"},
            Petition: {"submitted_year": "99999999999"},
        }
        assert drilldowns, "no date hierarchy left to try"
        for model, params in [*drilldowns.items(), *year_filters.items()]:
            with self.subTest(model=model.__name__, query=params):
                self.assertNoServerError(changelist(model), params)
