"""The base of admin tests: named staff users, as in the rest of the suite."""

from django.contrib.auth.models import Permission
from django.test import TestCase

from tests.factories import make_user


class AdminTestCase(TestCase):
    """alice is a superuser; bob may do everything on case data but see contact details;
    carol may only read relatives, contact details included. alice is logged in."""

    @classmethod
    def setUpTestData(cls):
        cls.alice = make_user("alice", superuser=True)
        everything_but_contacts = Permission.objects.filter(
            content_type__app_label="cases"
        ).exclude(codename="view_contact_details")
        cls.bob = make_user(
            "bob", perms=tuple(f"cases.{p.codename}" for p in everything_but_contacts)
        )
        cls.carol = make_user("carol", perms=("cases.view_relative", "cases.view_contact_details"))

    def setUp(self):
        self.client.force_login(self.alice)
