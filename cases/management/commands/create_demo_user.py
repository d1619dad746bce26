"""Create the demo superuser `advocate`, or give it a new password: `make run` calls this.

It also prints an invitation link for setting up two-factor login (accounts/invitations.py), which
the demo (DEBUG, REQUIRE_2FA off) does not need but lets one try.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts.invitations import create_invitation, invitation_path

USERNAME = "advocate"
LOCAL_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Create the demo superuser 'advocate', or reset its password, and print a freshly "
            "generated password."
        )

    def handle(self, *args, **options) -> None:
        password = secrets.token_urlsafe(18)
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"email": f"{USERNAME}@example.org"}
        )
        user.is_active = user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()

        if created:
            self.stdout.write(_("Demo user created."))
        else:
            self.stdout.write(_("Demo user existed: its password has been replaced."))
        self.stdout.write(_("Username: %(username)s") % {"username": USERNAME})
        self.stdout.write(_("Password: %(password)s") % {"password": password})
        self.stdout.write(_("Admin: %(url)s") % {"url": LOCAL_URL + settings.ADMIN_URL})
        if not user_has_device(user):
            _invitation, token = create_invitation(user)
            link = LOCAL_URL.rstrip("/") + invitation_path(token)
            self.stdout.write(_("Two-factor setup (optional here): %(url)s") % {"url": link})
