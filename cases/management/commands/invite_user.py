"""Create an enrolment invitation for a staff user and print its link (accounts/invitations.py)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.invitations import DEFAULT_HOURS, InvitationError, create_invitation, invitation_path

LOCAL_URL = "http://127.0.0.1:8000"


def default_base_url() -> str:
    """The demo's local address with DEBUG, else https:// and the first named ALLOWED_HOSTS."""
    if settings.DEBUG:
        return LOCAL_URL
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"]
    return f"https://{hosts[0]}" if hosts else ""


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Create a single-use invitation by which a staff user sets up two-factor login, and "
            "print its link. The user's older unused invitations stop working."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--hours",
            type=int,
            default=DEFAULT_HOURS,
            help=_("How long the link works, in hours (default: %(default)s)."),
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help=_("The site's address, before the link's path (default: from ALLOWED_HOSTS)."),
        )

    def handle(self, *args, username: str, hours: int, base_url: str | None, **options) -> None:
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            message = _("There is no user %(username)s.") % {"username": username}
            raise CommandError(message) from None
        try:
            invitation, token = create_invitation(user, hours=hours)
        except InvitationError as error:
            raise CommandError(str(error)) from None
        base = (default_base_url() if base_url is None else base_url).rstrip("/")
        self.stdout.write(
            _("Invitation for %(username)s, valid until %(expires)s:")
            % {
                "username": username,
                "expires": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
        self.stdout.write(base + invitation_path(token))
