"""Every approximate date is one text input in the admin, typed as the family says it: 2018,
03.2018, 2018-03, March 2018, 12.03.2018 or 2018-03-12. The precision follows from the text, the
saved date is shown back as precisely, and the sheet import reads dates the same way."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone, translation

from cases.admin.dates import ApproximateDateField, approximate_date_fields
from cases.dates import ApproximateDate, DatePrecision, known_before, parse_approximate_date
from cases.models import DetainedPerson, Outcome, Petition, PublishedFigure, Status
from tests.factories import (
    make_outcome,
    make_person,
    make_petition,
    make_user,
    unchanged_post_data,
)

pytestmark = pytest.mark.django_db

YEAR, MONTH, DAY = DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY
UNREADABLE = "Write the date as a year (2018), a month (03.2018) or a day (12.03.2018)."

# What an advocate types, and what is stored: the first day of a year or month, and how precise.
TYPED = [
    ("2018", datetime.date(2018, 1, 1), YEAR),
    ("05.2019", datetime.date(2019, 5, 1), MONTH),
    ("2019-05", datetime.date(2019, 5, 1), MONTH),
    ("May 2019", datetime.date(2019, 5, 1), MONTH),
    ("май 2019 г.", datetime.date(2019, 5, 1), MONTH),
    ("мамыр 2019", datetime.date(2019, 5, 1), MONTH),
    ("12.03.2018", datetime.date(2018, 3, 12), DAY),
    ("2018-03-12", datetime.date(2018, 3, 12), DAY),
    ("12 марта 2018", datetime.date(2018, 3, 12), DAY),
]


@pytest.fixture
def advocate(client):
    user = make_user("advocate", superuser=True)
    client.force_login(user)
    return user


def change_url(obj) -> str:
    return reverse(f"admin:cases_{obj._meta.model_name}_change", args=[obj.pk])


def post_page(client, url: str, **changes):
    """Post the page as it stands with `changes`; the response (a redirect once saved)."""
    data = unchanged_post_data(client.get(url)) | changes
    return client.post(url, data)


def errors_of(response) -> list[str]:
    """Every error message on a refused admin page, the inlines' too."""
    messages = [e for field in response.context["adminform"].form.errors.values() for e in field]
    for inline in response.context["inline_admin_formsets"]:
        for form_errors in inline.formset.errors:
            messages += [e for field in form_errors.values() for e in field]
    return messages


@pytest.mark.parametrize(("typed", "stored", "precision"), TYPED)
def test_a_detention_date_is_typed_as_the_family_knows_it(
    client, advocate, typed, stored, precision
):
    person = make_person("Айгүл")

    response = post_page(client, change_url(person), detained_on=typed)

    assert response.status_code == 302, errors_of(response)
    person.refresh_from_db()
    assert (person.detained_on, person.detained_on_precision) == (stored, precision)


def test_05_2019_is_saved_as_may_2019_known_to_the_month(client, advocate):
    person = make_person("Айгүл", detained_on=datetime.date(2018, 1, 1))

    response = post_page(client, change_url(person), last_contact_on="05.2019")

    assert response.status_code == 302, errors_of(response)
    person.refresh_from_db()
    assert person.last_contact_on == datetime.date(2019, 5, 1)
    assert person.last_contact_on_precision == MONTH


def test_the_page_shows_each_date_back_as_precisely_as_it_is_known(client, advocate):
    person = make_person(
        "Айгүл",
        detained_on=datetime.date(2018, 1, 1),
        detained_on_precision=YEAR,
        last_contact_on=datetime.date(2019, 5, 1),
        last_contact_on_precision=MONTH,
    )
    make_outcome(person, Outcome.Kind.TRANSFERRED, datetime.date(2020, 3, 12))

    response = client.get(change_url(person))

    form = response.context["adminform"].form
    assert form["detained_on"].value() == "2018"
    assert form["last_contact_on"].value() == "05.2019"
    outcomes = next(
        i for i in response.context["inline_admin_formsets"] if i.opts.model is Outcome
    )
    assert outcomes.formset.forms[0]["occurred_on"].value() == "12.03.2020"
    # One input per date: no precision to choose beside it.
    page = response.content.decode()
    assert 'name="detained_on_precision"' not in page
    assert 'name="outcomes-0-occurred_on_precision"' not in page
    assert 'class="approximate-date-picker"' in page


def test_saving_a_page_unchanged_keeps_every_date_and_its_precision(client, advocate):
    person = make_person(
        "Айгүл", detained_on=datetime.date(2018, 5, 1), detained_on_precision=MONTH
    )
    make_outcome(
        person,
        Outcome.Kind.RELEASED_FROM_CAMP,
        datetime.date(2019, 1, 1),
        occurred_on_precision=YEAR,
    )

    response = post_page(client, change_url(person))

    assert response.status_code == 302, errors_of(response)
    person.refresh_from_db()
    assert (person.detained_on, person.detained_on_precision) == (datetime.date(2018, 5, 1), MONTH)
    assert person.outcomes.get().occurred_on_precision == YEAR
    # The dates typed back as shown are the dates stored: the admin sees no change.
    assert LogEntry.objects.get().get_change_message() == "No fields changed."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("someday", UNREADABLE),
        ("31.02.2019", UNREADABLE),
        ("13.2019", UNREADABLE),
        ("2999", "This date lies in the future."),
    ],
)
def test_a_date_not_understood_or_in_the_future_is_refused_with_one_clear_message(
    client, advocate, typed, message
):
    person = make_person("Айгүл", detained_on=datetime.date(2018, 1, 1))

    response = post_page(client, change_url(person), detained_on=typed)

    assert response.status_code == 200
    assert errors_of(response) == [message]
    person.refresh_from_db()
    assert person.detained_on == datetime.date(2018, 1, 1)


def test_this_month_and_this_year_are_not_in_the_future(client, advocate):
    today = timezone.localdate()
    person = make_person("Айгүл")

    response = post_page(client, change_url(person), last_contact_on=f"{today:%m.%Y}")

    assert response.status_code == 302, errors_of(response)
    person.refresh_from_db()
    assert person.last_contact_on == today.replace(day=1)


@pytest.mark.parametrize(("typed", "stored", "precision"), TYPED[:3] + TYPED[-2:-1])
def test_an_outcome_date_is_typed_in_the_inline_of_the_case_page(
    client, advocate, typed, stored, precision
):
    person = make_person("Айгүл", detained_on=datetime.date(2017, 1, 1))

    response = post_page(
        client,
        change_url(person),
        **{
            "outcomes-TOTAL_FORMS": 1,
            "outcomes-0-kind": Outcome.Kind.RELEASED_FROM_CAMP,
            "outcomes-0-occurred_on": typed,
        },
    )

    assert response.status_code == 302, errors_of(response)
    outcome = person.outcomes.get()
    assert (outcome.occurred_on, outcome.occurred_on_precision) == (stored, precision)


def test_a_release_in_the_month_of_a_detention_known_to_the_day_is_not_before_it(client, advocate):
    person = make_person(
        "Айгүл", detained_on=datetime.date(2019, 5, 20), detained_on_precision=DAY
    )

    response = post_page(
        client,
        change_url(person),
        **{
            "outcomes-TOTAL_FORMS": 1,
            "outcomes-0-kind": Outcome.Kind.RELEASED_FROM_CAMP,
            "outcomes-0-occurred_on": "05.2019",
        },
    )

    assert response.status_code == 302, errors_of(response)


def test_a_release_before_the_detention_is_refused_in_the_inline(client, advocate):
    person = make_person(
        "Айгүл", detained_on=datetime.date(2019, 5, 1), detained_on_precision=MONTH
    )

    response = post_page(
        client,
        change_url(person),
        **{
            "outcomes-TOTAL_FORMS": 1,
            "outcomes-0-kind": Outcome.Kind.RELEASED_FROM_CAMP,
            "outcomes-0-occurred_on": "04.2019",
        },
    )

    assert response.status_code == 200
    assert errors_of(response) == ["A release cannot precede the detention (May 2019)."]
    assert not person.outcomes.exists()


def test_an_outcome_known_to_the_month_sets_the_status_and_says_so_as_known(client, advocate):
    person = make_person("Айгүл", detained_on=datetime.date(2018, 1, 1))
    url = change_url(person)
    data = unchanged_post_data(client.get(url)) | {
        "outcomes-TOTAL_FORMS": 1,
        "outcomes-0-kind": Outcome.Kind.RETURNED_TO_KAZAKHSTAN,
        "outcomes-0-occurred_on": "05.2020",
    }

    response = client.post(url, data, follow=True)

    person.refresh_from_db()
    assert person.status == Status.LEFT_CHINA
    assert "after the outcome returned to Kazakhstan (May 2020)" in response.content.decode()


def test_the_outcome_page_takes_an_approximate_date(client, advocate):
    person = make_person("Айгүл", detained_on=datetime.date(2018, 1, 1))
    add = reverse("admin:cases_outcome_add")
    data = unchanged_post_data(client.get(add)) | {
        "person": person.pk,
        "kind": Outcome.Kind.TRANSFERRED,
        "occurred_on": "2019",
    }

    response = client.post(add, data)

    assert response.status_code == 302
    outcome = person.outcomes.get()
    assert (outcome.occurred_on, outcome.occurred_on_precision) == (
        datetime.date(2019, 1, 1),
        YEAR,
    )


@pytest.mark.parametrize(("typed", "stored", "precision"), TYPED)
def test_a_petition_submission_date_is_typed_as_the_family_knows_it(
    client, advocate, typed, stored, precision
):
    petition = make_petition(make_person("Айгүл"))

    response = post_page(client, change_url(petition), submitted_on=typed)

    assert response.status_code == 302, errors_of(response)
    petition.refresh_from_db()
    assert (petition.submitted_on, petition.submitted_on_precision) == (stored, precision)


def test_an_answer_known_to_the_year_of_a_submission_in_may_is_not_before_it(client, advocate):
    petition = make_petition(make_person("Айгүл"))

    response = post_page(
        client,
        change_url(petition),
        submitted_on="05.2019",
        response_received_on="2019",
        status=Petition.Status.ANSWERED,
        response_kind=Petition.ResponseKind.REFUSAL,
    )

    assert response.status_code == 302, errors_of(response)
    petition.refresh_from_db()
    assert petition.response_received_on == datetime.date(2019, 1, 1)
    assert petition.response_received_on_precision == YEAR
    assert petition.response_received_on_display == "2019"


def test_an_answer_before_the_submission_is_refused(client, advocate):
    petition = make_petition(make_person("Айгүл"))

    response = post_page(
        client,
        change_url(petition),
        submitted_on="05.2019",
        response_received_on="2018",
        status=Petition.Status.ANSWERED,
    )

    assert response.status_code == 200
    assert errors_of(response) == ["An answer cannot arrive before the submission."]


def test_a_petition_added_for_letters_of_2018_starts_its_timeline_in_2018(client, advocate):
    person = make_person("Айгүл")
    add = reverse("admin:cases_petition_add")
    data = unchanged_post_data(client.get(add)) | {
        "persons": [person.pk],
        "authority": "1",
        "channel": Petition.Channel.LETTER,
        "submitted_on": "2018",
        "letters_count": "4",
        "status": Petition.Status.SUBMITTED,
    }

    response = client.post(add, data)

    assert response.status_code == 302, errors_of(response)
    petition = person.petitions.get()
    event = petition.events.get()
    assert (event.on, event.on_precision, event.status) == (
        datetime.date(2018, 1, 1),
        YEAR,
        Petition.Status.SUBMITTED,
    )
    page = client.get(change_url(petition)).content.decode()
    # The timeline says "2018", not a made-up 1 January.
    assert '<td class="field-when"><p>2018</p></td>' in page
    # Entered today: the first follow-up is counted from today, not from 2018.
    assert petition.follow_up_on > timezone.localdate()
    assert not petition.is_overdue


def test_the_timeline_pages_show_a_vague_submission_as_known(client, advocate):
    petition = make_petition(
        make_person("Айгүл"), submitted_on=datetime.date(2018, 1, 1), submitted_on_precision=YEAR
    )
    event = petition.events.get()

    listed = client.get(reverse("admin:cases_petitionevent_changelist")).content.decode()
    shown = client.get(change_url(event)).content.decode()

    assert '<th class="field-when"><a href="' in listed and ">2018</a>" in listed
    assert '<div class="readonly">2018</div>' in shown


def test_the_petition_list_shows_submission_dates_as_known(client, advocate):
    person = make_person("Айгүл")
    make_petition(person, submitted_on=datetime.date(2018, 1, 1), submitted_on_precision=YEAR)
    make_petition(person, submitted_on=datetime.date(2019, 5, 1), submitted_on_precision=MONTH)
    make_petition(person, submitted_on=datetime.date(2020, 3, 12))

    page = client.get(reverse("admin:cases_petition_changelist")).content.decode()

    assert ">2018<" in page
    assert ">May 2019<" in page
    assert ">2020-03-12<" in page
    case_page = client.get(change_url(person)).content.decode()
    assert ">May 2019<" in case_page


def test_a_published_figure_as_of_a_year(client, advocate):
    add = reverse("admin:cases_publishedfigure_add")
    data = unchanged_post_data(client.get(add)) | {
        "label_en": "citizens detained on suspicion of dual citizenship",
        "value": "29",
        "as_of": "2019",
        "source_name": "Radio Azattyq",
    }

    response = client.post(add, data)

    assert response.status_code == 302, errors_of(response)
    figure = PublishedFigure.objects.get()
    assert (figure.as_of, figure.as_of_precision) == (datetime.date(2019, 1, 1), YEAR)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_dates_are_typed_and_refused_in_kazakh_and_russian(client, advocate, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    person = make_person("Айгүл")
    url = change_url(person)

    saved = post_page(client, url, detained_on="05.2019")
    refused = post_page(client, url, detained_on="someday")

    assert saved.status_code == 302
    person.refresh_from_db()
    assert (person.detained_on, person.detained_on_precision) == (datetime.date(2019, 5, 1), MONTH)
    with translation.override(language):
        message = errors_of(refused)[0]
    assert "(03.2018)" in message and message != UNREADABLE
    assert message in refused.content.decode()


def test_a_viewer_reads_each_date_as_precisely_as_it_is_known(client):
    person = make_person(
        "Айгүл", detained_on=datetime.date(2018, 1, 1), detained_on_precision=YEAR
    )
    petition = make_petition(
        person, submitted_on=datetime.date(2019, 5, 1), submitted_on_precision=MONTH
    )
    client.force_login(
        make_user(
            "viewer",
            perms=("cases.view_detainedperson", "cases.view_petition", "cases.view_outcome"),
        )
    )

    person_page = client.get(change_url(person)).content.decode()
    petition_page = client.get(change_url(petition)).content.decode()

    assert '<div class="readonly">2018</div>' in person_page
    assert "Jan. 1, 2018" not in person_page
    assert '<div class="readonly">May 2019</div>' in petition_page


def test_every_model_date_with_a_precision_is_found():
    assert approximate_date_fields(DetainedPerson) == ["detained_on", "last_contact_on"]
    assert approximate_date_fields(Outcome) == ["occurred_on"]
    assert approximate_date_fields(Petition) == ["submitted_on", "response_received_on"]
    assert approximate_date_fields(PublishedFigure) == ["as_of"]


def test_the_field_reads_what_the_sheet_import_reads():
    field = ApproximateDateField(required=False)
    for typed, stored, precision in TYPED:
        assert field.clean(typed) == parse_approximate_date(typed) == (stored, precision)
    assert field.clean("") is None
    assert field.prepare_value(ApproximateDate(datetime.date(2019, 5, 1), MONTH)) == "05.2019"
    assert not field.has_changed(ApproximateDate(datetime.date(2019, 5, 1), MONTH), "2019-05")
    assert field.has_changed(ApproximateDate(datetime.date(2019, 5, 1), MONTH), "2019")


def test_dates_are_compared_as_precisely_as_the_vaguer_is_known():
    may, may_20 = datetime.date(2019, 5, 1), datetime.date(2019, 5, 20)
    assert not known_before(may, MONTH, may_20, DAY)
    assert not known_before(datetime.date(2019, 1, 1), YEAR, may_20, DAY)
    assert known_before(datetime.date(2019, 4, 1), MONTH, may_20, DAY)
    assert known_before(datetime.date(2019, 5, 19), DAY, may_20, DAY)
