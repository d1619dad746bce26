from django.contrib.admin.apps import AdminConfig
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext


class CaseTrackerAdminConfig(AdminConfig):
    """django.contrib.admin with the two-factor site as its default site.

    Every ModelAdmin registers on the default site; making that one site the two-factor one
    (accounts.admin_site.TwoFactorAdminSite) covers every admin page, its login included, and any
    page added later. The rule itself reads REQUIRE_2FA on each request.
    """

    default_site = "accounts.admin_site.TwoFactorAdminSite"

    def ready(self) -> None:
        super().ready()
        # Django writes the text alternative of its yes/no icons in English ("True"), in every
        # language; screen readers read it aloud. Its helpers import the function from this
        # module when they run, so replacing it here reaches every list and read-only field.
        from django.contrib.admin.templatetags import admin_list

        admin_list._boolean_icon = boolean_icon


def boolean_icon(value: bool | None) -> str:
    """The admin's yes/no/unknown icon, its text alternative in the user's language."""
    name, label = {
        True: ("yes", gettext("Yes")),
        False: ("no", gettext("No")),
        None: ("unknown", gettext("Unknown")),
    }[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), label)
