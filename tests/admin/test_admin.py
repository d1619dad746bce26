"""The admin as advocates use it: every page opens, any spelling finds a person, contact details
stay with those allowed to see them, lists cost a fixed number of queries, bad input is refused."""

import datetime

from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.invitations import create_invitation
from cases.letters.engine import default_template_path
from cases.models import (
    Authority,
    Consent,
    DetainedPerson,
    LetterTemplate,
    Outcome,
    Petition,
    PetitionEvent,
    PublishedFigure,
    Relative,
    Source,
    Status,
)
from tests.base import AdminTestCase
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    place,
    unchanged_post_data,
)

PHONE = "+7 701 555 0142"
TODAY = timezone.localdate()


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def president() -> int:
    return Authority.objects.get(code="president").pk


def results(response) -> list:
    return list(response.context["cl"].result_list)


class PagesRenderTests(AdminTestCase):
    def test_every_admin_page_opens_for_a_superuser(self):
        person = make_person("Қайрат Дәуітхан's wife", detained_on=datetime.date(2018, 1, 1))
        relative = make_relative("Қайрат Дәуітхан", phone=PHONE)
        make_kinship(person, relative, relationship="spouse", is_contact=True)
        petition = make_petition(person)
        petition.petitioners.add(relative)
        make_outcome(person, Outcome.Kind.TRANSFERRED, datetime.date(2019, 2, 1))
        video = Source.objects.create(person=person, title="Video testimony")
        Consent.objects.create(
            person=person,
            relative=relative,
            covers_recording=True,
            given_on=datetime.date(2019, 1, 1),
            evidence=video,
        )
        PublishedFigure.objects.create(
            label_en="Applications", value=915, as_of=datetime.date(2018, 1, 1), source_name="MFA"
        )
        Group.objects.create(name="advocates")
        create_invitation(self.bob, created_by=self.alice)
        shipped = default_template_path("president", "kk").read_bytes()
        LetterTemplate.objects.create(
            kind="president", language="kk", file=ContentFile(shipped, name="ours.docx")
        )

        for model, model_admin in admin.site._registry.items():
            with self.subTest(model=model.__name__):
                self.assertEqual(self.client.get(url(model, "changelist")).status_code, 200)
                add = self.client.get(url(model, "add"))
                can_add = model_admin.has_add_permission(add.wsgi_request)
                self.assertEqual(add.status_code, 200 if can_add else 403)
                obj = model._default_manager.first()
                if obj is None:  # another app's log or device nobody has made here
                    self.assertNotEqual(model._meta.app_label, "cases")
                    continue
                self.assertEqual(self.client.get(url(model, "change", obj.pk)).status_code, 200)
                self.assertEqual(self.client.get(url(model, "history", obj.pk)).status_code, 200)

    def test_petition_timeline_is_read_only(self):
        petition = make_petition(make_person())
        self.assertEqual(self.client.get(url(PetitionEvent, "add")).status_code, 403)
        response = self.client.get(url(Petition, "change", petition.pk))
        self.assertNotContains(response, 'name="events-0-status"')
        self.assertContains(response, "Timeline")

    def test_site_names_itself(self):
        self.assertContains(self.client.get(reverse("admin:index")), "casetracker")


class SearchTests(AdminTestCase):
    def search(self, model, query: str) -> list:
        return results(self.client.get(url(model, "changelist"), {"q": query}))

    def test_latin_query_finds_cyrillic_name(self):
        kairat = make_person("Қайрат Дәуітхан")
        make_person("Марат Тоқашбаев")
        self.assertEqual(self.search(DetainedPerson, "Dauitkhan"), [kairat])

    def test_cyrillic_query_finds_latin_name(self):
        kayrat = make_person("Kayrat Dauytkhan")
        make_person("Marat Tokashbaev")
        self.assertEqual(self.search(DetainedPerson, "Дәуітхан"), [kayrat])

    def test_every_word_of_the_query_must_match(self):
        kairat = make_person("Қайрат Дәуітхан")
        make_person("Қайрат Жұмалы")
        self.assertEqual(self.search(DetainedPerson, "Qairat Dauitkhan"), [kairat])

    def test_case_number_finds_the_case(self):
        make_person()
        wanted = make_person()
        self.assertEqual(self.search(DetainedPerson, wanted.case_number), [wanted])
        self.assertEqual(self.search(DetainedPerson, f"c-{wanted.pk}"), [wanted])

    def test_relative_is_found_by_any_spelling(self):
        kairat = make_relative("Қайрат Дәуітхан")
        make_relative("Расул Жұмалы")
        self.assertEqual(self.search(Relative, "Kairat Dauytkhan"), [kairat])

    def test_petition_is_found_by_the_person_name(self):
        wanted = make_petition(make_person("Қайрат Дәуітхан"))
        make_petition(make_person("Марат Тоқашбаев"))
        self.assertEqual(self.search(Petition, "Dauitkhan"), [wanted])

    def test_petition_is_found_by_its_number_and_by_case_number(self):
        person = make_person()
        wanted = make_petition(person)
        make_petition(make_person())
        self.assertEqual(self.search(Petition, f"#{wanted.pk}"), [wanted])
        self.assertEqual(self.search(Petition, person.case_number), [wanted])

    def test_autocomplete_finds_relative_by_any_spelling(self):
        make_relative("Қайрат Дәуітхан")
        query = {"app_label": "cases", "model_name": "kinship", "field_name": "relative"}
        response = self.client.get(reverse("admin:autocomplete"), {"term": "Dauitkhan", **query})
        self.assertEqual([r["text"] for r in response.json()["results"]], ["Қайрат Дәуітхан"])


class ContactDetailsTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        self.person = make_person("Қайрат Дәуітхан's wife")
        self.relative = make_relative("Қайрат Дәуітхан", phone=PHONE, email="kd@example.org")
        make_kinship(self.person, self.relative, relationship="spouse", is_contact=True)

    def pages(self) -> list[str]:
        return [
            url(Relative, "change", self.relative.pk),
            url(Relative, "changelist"),
            url(DetainedPerson, "change", self.person.pk),
        ]

    def test_contact_details_are_hidden_without_the_permission(self):
        self.client.force_login(self.bob)
        for page in self.pages():
            with self.subTest(page=page):
                response = self.client.get(page)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, PHONE)
                self.assertNotContains(response, "kd@example.org")

    def test_contact_details_are_shown_with_the_permission(self):
        self.client.force_login(self.carol)
        for page in self.pages()[:2]:
            with self.subTest(page=page):
                self.assertContains(self.client.get(page), PHONE)
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.pages()[2]), PHONE)

    def test_search_by_phone_needs_the_permission(self):
        self.client.force_login(self.bob)
        response = self.client.get(url(Relative, "changelist"), {"q": "555 0142"})
        self.assertEqual(results(response), [])
        self.client.force_login(self.carol)
        response = self.client.get(url(Relative, "changelist"), {"q": "555 0142"})
        self.assertEqual(results(response), [self.relative])

    def test_saving_without_the_permission_keeps_the_contact_details(self):
        self.client.force_login(self.bob)
        page = url(Relative, "change", self.relative.pk)
        data = unchanged_post_data(self.client.get(page)) | {"city": "Almaty", "phone": ""}
        self.assertRedirects(self.client.post(page, data), url(Relative, "changelist"))
        self.relative.refresh_from_db()
        self.assertEqual((self.relative.city, self.relative.phone), ("Almaty", PHONE))

    def test_history_hides_contact_changes_without_the_permission(self):
        self.relative.phone = "+7 777 000 1111"
        self.relative.save()
        history = url(Relative, "history", self.relative.pk)
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get(history), "000 1111")
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(history), "000 1111")


class QueryCountTests(AdminTestCase):
    def assert_fixed_query_count(self, model, add_rows) -> None:
        changelist = url(model, "changelist")
        add_rows(3)
        self.client.get(changelist)  # warm the per-process caches (content types, sessions)
        with CaptureQueriesContext(connection) as three_rows:
            self.assertEqual(len(results(self.client.get(changelist))), 3)
        add_rows(27)
        # to prevent an n+1 issue: thirty rows cost what three do
        with self.assertNumQueries(len(three_rows)):
            self.assertEqual(len(results(self.client.get(changelist))), 30)

    def test_person_changelist_query_count_is_fixed(self):
        def add_rows(n):
            for _ in range(n):
                person = make_person(
                    home_place=place("ili"), detained_on=datetime.date(2018, 1, 1)
                )
                make_petition(person, follow_up_on=datetime.date(2019, 4, 1))
                make_kinship(person, make_relative())

        self.assert_fixed_query_count(DetainedPerson, add_rows)

    def test_petition_changelist_query_count_is_fixed(self):
        def add_rows(n):
            for _ in range(n):
                petition = make_petition(make_person(), make_person())
                petition.petitioners.add(make_relative())

        self.assert_fixed_query_count(Petition, add_rows)

    def test_relative_changelist_query_count_is_fixed(self):
        def add_rows(n):
            for _ in range(n):
                relative = make_relative(phone=PHONE)
                make_kinship(make_person(), relative)
                make_kinship(make_person(), relative, relationship="sibling")

        self.assert_fixed_query_count(Relative, add_rows)


class FilterTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        self.in_camp = make_person("In a camp", status=Status.CAMP)
        self.released = make_person("Released", status=Status.RELEASED)
        self.overdue = make_petition(self.in_camp, follow_up_on=TODAY - datetime.timedelta(days=1))
        make_petition(
            self.in_camp,
            follow_up_on=TODAY - datetime.timedelta(days=9),
            status=Petition.Status.CLOSED,
        )
        self.due_later = make_petition(
            self.released, follow_up_on=TODAY + datetime.timedelta(days=5)
        )
        self.no_petition = make_person("No petition", status=Status.BARRED_FROM_LEAVING)

    def filtered(self, model, **params) -> set:
        return set(results(self.client.get(url(model, "changelist"), params)))

    def test_held_filter(self):
        self.assertEqual(
            self.filtered(DetainedPerson, held="yes"), {self.in_camp, self.no_petition}
        )
        self.assertEqual(self.filtered(DetainedPerson, held="no"), {self.released})

    def test_reason_given_filter_finds_the_cases_held_for_that_reason(self):
        dual = make_person("Dual", reason_given=DetainedPerson.Reason.DUAL_CITIZENSHIP)
        make_person("Travel", reason_given=DetainedPerson.Reason.TRAVEL_ABROAD)

        page = self.client.get(url(DetainedPerson, "changelist")).content.decode()

        self.assertIn("?reason_given__exact=dual_citizenship", page)
        self.assertEqual(
            self.filtered(DetainedPerson, reason_given__exact="dual_citizenship"), {dual}
        )

    def test_overdue_follow_up_filter(self):
        self.assertEqual(self.filtered(DetainedPerson, petitions="overdue"), {self.in_camp})
        self.assertEqual(self.filtered(Petition, follow_up="overdue"), {self.overdue})

    def test_no_petition_yet_filter(self):
        self.assertEqual(self.filtered(DetainedPerson, petitions="none"), {self.no_petition})

    def test_filters_keep_the_petition_summary_right(self):
        (row,) = results(
            self.client.get(url(DetainedPerson, "changelist"), {"petitions": "overdue"})
        )
        self.assertEqual(row.petition_count, 2)
        self.assertEqual(row.next_follow_up, self.overdue.follow_up_on)

    def test_detention_year_filter_offers_every_year_and_finds_that_years_cases(self):
        make_person("Held 2018", detained_on=datetime.date(2018, 1, 1))
        make_person("Held 2020", detained_on=datetime.date(2020, 6, 1))

        changelist = self.client.get(url(DetainedPerson, "changelist"))
        response = self.client.get(url(DetainedPerson, "changelist"), {"detained_year": 2018})
        unknown = self.client.get(url(DetainedPerson, "changelist"), {"detained_year": "unknown"})

        self.assertContains(changelist, "?detained_year=2019")
        self.assertNotContains(changelist, "?detained_year=2021")
        self.assertEqual([p.full_name for p in results(response)], ["Held 2018"])
        self.assertNotIn("Held 2018", [p.full_name for p in results(unknown)])

    def test_submission_year_filter_finds_that_years_petitions_and_the_drafts(self):
        # make_petition submits on 1 March 2019 unless told otherwise.
        later = make_petition(self.released, submitted_on=datetime.date(2021, 5, 1))
        draft = make_petition(self.released, status=Petition.Status.DRAFT)

        self.assertEqual(self.filtered(Petition, submitted_year=2021), {later})
        self.assertEqual(self.filtered(Petition, submitted_year="unknown"), {draft})
        changelist = self.client.get(url(Petition, "changelist"))
        self.assertContains(changelist, "?submitted_year=2020")
        self.assertContains(changelist, "not submitted")

    def test_a_detention_year_that_is_no_year_answers_400_with_a_message(self):
        response = self.client.get(url(DetainedPerson, "changelist"), {"detained_year": "20x8"})
        self.assertContains(response, "This list cannot be shown", status_code=400)


class PersonPageTests(AdminTestCase):
    def test_person_page_lists_petitions_and_links_to_a_new_one(self):
        person = make_person("Қайрат Дәуітхан's wife")
        petition = make_petition(person, follow_up_on=TODAY - datetime.timedelta(days=1))
        response = self.client.get(url(DetainedPerson, "change", person.pk))
        self.assertContains(response, url(Petition, "change", petition.pk))
        self.assertContains(response, "(overdue)")
        self.assertContains(response, f"{url(Petition, 'add')}?persons={person.pk}")

    def test_petition_count_links_to_the_persons_petitions(self):
        person = make_person()
        wanted = {make_petition(person), make_petition(person)}
        make_petition(make_person())
        changelist = self.client.get(url(DetainedPerson, "changelist"))
        link = f"{url(Petition, 'changelist')}?persons__id__exact={person.pk}"
        self.assertContains(changelist, f'<a href="{link}">2</a>', html=True)
        self.assertEqual(set(results(self.client.get(link))), wanted)

    def test_petition_added_from_a_person_page_names_the_person_and_returns_there(self):
        person = make_person("Қайрат Дәуітхан's wife")
        add = f"{url(Petition, 'add')}?persons={person.pk}"
        response = self.client.get(add)
        self.assertContains(response, "Қайрат Дәуітхан&#x27;s wife")
        data = unchanged_post_data(response) | {"authority": president(), "status": "draft"}
        response = self.client.post(add, data)
        self.assertRedirects(response, url(DetainedPerson, "change", person.pk))
        self.assertEqual(list(person.petitions.all()), list(Petition.objects.all()))

    def test_whole_family_case_is_entered_on_one_page(self):
        relative = make_relative("Қайрат Дәуітхан")
        add = url(DetainedPerson, "add")
        data = unchanged_post_data(self.client.get(add)) | {
            "full_name": "Дәуітханның әйелі",
            "status": Status.BARRED_FROM_LEAVING,
            "detained_on": "06.2017",
            "kinships-TOTAL_FORMS": 1,
            "kinships-0-relative": relative.pk,
            "kinships-0-relationship": "spouse",
            "kinships-0-is_contact": "on",
        }
        self.assertRedirects(self.client.post(add, data), url(DetainedPerson, "changelist"))
        person = DetainedPerson.objects.get()
        self.assertEqual(person.kinships.get().relative, relative)
        self.assertEqual(person.detained_on_display, "June 2017")

    def test_place_forces_and_reason_of_the_arrest_are_entered_on_the_person_page(self):
        add = url(DetainedPerson, "add")
        form = self.client.get(add)
        self.assertContains(form, ">Arrest</h2>")
        self.assertContains(form, 'name="detained_at"')
        data = unchanged_post_data(form) | {
            "full_name": "Дәуітханның әйелі",
            "detained_at": "Құлжа, автовокзал",
            "detained_by": DetainedPerson.DetainedBy.NEIGHBOURHOOD_COMMITTEE,
            "reason_given": DetainedPerson.Reason.DUAL_CITIZENSHIP,
        }
        self.assertRedirects(self.client.post(add, data), url(DetainedPerson, "changelist"))
        person = DetainedPerson.objects.get()
        self.assertEqual(person.detained_at, "Құлжа, автовокзал")
        self.assertEqual(person.detained_by, "neighbourhood_committee")
        self.assertEqual(person.reason_given, "dual_citizenship")

    def test_forces_and_reason_are_unknown_until_the_family_says(self):
        add = url(DetainedPerson, "add")
        data = unchanged_post_data(self.client.get(add)) | {"full_name": "Болат"}
        self.assertRedirects(self.client.post(add, data), url(DetainedPerson, "changelist"))
        person = DetainedPerson.objects.get()
        self.assertEqual((person.detained_by, person.reason_given), ("unknown", "unknown"))


class PetitionTimelineTests(AdminTestCase):
    def test_status_change_is_recorded_with_who_made_it(self):
        petition = make_petition(make_person())
        page = url(Petition, "change", petition.pk)
        data = unchanged_post_data(self.client.get(page)) | {"status": "registered"}
        self.assertRedirects(self.client.post(page, data), url(Petition, "changelist"))
        event = petition.events.get(status="registered")
        self.assertEqual(event.created_by, self.alice)


class BadInputTests(AdminTestCase):
    """Impossible data gets a message on the field, and nothing is saved."""

    def add_person(self, **fields):
        add = url(DetainedPerson, "add")
        data = unchanged_post_data(self.client.get(add)) | {"full_name": "Test Person"} | fields
        return self.client.post(add, data)

    def test_future_detention_date_is_refused(self):
        tomorrow = TODAY + datetime.timedelta(days=1)
        response = self.add_person(detained_on=tomorrow.isoformat())
        self.assertContains(response, "This date lies in the future.")
        self.assertFalse(DetainedPerson.objects.exists())

    def test_birth_year_1700_is_refused(self):
        response = self.add_person(birth_year=1700)
        self.assertContains(response, "Ensure this value is greater than or equal to 1900.")
        self.assertFalse(DetainedPerson.objects.exists())

    def test_release_before_detention_is_refused_on_the_add_page(self):
        response = self.add_person(
            detained_on="2018-05-01",
            **{
                "outcomes-TOTAL_FORMS": 1,
                "outcomes-0-kind": Outcome.Kind.RELEASED_FROM_CAMP,
                "outcomes-0-occurred_on": "2017-02-01",
            },
        )
        self.assertContains(response, "A release cannot precede the detention (May 1, 2018).")
        self.assertFalse(DetainedPerson.objects.exists())
        self.assertFalse(Outcome.objects.exists())

    def test_release_before_detention_is_refused_on_the_change_page(self):
        person = make_person(detained_on=datetime.date(2018, 1, 1))
        page = url(DetainedPerson, "change", person.pk)
        data = unchanged_post_data(self.client.get(page)) | {
            "outcomes-TOTAL_FORMS": 1,
            "outcomes-0-kind": Outcome.Kind.RELEASED_FROM_PRISON,
            "outcomes-0-occurred_on": "2016",
        }
        response = self.client.post(page, data)
        self.assertContains(response, "A release cannot precede the detention (2018).")
        self.assertFalse(Outcome.objects.exists())
        person.refresh_from_db()
        self.assertEqual(person.status, Status.CAMP)

    def test_future_outcome_is_refused_and_the_person_is_not_saved(self):
        tomorrow = TODAY + datetime.timedelta(days=1)
        response = self.add_person(
            **{
                "outcomes-TOTAL_FORMS": 1,
                "outcomes-0-kind": Outcome.Kind.SENTENCED,
                "outcomes-0-occurred_on": tomorrow.isoformat(),
            }
        )
        self.assertContains(response, "This date lies in the future.")
        self.assertFalse(DetainedPerson.objects.exists())

    def test_petition_without_a_person_is_refused(self):
        add = url(Petition, "add")
        data = unchanged_post_data(self.client.get(add)) | {
            "authority": president(),
            "status": "draft",
        }
        response = self.client.post(add, data)
        self.assertContains(response, "This field is required.")
        self.assertEqual(
            response.context["adminform"].form.errors["persons"], ["This field is required."]
        )
        self.assertFalse(Petition.objects.exists())

    def test_source_about_nobody_is_refused(self):
        add = url(Source, "add")
        data = unchanged_post_data(self.client.get(add)) | {"title": "A letter"}
        response = self.client.post(add, data)
        self.assertContains(response, "Choose the person or the petition this source is about.")
        self.assertFalse(Source.objects.exists())
