"""Create the Advocate, Coordinator and Viewer groups, or bring them back to their definition."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.roles import ROLES, UnknownPermissions, sync_groups


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain string, translated when the parser is built.
        return _(
            "Create the groups Advocate, Coordinator and Viewer with exactly the permissions that "
            "cases/roles.py lists; run it again after an upgrade. Reports what it changed."
        )

    def handle(self, *args, **options) -> None:
        try:
            changes = sync_groups(ROLES)
        except UnknownPermissions as error:
            raise CommandError(
                _("These permissions do not exist in the database: %(names)s. Run migrate first.")
                % {"names": error}
            ) from None
        for change in changes:
            values = {"group": change.name, "count": change.total}
            if change.created:
                self.stdout.write(
                    _("Created group %(group)s with %(count)d permissions.") % values
                )
                continue
            for label in change.added:
                self.stdout.write(
                    _("%(group)s: added %(permission)s") % {**values, "permission": label}
                )
            for label in change.removed:
                self.stdout.write(
                    _("%(group)s: removed %(permission)s") % {**values, "permission": label}
                )
            if not change.changed:
                self.stdout.write(_("%(group)s: unchanged (%(count)d permissions).") % values)
