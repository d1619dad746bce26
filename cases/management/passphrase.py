"""The passphrase of a backup: from BACKUP_PASSPHRASE (for scheduled backups), else typed in a
terminal. It is never an option on the command line, where other users could read it in the
list of processes and the shell keeps it in its history."""

import getpass
import os
import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

ENVIRONMENT_VARIABLE = "BACKUP_PASSPHRASE"
# Four or five words are easier to remember than 12 random characters, and stronger.
SHORTEST = 12


def for_writing() -> str:
    """A passphrase for a new backup: typed twice when it comes from the terminal."""
    passphrase = os.environ.get(ENVIRONMENT_VARIABLE)
    if passphrase is None:
        _need_a_terminal(
            _(
                "A backup is encrypted with a passphrase: set %(variable)s, or run the command "
                "in a terminal to type one (--unencrypted writes the backup in clear). Nothing "
                "was written."
            )
            % {"variable": ENVIRONMENT_VARIABLE}
        )
        passphrase = getpass.getpass(_("Passphrase for the backup: "))
        if getpass.getpass(_("The same passphrase again: ")) != passphrase:
            raise CommandError(_("The two passphrases differ. Nothing was written."))
    if len(passphrase) < SHORTEST:
        raise CommandError(
            _(
                "The passphrase is too short: use at least %(count)d characters (a few words "
                "are easiest to remember). Nothing was written."
            )
            % {"count": SHORTEST}
        )
    return passphrase


def for_reading() -> str:
    """The passphrase of an existing, encrypted backup."""
    passphrase = os.environ.get(ENVIRONMENT_VARIABLE)
    if passphrase is None:
        _need_a_terminal(
            _(
                "The backup is encrypted: set %(variable)s to its passphrase, or run the "
                "command in a terminal to type it. Nothing was changed."
            )
            % {"variable": ENVIRONMENT_VARIABLE}
        )
        passphrase = getpass.getpass(_("Passphrase of the backup: "))
    return passphrase


def _need_a_terminal(message: str) -> None:
    if not sys.stdin.isatty():
        raise CommandError(message)
