"""Two-factor login: setting up an authenticator app, verifying a session, backup codes.

With REQUIRE_2FA the admin login asks for the password and a code. Someone who has no
authenticator app set up yet opens the invitation link a coordinator gave them
(accounts/invitations.py), signs in with the password at /account/login/ and lands on
/account/two-factor/: a QR code to scan, a code to confirm it, then ten backup codes shown once.
Without an invitation the password alone leads to a page saying to ask for one. Until a code
verifies it, a session signed in by password sees nothing else (accounts.security).
"""

from base64 import b32encode

import qrcode
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout as sign_out
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage

from accounts import invitations
from cases.models import Invitation

BACKUP_CODE_COUNT = 10
# Device names are stored data, shown to coordinators in the admin; not translated.
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
# New backup codes wait here between the request that made them and the page showing them.
NEW_CODES_SESSION_KEY = "two_factor_new_backup_codes"

WRONG_CODE = _("That code is not right. Check that your phone's clock is correct and try again.")
TOO_MANY_TRIES = _("Too many wrong codes. Wait a minute, then try again.")
NO_DEVICE = _(
    "Two-factor login is not set up for this account yet. Open the invitation link your "
    "coordinator gave you; if you have none, ask your coordinator for one."
)


def is_verified(user) -> bool:
    """Whether this request's user was verified by a device (django_otp.middleware sets it)."""
    return bool(getattr(user, "is_verified", None) and user.is_verified())


def normalize_code(code: str) -> str:
    # Backup codes are lowercase; people type them with spaces or in capitals.
    return "".join(code.split()).replace("-", "").lower()


def check_code(user, code: str) -> Device:
    """The user's device that accepts this code: a 6-digit app code or a backup code.

    Raises ValidationError otherwise. Each device throttles its own wrong guesses.
    """
    code = normalize_code(code)
    device_class = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    throttled = False
    # A wrong guess must stay recorded: the error is raised after the transaction commits.
    with transaction.atomic():
        devices = device_class.objects.devices_for_user(user, confirmed=True)
        for device in devices.select_for_update():
            if not device.verify_is_allowed()[0]:
                throttled = True
            elif device.verify_token(code):
                return device
    raise ValidationError(TOO_MANY_TRIES if throttled else WRONG_CODE, code="invalid_code")


def replace_backup_codes(user) -> list[str]:
    """Give the user BACKUP_CODE_COUNT new backup codes; the old ones stop working."""
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    with transaction.atomic():
        device = StaticDevice.objects.filter(user=user).first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME)
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def qr_svg(text: str) -> SafeString:
    """The QR code of `text` as inline SVG, drawn here: no image service, no script."""
    # The markup is the library's paths and numbers only: the text is encoded, never echoed.
    image = qrcode.make(text, image_factory=SvgPathFillImage)
    return mark_safe(image.to_string(encoding="unicode"))


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def admin_context(request: HttpRequest) -> dict:
    """The admin's header and titles, so these pages look like the rest of the admin."""
    return admin.site.each_context(request)


class CodeField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault(
            "help_text",
            _("The 6-digit code from your authenticator app, or one of your backup codes."),
        )
        attrs = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        super().__init__(max_length=32, widget=forms.TextInput(attrs=attrs), **kwargs)


class AdminTwoFactorLoginForm(AdminAuthenticationForm):
    """The admin login with REQUIRE_2FA: password, then a code from one of the user's devices."""

    otp_token = CodeField()

    def clean(self):
        cleaned_data = super().clean()  # the password check, throttled by django-axes
        user = self.get_user()
        if user is not None and "otp_token" in cleaned_data:
            if not user_has_device(user):
                raise ValidationError(NO_DEVICE, code="no_device")
            # django_otp stores this device in the session when the login completes.
            user.otp_device = check_code(user, cleaned_data["otp_token"])
        return cleaned_data


class CodeForm(forms.Form):
    """A code that verifies this session: for a given new device, or any of the user's."""

    otp_token = CodeField()

    def __init__(self, user, *args, device: TOTPDevice | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device
        if device is not None:
            self.fields["otp_token"].help_text = _("The 6-digit code your app shows now.")

    def clean_otp_token(self) -> str:
        code = self.cleaned_data["otp_token"]
        if self.device is None:
            self.device = check_code(self.user, code)
        elif not self.device.verify_is_allowed()[0]:
            raise ValidationError(TOO_MANY_TRIES, code="throttled")
        elif not self.device.verify_token(normalize_code(code)):
            raise ValidationError(WRONG_CODE, code="invalid_code")
        return code


class PasswordLoginView(LoginView):
    """The password-only sign-in that leads to setting up (or verifying) two-factor login."""

    authentication_form = AdminAuthenticationForm
    template_name = "twofactor/login.html"

    def get_default_redirect_url(self) -> str:
        return reverse("two_factor")

    def get_context_data(self, **kwargs):
        return {
            **admin_context(self.request),
            **super().get_context_data(**kwargs),
            "invited": invitations.SESSION_KEY in self.request.session,
        }


login = PasswordLoginView.as_view()
logout = LogoutView.as_view(next_page="account_login")


def next_url(request: HttpRequest) -> str:
    """Where to go once two-factor login is done: a safe `next`, or the admin's index."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index")


def _page(
    request: HttpRequest, template: str, title, status: int = 200, **context
) -> HttpResponse:
    context = {**admin_context(request), "title": title, "next": next_url(request), **context}
    return render(request, f"twofactor/{template}", context, status=status)


def _with_next(request: HttpRequest, name: str) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url(request)})}")


@sensitive_post_parameters("otp_token")
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify this session if the user has a device, else set up an app; then show the status."""
    user = request.user
    if not is_verified(user) and user_has_device(user):
        return _verify(request)
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        # A new authenticator app needs a session that already passed a second factor (a
        # backup code) or a coordinator's invitation: never the password alone.
        if is_verified(user):
            return _enrol(request, invitation=None)
        invitation = invitations.pending_invitation(request)
        if invitation is None:
            return _invitation_needed(request)
        return _enrol(request, invitation)
    if request.method == "POST" and "new_backup_codes" in request.POST:
        request.session[NEW_CODES_SESSION_KEY] = replace_backup_codes(user)
        return _with_next(request, "two_factor_backup_codes")
    backup = StaticDevice.objects.devices_for_user(user, confirmed=True).first()
    return _page(
        request,
        "status.html",
        _("Two-factor login"),
        backup_codes_left=backup.token_set.count() if backup else 0,
    )


def _verify(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.user, request.POST or None)
    if form.is_valid():
        otp_login(request, form.device)
        return redirect(next_url(request))
    return _page(request, "verify.html", _("Enter your code"), form=form)


def _invitation_needed(request: HttpRequest) -> HttpResponse:
    return _page(
        request, "invitation_needed.html", _("Ask your coordinator for an invitation"), status=403
    )


def _enrol(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    user = request.user
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    form = CodeForm(user, request.POST or None, device=device)
    if form.is_valid():
        with transaction.atomic():
            # Used or expired since the page was shown (another browser with the same link).
            if invitation is not None and not invitations.use_invitation(request, invitation):
                return _invitation_needed(request)
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        otp_login(request, device)
        request.session[NEW_CODES_SESSION_KEY] = replace_backup_codes(user)
        return _with_next(request, "two_factor_backup_codes")
    return _page(
        request,
        "enrol.html",
        _("Set up two-factor login"),
        form=form,
        qr_code=qr_svg(device.config_url),
        secret=grouped(b32encode(device.bin_key).decode()),
        issuer=settings.OTP_TOTP_ISSUER,
    )


@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes, shown once: reloading the page does not show them again."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("two_factor")
    return _page(request, "backup_codes.html", _("Your backup codes"), codes=codes)


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: remembered in this browser, then on to sign in and set up the app."""
    invitation = invitations.find_invitation(token)
    if invitation is None or invitation.state != Invitation.State.OPEN:
        return _invitation_refused(request, invitation)
    if request.user.is_authenticated and request.user.pk != invitation.user_id:
        sign_out(request)
    invitations.remember_invitation(request, invitation)
    if request.user.is_authenticated:
        return redirect("two_factor")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': reverse('two_factor')})}")


def _invitation_refused(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    if invitation is None:
        status, problem = 404, _("This invitation link is not valid: check it was copied whole.")
    elif invitation.state == Invitation.State.USED:
        status, problem = 410, _("This invitation link has already been used.")
    else:
        status, problem = 410, _("This invitation link has expired.")
    title = _("This invitation cannot be used")
    return _page(request, "invitation_refused.html", title, status=status, problem=problem)
