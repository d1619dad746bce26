"""Places and authorities are found under the names people use for them (Чугучак for Tacheng,
МИД for the Ministry), in the admin's search and in every autocomplete that chooses one; official
figures are entered as they were published."""

import datetime

from django.urls import reverse

from cases.models import Authority, Place, PublishedFigure
from tests.base import AdminTestCase


def changelist(model) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_changelist")


class ReferenceNameSearchTests(AdminTestCase):
    def search(self, model, query: str) -> list[str]:
        response = self.client.get(changelist(model), {"q": query})
        return [row.code for row in response.context["cl"].result_list]

    def autocomplete(self, model_name: str, field_name: str, term: str) -> list[str]:
        query = {"app_label": "cases", "model_name": model_name, "field_name": field_name}
        response = self.client.get(reverse("admin:autocomplete"), {"term": term, **query})
        self.assertEqual(response.status_code, 200)
        return [result["text"] for result in response.json()["results"]]

    def test_old_russian_name_finds_tacheng_in_the_places_search(self):
        self.assertEqual(self.search(Place, "Чугучак"), ["tacheng"])

    def test_every_seeded_spelling_of_tacheng_finds_it(self):
        for name in ("Шәуешек", "Тарбағатай", "Тарбагатай", "Chuguchak", "Tarbagatai", "Tacheng"):
            with self.subTest(name=name):
                self.assertEqual(self.search(Place, name), ["tacheng"])

    def test_places_are_found_under_their_kazakh_uyghur_and_latin_names(self):
        for name, code in (
            ("Кульджа", "ili"),
            ("Ghulja", "ili"),
            ("Құлжа", "ili"),
            ("Urumchi", "urumqi"),
            ("Qeshqer", "kashgar"),
            ("Khotan", "hotan"),
            ("Altai", "altay"),
        ):
            with self.subTest(name=name):
                self.assertIn(code, self.search(Place, name))

    def test_home_place_autocomplete_finds_tacheng_by_its_old_name(self):
        tacheng = Place.objects.get(code="tacheng")
        self.assertEqual(
            self.autocomplete("detainedperson", "home_place", "Чугучак"), [str(tacheng)]
        )

    def test_abbreviations_find_the_ministry_in_the_authorities_search(self):
        for name in ("МИД", "СІМ", "MFA", "мид"):
            with self.subTest(name=name):
                self.assertEqual(self.search(Authority, name), ["mfa"])

    def test_un_working_groups_are_found_by_their_abbreviations(self):
        self.assertEqual(self.search(Authority, "WGAD"), ["un_wgad"])
        self.assertEqual(self.search(Authority, "РГПЗ"), ["un_wgad"])
        self.assertEqual(self.search(Authority, "WGEID"), ["un_wgeid"])
        self.assertEqual(self.search(Authority, "Акорда"), ["president"])

    def test_petition_authority_autocomplete_finds_the_ministry_by_mid(self):
        mfa = Authority.objects.get(code="mfa")
        self.assertEqual(self.autocomplete("petition", "authority", "МИД"), [str(mfa)])

    def test_a_name_added_in_the_admin_is_searchable_at_once(self):
        place = Place.objects.get(code="karamay")
        data = {
            field: getattr(place, field)
            for field in ("code", "kind", "name_en", "name_kk", "name_ru", "name_zh", "position")
        }
        response = self.client.post(
            reverse("admin:cases_place_change", args=[place.pk]),
            {**data, "other_names": "Qaramay\nBlack Oil Town"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.search(Place, "Black Oil"), ["karamay"])


class PublishedFigureFormTests(AdminTestCase):
    def form_data(self, **fields) -> dict:
        return {
            "label_en": "released",
            "qualifier": "more_than",
            "value": "15",
            "period_en": "since 2018",
            "as_of": "2019-01-01",
            "as_of_precision": "year",
            "publisher_name": "Ministry of Foreign Affairs of Kazakhstan",
            "publisher_url": "mfa.gov.kz",
            "source_name": "Radio Azattyq",
            "position": "0",
            **fields,
        }

    def test_figure_is_entered_with_qualifier_period_parent_and_publisher(self):
        whole = PublishedFigure.objects.create(
            label_en="detained", value=29, as_of=datetime.date(2019, 1, 1), source_name="MFA"
        )
        response = self.client.post(
            reverse("admin:cases_publishedfigure_add"), self.form_data(parent=whole.pk)
        )

        self.assertEqual(response.status_code, 302)
        part = PublishedFigure.objects.get(label_en="released")
        self.assertEqual(
            (part.qualifier, part.period_en, part.parent, part.publisher_url),
            ("more_than", "since 2018", whole, "https://mfa.gov.kz"),
        )

    def test_a_figure_cannot_be_a_part_of_its_own_part(self):
        whole = PublishedFigure.objects.create(
            label_en="detained", value=29, as_of=datetime.date(2019, 1, 1), source_name="MFA"
        )
        part = PublishedFigure.objects.create(
            label_en="released", value=15, parent=whole, as_of=whole.as_of, source_name="MFA"
        )
        response = self.client.post(
            reverse("admin:cases_publishedfigure_change", args=[whole.pk]),
            self.form_data(label_en="detained", value="29", parent=part.pk),
        )

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "A figure cannot be part of itself or of its own parts.")
        whole.refresh_from_db()
        self.assertIsNone(whole.parent)
