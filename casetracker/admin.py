from django.contrib.admin.apps import AdminConfig


class CaseTrackerAdminConfig(AdminConfig):
    """django.contrib.admin with the two-factor site as its default site.

    Every ModelAdmin registers on the default site; making that one site the two-factor one
    (accounts.admin_site.TwoFactorAdminSite) covers every admin page, its login included, and any
    page added later. The rule itself reads REQUIRE_2FA on each request.
    """

    default_site = "accounts.admin_site.TwoFactorAdminSite"
