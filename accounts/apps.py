from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff sign-in: two-factor login, enrolment invitations, login throttling, session rules
    and the admin site that enforces them. No models of its own: the devices are django_otp's,
    the Invitation model lives with the register's (cases/models.py)."""

    name = "accounts"
    label = "accounts"
