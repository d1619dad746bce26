"""Staff accounts in the admin: enrolment invitations (accounts/invitations.py).

A coordinator selects users and creates their invitation links; the links are shown once, on the
page the action answers with, and never stored (only their hashes are).
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.invitations import InvitationError, create_invitation, invitation_path
from cases.admin.lookups import QueryGuardMixin
from cases.models import Invitation

User = get_user_model()
INVITE_PERMISSION = "cases.add_invitation"


# Users reach relatives' contact details through the cases assigned to them: the same guard.
class StaffUserAdmin(QueryGuardMixin, UserAdmin):
    actions = ["create_invitations"]

    def has_invite_permission(self, request) -> bool:
        return request.user.has_perm(INVITE_PERMISSION)

    @admin.action(description=_("Create enrolment invitations"), permissions=["invite"])
    def create_invitations(self, request, queryset):
        created, refused = [], []
        for user in queryset.order_by("username"):
            try:
                invitation, token = create_invitation(user, created_by=request.user)
            except InvitationError as error:
                refused.append(str(error))
                continue
            link = request.build_absolute_uri(invitation_path(token))
            created.append((invitation, link))
        for reason in refused:
            messages.warning(request, reason)
        if not created:
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Enrolment invitations"),
            "opts": self.opts,
            "created": created,
        }
        # Shown once: the admin's responses are never stored (accounts.middleware).
        return TemplateResponse(request, "admin/auth/user/invitations.html", context)


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Who was invited, by whom, and whether the link was used. Links are made on users."""

    list_display = ("user", "created_by", "created_at", "expires_at", "used_at", "state")
    list_filter = ("used_at",)
    list_select_related = ("user", "created_by")
    search_fields = ("user__username",)
    fields = ("user", "created_by", "created_at", "expires_at", "used_at")
    readonly_fields = fields

    @admin.display(description=_("state"))
    def state(self, invitation: Invitation) -> str:
        return invitation.state.label

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
