"""Enrolment invitations: how a staff member without a second factor gets one.

A password alone must not let anyone add an authenticator app to an account: whoever learnt the
password of a new colleague would enrol first and own the account. A coordinator creates an
invitation (the `invite_user` command, or the action on users in the admin) and hands its link
to the colleague; the link works once, for a limited time, and only together with the password.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Invitation

DEFAULT_HOURS = 72
MAX_HOURS = 30 * 24
# The invitation a browser opened, between its link and the enrolment (accounts.twofactor).
SESSION_KEY = "enrolment_invitation"


class InvitationError(ValueError):
    """This invitation cannot be created; the message says why, for the coordinator."""


def hash_token(token: str) -> str:
    # A token is 256 random bits, not a password: a plain hash cannot be reversed by guessing.
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(user, *, created_by=None, hours: int = DEFAULT_HOURS) -> tuple:
    """A new invitation for `user` and its token, which is shown once and never stored.

    The user's older invitations that were not used stop working: only the newest link counts.
    """
    if not 1 <= hours <= MAX_HOURS:
        raise InvitationError(
            _("An invitation is valid for 1 to %(max)d hours.") % {"max": MAX_HOURS}
        )
    if not (user.is_active and user.is_staff):
        raise InvitationError(
            _("%(user)s is not an active staff account: there is nothing to sign in to.")
            % {"user": user.get_username()}
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(user=user).open().update(expires_at=now)
        invitation = Invitation.objects.create(
            user=user,
            created_by=created_by,
            token_hash=hash_token(token),
            expires_at=now + timedelta(hours=hours),
        )
    return invitation, token


def invitation_path(token: str) -> str:
    return reverse("account_invitation", args=[token])


def find_invitation(token: str) -> Invitation | None:
    """The invitation of this token, whatever its state, or None."""
    return Invitation.objects.select_related("user").filter(token_hash=hash_token(token)).first()


def remember_invitation(request: HttpRequest, invitation: Invitation) -> None:
    request.session[SESSION_KEY] = invitation.pk


def pending_invitation(request: HttpRequest) -> Invitation | None:
    """The open invitation this browser came with, if it is for the signed-in user."""
    pk = request.session.get(SESSION_KEY)
    if pk is None:
        return None
    return Invitation.objects.open().filter(pk=pk, user=request.user).first()


def use_invitation(request: HttpRequest, invitation: Invitation) -> bool:
    """Mark the invitation used; False if it was used or expired meanwhile."""
    request.session.pop(SESSION_KEY, None)
    return bool(Invitation.objects.open().filter(pk=invitation.pk).update(used_at=timezone.now()))
