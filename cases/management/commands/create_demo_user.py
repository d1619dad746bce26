"""Create one demo user per role (advocate, coordinator, viewer), or give them new passwords:
`make run` calls this after `setup_roles`.

None is a superuser: each sees the admin as its role does (cases/roles.py), so the demo shows
what an advocate may and may not do. The advocate is assigned the source story's case, and so
reads its family's contact details. The command also prints, for the advocate, an invitation
link for setting up two-factor login (accounts/invitations.py), which the demo (DEBUG,
REQUIRE_2FA off) does not need but lets one try.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts.invitations import create_invitation, invitation_path
from cases.demo.story import WIFE_NAME
from cases.models import DetainedPerson

# Username → the group (cases/roles.py) it belongs to.
DEMO_USERS = {"advocate": "Advocate", "coordinator": "Coordinator", "viewer": "Viewer"}
DEFAULT_HOST = "127.0.0.1:8000"


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Create the demo users 'advocate', 'coordinator' and 'viewer', one per role, or "
            "reset their passwords, and print freshly generated passwords."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--host",
            default=DEFAULT_HOST,
            help=_("the host and port the demo is served on, for the printed links"),
        )

    def handle(self, *args, host: str = DEFAULT_HOST, **options) -> None:
        groups = {
            group.name: group for group in Group.objects.filter(name__in=DEMO_USERS.values())
        }
        if missing := sorted(set(DEMO_USERS.values()) - groups.keys()):
            raise CommandError(
                _("The groups %(names)s do not exist: run setup_roles first.")
                % {"names": ", ".join(missing)}
            )
        site = f"http://{host.removeprefix('http://').rstrip('/')}"
        self.stdout.write(_("Admin: %(url)s") % {"url": f"{site}/{settings.ADMIN_URL}"})
        for username, role in DEMO_USERS.items():
            user = self.reset_user(username, groups[role])
            if username == "advocate":
                self.assign_story(user)
                if not user_has_device(user):
                    _invitation, token = create_invitation(user)
                    link = site + invitation_path(token)
                    self.stdout.write(
                        _("Two-factor setup (optional here): %(url)s") % {"url": link}
                    )

    def reset_user(self, username: str, group: Group):
        password = secrets.token_urlsafe(18)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        user.is_active = user.is_staff = True
        user.is_superuser = False
        user.set_password(password)
        user.save()
        user.groups.set([group])
        if created:
            self.stdout.write(_("Demo user created (%(role)s).") % {"role": group.name})
        else:
            self.stdout.write(
                _("Demo user existed (%(role)s): its password has been replaced.")
                % {"role": group.name}
            )
        self.stdout.write(_("Username: %(username)s") % {"username": username})
        self.stdout.write(_("Password: %(password)s") % {"password": password})
        return user

    def assign_story(self, advocate) -> None:
        # Saved one by one, so that the history records the assignment.
        for person in DetainedPerson.objects.filter(full_name=WIFE_NAME, assigned_to=None):
            person.assigned_to = advocate
            person.save(update_fields=["assigned_to", "updated_at"])
