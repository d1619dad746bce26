"""The status an advocate sets is never silently replaced: an outcome entered on the case page
sets the status only when it is new or moved, not when the advocate set the status in the same
save, and never over a status that says more and agrees with it; when it does, the page says so.
"""

import datetime

from django.urls import reverse

from cases.models import DetainedPerson, Outcome, Status
from tests.base import AdminTestCase
from tests.factories import make_outcome, make_person, unchanged_post_data


class OutcomeStatusTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        self.person = make_person("Дәуітханның әйелі", detained_on=datetime.date(2018, 1, 1))
        self.page = reverse("admin:cases_detainedperson_change", args=[self.person.pk])

    def post(self, **changes):
        """Post the case page as it stands with `changes`, following the redirect."""
        data = unchanged_post_data(self.client.get(self.page)) | changes
        response = self.client.post(self.page, data, follow=True)
        self.assertTrue(response.redirect_chain, "the form was refused")
        self.person.refresh_from_db()
        return response

    def add_outcome(self, kind: str, **changes):
        rows = self.person.outcomes.count()
        prefix = f"outcomes-{rows}-"
        row = {
            "outcomes-TOTAL_FORMS": rows + 1,
            f"{prefix}kind": kind,
            f"{prefix}occurred_on": "05.2020",
        }
        return self.post(**(row | changes))

    def statuses_in_history(self) -> list[str]:
        """The statuses the history shows, in order, each change once."""
        records = self.person.history.order_by("history_date", "history_id")
        statuses = [record.status for record in records]
        return [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]

    def test_a_new_outcome_sets_the_status_and_the_page_says_so(self):
        response = self.add_outcome(Outcome.Kind.RETURNED_TO_KAZAKHSTAN)

        self.assertEqual(self.person.status, Status.LEFT_CHINA)
        self.assertContains(
            response,
            "The status was set to left China after the outcome returned to Kazakhstan "
            "(May 2020).",
        )

    def test_a_status_set_in_the_same_save_stays_and_never_flips_in_the_history(self):
        response = self.add_outcome(Outcome.Kind.RELEASED_FROM_CAMP, status=Status.LEFT_CHINA)

        self.assertEqual(self.person.status, Status.LEFT_CHINA)
        self.assertEqual(self.statuses_in_history(), [Status.CAMP, Status.LEFT_CHINA])
        self.assertNotContains(response, "The status was set to")

    def test_editing_an_outcomes_notes_does_not_set_the_status_again(self):
        make_outcome(self.person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(2020, 5, 1))
        self.person.refresh_from_db()
        self.assertEqual(self.person.status, Status.RELEASED)
        self.post(status=Status.CAMP)  # taken back to a camp, as the family later learnt

        response = self.post(**{"outcomes-0-notes": "Told by a neighbour."})

        self.assertEqual(self.person.outcomes.get().notes, "Told by a neighbour.")
        self.assertEqual(self.person.status, Status.CAMP)
        self.assertNotContains(response, "The status was set to")

    def test_moving_an_outcomes_date_sets_the_status_again(self):
        make_outcome(self.person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(2020, 5, 1))
        self.post(status=Status.CAMP)

        self.post(**{"outcomes-0-occurred_on": "2021-01-01"})

        self.assertEqual(self.person.status, Status.RELEASED)

    def test_outcomes_entered_together_set_the_status_once_from_the_latest(self):
        row = "outcomes-1-"
        response = self.add_outcome(
            Outcome.Kind.RELEASED_FROM_CAMP,
            **{
                "outcomes-0-occurred_on": "2019-01-01",
                "outcomes-TOTAL_FORMS": 2,
                f"{row}kind": Outcome.Kind.RETURNED_TO_KAZAKHSTAN,
                f"{row}occurred_on": "05.2020",
            },
        )

        self.assertEqual(self.person.status, Status.LEFT_CHINA)
        self.assertEqual(self.statuses_in_history(), [Status.CAMP, Status.LEFT_CHINA])
        self.assertContains(response, "The status was set to", count=1)

    def test_released_from_a_camp_but_barred_from_leaving_stays_barred_from_leaving(self):
        self.post(status=Status.BARRED_FROM_LEAVING)

        response = self.add_outcome(Outcome.Kind.RELEASED_FROM_CAMP)

        self.assertEqual(self.person.status, Status.BARRED_FROM_LEAVING)
        self.assertEqual(self.statuses_in_history(), [Status.CAMP, Status.BARRED_FROM_LEAVING])
        self.assertNotContains(response, "The status was set to")

    def test_a_returned_passport_ends_barred_from_leaving(self):
        self.post(status=Status.BARRED_FROM_LEAVING)

        self.add_outcome(Outcome.Kind.PASSPORT_RETURNED)

        self.assertEqual(self.person.status, Status.RELEASED)

    def test_an_outcome_added_on_the_outcomes_page_says_what_it_set(self):
        add = reverse("admin:cases_outcome_add")
        data = unchanged_post_data(self.client.get(add)) | {
            "person": self.person.pk,
            "kind": Outcome.Kind.SENTENCED,
            "occurred_on": "2019",
        }
        response = self.client.post(add, data, follow=True)

        self.assertEqual(DetainedPerson.objects.get().status, Status.PRISON)
        self.assertContains(response, "The status was set to in prison (sentenced)")
