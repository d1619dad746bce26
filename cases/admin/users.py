"""Staff accounts in the admin: enrolment invitations (accounts/invitations.py).

A coordinator selects users and creates their invitation links; the links are shown once, on the
page the action answers with, and never stored (only their hashes are).
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.invitations import InvitationError, create_invitation, invitation_path
from cases.admin.lookups import QueryGuardMixin
from cases.models import Invitation
from cases.roles import permission_label, role_label

User = get_user_model()
INVITE_PERMISSION = "cases.add_invitation"


# Users reach relatives' contact details through the cases assigned to them: the same guard.
class RoleFilter(admin.SimpleListFilter):
    """Django's filter by group, with the roles named in the user's language."""

    title = _("role")
    parameter_name = "groups__id__exact"

    def lookups(self, request, model_admin):
        return [(group.pk, role_label(group)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups__id=self.value()) if self.value() else queryset


class StaffUserAdmin(QueryGuardMixin, UserAdmin):
    actions = ["create_invitations"]
    list_filter = ("is_staff", "is_superuser", "is_active", RoleFilter)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        # Read only: the roles and permissions named in the user's language, not as stored.
        shown = {"groups": "roles", "user_permissions": "permissions"}
        return [
            (name, {**options, "fields": [shown.get(f, f) for f in options["fields"]]})
            for name, options in fieldsets
        ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label_from_instance = role_label
        elif db_field.name == "user_permissions":
            field.label_from_instance = permission_label
        return field

    @admin.display(description=_("roles"))
    def roles(self, user) -> str:
        return ", ".join(role_label(group) for group in user.groups.all()) or "-"

    @admin.display(description=_("permissions of this user"))
    def permissions(self, user) -> str:
        return (
            ", ".join(
                permission_label(permission)
                for permission in user.user_permissions.select_related("content_type")
            )
            or "-"
        )

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
