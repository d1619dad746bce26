"""The three roles of the admin, as data: group name → the permissions of the cases app it holds.

`setup_roles` makes the groups hold exactly these (see sync_groups). Group names stay English in
every language: they are identifiers, and a translation would make a second group.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

APP_LABEL = "cases"

# The case register itself, and the reference lists the data migration seeds.
CASE_MODELS = (
    "detainedperson",
    "relative",
    "kinship",
    "petition",
    "petitionevent",
    "outcome",
    "source",
)
REFERENCE_MODELS = ("place", "authority", "publishedfigure")
# The coordinators' own Word templates of letters and UN submissions (deleting one brings back
# the template casetracker ships).
LETTER_TEMPLATES = ("lettertemplate",)
# Consents are kept for good, withdrawals included: nobody deletes one (cases/admin/consents.py).
CONSENT_MODELS = ("consent",)

# Enrolment invitations for new staff (accounts/invitations.py), made by the action on users.
INVITATIONS = ("add", "view", "delete")

# Relatives' phone, email and address (privacy rule 5).
CONTACT_DETAILS = "view_contact_details"
# Verifying a case and deciding whether it is counted publicly (DetainedPerson.Meta.permissions):
# without it the admin shows verification, counted_in_statistics and duplicate_of read-only.
VERIFY_CASES = "verify_case"
# Who read what (ReadEvent): coordinators read the log; nobody can change it.
READ_LOG = "view_readevent"
# The staff accounts, to invite new staff (the action on users, cases/admin/users.py). Another
# app's permission is named with its app label.
STAFF_ACCOUNTS = "auth.view_user"


def _codenames(actions: tuple[str, ...], models: tuple[str, ...]) -> set[str]:
    return {f"{action}_{model}" for model in models for action in actions}


# `view_source` also lets its holder download a source's file (see Source).
ROLES: dict[str, frozenset[str]] = {
    # Data entry: records whole family cases, deletes nothing, decides nothing about counting.
    "Advocate": frozenset(
        _codenames(("add", "change", "view"), CASE_MODELS + CONSENT_MODELS)
        | _codenames(("view",), REFERENCE_MODELS + LETTER_TEMPLATES)
    ),
    # Reviews, verifies and corrects everything, and keeps the reference lists.
    "Coordinator": frozenset(
        _codenames(("add", "change", "delete", "view"), CASE_MODELS)
        | _codenames(("add", "change", "view"), REFERENCE_MODELS + CONSENT_MODELS)
        | _codenames(("add", "change", "delete", "view"), LETTER_TEMPLATES)
        | _codenames(INVITATIONS, ("invitation",))
        | {CONTACT_DETAILS, VERIFY_CASES, READ_LOG, STAFF_ACCOUNTS}
    ),
    # Lawyers and researchers: read, never change.
    "Viewer": frozenset(
        _codenames(("view",), CASE_MODELS + CONSENT_MODELS + REFERENCE_MODELS + LETTER_TEMPLATES)
    ),
}


class UnknownPermissions(Exception):
    """A role names a permission the database does not have (migrations not run?)."""

    def __init__(self, keys: set[tuple[str, str]]):
        self.codenames = sorted(codename for _app, codename in keys)
        super().__init__(", ".join(f"{app}.{codename}" for app, codename in sorted(keys)))


@dataclass
class GroupChange:
    """What sync_groups did to one group; permissions as 'app_label.codename'."""

    name: str
    created: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    total: int = 0

    @property
    def changed(self) -> bool:
        return self.created or bool(self.added or self.removed)


def _key(name: str) -> tuple[str, str]:
    """(app label, codename) of a role's permission: 'view_user' here, or 'auth.view_user'."""
    app, _dot, codename = name.rpartition(".")
    return app or APP_LABEL, codename


def _label(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


@transaction.atomic
def sync_groups(roles: dict[str, frozenset[str]] = ROLES) -> list[GroupChange]:
    """Create the role groups and give each exactly its listed permissions, removing others."""
    wanted = {_key(name) for name in set().union(*roles.values())}
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _codename in wanted},
        codename__in={codename for _app, codename in wanted},
    ).select_related("content_type")
    permissions = {
        key: permission
        for permission in found
        if (key := (permission.content_type.app_label, permission.codename)) in wanted
    }
    if missing := wanted - permissions.keys():
        raise UnknownPermissions(missing)

    changes = []
    for name, codenames in roles.items():
        group, created = Group.objects.get_or_create(name=name)
        held = set(group.permissions.select_related("content_type"))
        target = {permissions[_key(codename)] for codename in codenames}
        group.permissions.add(*(target - held))
        group.permissions.remove(*(held - target))
        changes.append(
            GroupChange(
                name=name,
                created=created,
                added=sorted(map(_label, target - held)),
                removed=sorted(map(_label, held - target)),
                total=len(target),
            )
        )
    return changes


# The groups' names as people read them: the stored names stay English identifiers.
ROLE_LABELS = {
    "Advocate": _("Advocate"),
    "Coordinator": _("Coordinator"),
    "Viewer": _("Viewer"),
}
# Django's own permissions, named from their action and the model, in the user's language.
ACTION_LABELS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def role_label(group: Group) -> str:
    """A group's name in the user's language (its stored name if it is no role of ours)."""
    return str(ROLE_LABELS.get(group.name, group.name))


def permission_label(permission: Permission) -> str:
    """A permission as the admin lists it, in the user's language: "Қосу (ұсталған адам)"."""
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    action, _sep, _rest = permission.codename.partition("_")
    custom = dict(getattr(model._meta, "permissions", ()))
    if permission.codename in custom:
        return f"{capfirst(model._meta.verbose_name)}: {custom[permission.codename]}"
    if action in ACTION_LABELS and permission.codename == f"{action}_{model._meta.model_name}":
        return capfirst(ACTION_LABELS[action] % {"model": model._meta.verbose_name})
    return permission.name
