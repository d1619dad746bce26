"""Checked spreadsheets waiting for the advocate's confirmation (the import's second step).

They name people held and their relatives, so they wait in a folder of the private files (on the
shared storage when several app servers run, so that any of them can confirm), readable by the
app only, and are deleted once confirmed, or after a day, when their confirmation has expired.
"""

import os
import re
import time
import uuid
from pathlib import Path

from django.core.files.storage import default_storage

FOLDER = "import-previews"
# A confirmation form is good for this long (cases.intake.admin.SheetConfirmForm).
MAX_AGE_SECONDS = 24 * 3600


def folder() -> Path:
    path = Path(default_storage.location) / FOLDER
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def remove_expired(now: float | None = None) -> int:
    """Delete the previews nobody confirmed in time; returns how many."""
    cutoff = (time.time() if now is None else now) - MAX_AGE_SECONDS
    removed = 0
    for path in folder().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # confirmed meanwhile
            continue
    return removed


class Preview:
    """One checked sheet waiting among the private files, under a random name."""

    def __init__(self, name: str | None = None):
        self.name = name

    def save(self, data: bytes) -> None:
        remove_expired()
        self.name = self.name or uuid.uuid4().hex
        descriptor = os.open(self._path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)

    def read(self) -> bytes:
        return self._path().read_bytes()

    def remove(self) -> None:
        self._path().unlink(missing_ok=True)

    def _path(self) -> Path:
        # The name comes back in a signed form, but is never taken for a path.
        if not re.fullmatch(r"[0-9a-f]{32}", self.name or ""):
            raise FileNotFoundError(self.name)
        return folder() / self.name
