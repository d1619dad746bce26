"""Whole-register backups: one gzip-compressed JSON Lines file, encrypted with a passphrase
(cases/encryption.py), restored into an empty database.

The file holds every row of the cases app (history included), the user accounts with their
password hashes, two-factor devices and backup codes, the groups, and the admin's action log:
it is as sensitive as the database, hence encrypted unless asked otherwise.
Uploaded source files are not in it, only their paths. Rows are written in primary-key order
with no timestamp, so exporting the same data twice gives the same plaintext (and, unencrypted,
the same bytes).

Line 1 is a header (format, version, applied migrations, rows per model); every other line is
one row as Django's "jsonl" serializer writes it.

A restore reads the file twice: once to check all of it (every chunk authentic, the gzip stream
whole, every line a row, as many rows as the header lists), then to restore it in one
transaction. Both readings stream, within a bound on the unpacked size and on each line, so a
small file that unpacks to gigabytes is refused in bounded memory.
"""

import contextlib
import datetime
import gzip
import io
import json
import os
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Deserializer
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    connections,
    models,
    reset_queries,
    transaction,
)
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _

from cases import encryption
from cases.models import (
    Authority,
    Place,
    PublicDataState,
    Source,
    Tally,
    TallyEntry,
    TallyProfile,
    TallyReach,
)
from cases.public import tallies

FORMAT = "casetracker-backup"
VERSION = 1
BATCH_SIZE = 500
# The longest row a restore reads: the largest text of a register is far shorter.
MAX_LINE_BYTES = 16 * 1024 * 1024

# Their ids differ from one database to the next (migrate creates them): refer to them by name.
NATURAL_KEY_MODELS = (ContentType, Permission)
# The data migration seeds these into every new database; a restore replaces them.
SEEDED_MODELS = (Place, Authority)
# The public statistics counted ahead (cases/public/tallies.py) and the state of the data the
# public pages show (cases/public/cache.py): worked out afresh on restore.
DERIVED_MODELS = (Tally, TallyEntry, TallyProfile, TallyReach, PublicDataState)


class BackupError(Exception):
    """The file cannot be written or restored; the message says why, for the operator."""


# Second-factor devices belong with the accounts: restored without them, an account could be
# given a new device by anyone who knows its password.
DEVICE_APPS = ("otp_totp", "otp_static")


def backup_models() -> list[type[models.Model]]:
    """What a backup holds, in the order it is written and restored."""
    devices = [
        model
        for label in DEVICE_APPS
        if label in apps.app_configs
        for model in apps.get_app_config(label).get_models()
    ]
    cases = [
        model for model in apps.get_app_config("cases").get_models() if model not in DERIVED_MODELS
    ]
    return [Group, User, *devices, *cases, LogEntry]


# --- Export -----------------------------------------------------------------------------------


class _ExactEncoder(DjangoJSONEncoder):
    """Keeps the microseconds that DjangoJSONEncoder rounds away, so a restore is exact."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JSONLSerializer):
    """Content types and permissions by natural key; everything else by its id, which a
    restore keeps. Many-to-many links come from the prefetch that _rows() sets up."""

    def handle_fk_field(self, obj, field):
        if field.remote_field.model in NATURAL_KEY_MODELS:
            related = getattr(obj, field.name)
            self._current[field.name] = related.natural_key() if related else None
        else:
            self._current[field.name] = self._value_from_field(obj, field)

    def handle_m2m_field(self, obj, field):
        # Django's version builds a queryset per row even when the links are prefetched.
        related = obj._prefetched_objects_cache[field.name]
        if field.remote_field.model in NATURAL_KEY_MODELS:
            self._current[field.name] = [other.natural_key() for other in related]
        else:
            self._current[field.name] = [other.pk for other in related]

    def end_object(self, obj):
        # json.dumps() uses the C encoder; json.dump() would encode in Python, piece by piece.
        self.stream.write(json.dumps(self.get_dump_object(obj), **self.json_kwargs) + "\n")
        self._current = None


def _related_in_stable_order(model: type[models.Model]) -> models.QuerySet:
    if model is Permission:
        return Permission.objects.select_related("content_type").order_by(
            "content_type__app_label", "content_type__model", "codename"
        )
    return model._base_manager.only("pk").order_by("pk")


def _rows(model: type[models.Model], using: str) -> Iterator[models.Model]:
    """Every row of `model` in primary-key order, a chunk at a time, with its many-to-many
    links prefetched in a stable order (so the file is the same whatever the database)."""
    natural_fks = [
        field.name
        for field in model._meta.local_fields
        if field.is_relation and field.remote_field.model in NATURAL_KEY_MODELS
    ]
    links = [
        Prefetch(field.name, queryset=_related_in_stable_order(field.remote_field.model))
        for field in model._meta.local_many_to_many
    ]
    queryset = model._base_manager.using(using).select_related(*natural_fks)
    return queryset.prefetch_related(*links).order_by("pk").iterator(chunk_size=2000)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _applied_migrations(using: str, app_labels: Iterable[str]) -> dict[str, list[str]]:
    applied = MigrationRecorder(connections[using]).applied_migrations()
    return {
        app_label: sorted(name for app, name in applied if app == app_label)
        for app_label in sorted(app_labels)
    }


def export_backup(
    path: Path, passphrase: str | None, using: str = DEFAULT_DB_ALIAS
) -> dict[str, int]:
    """Write the whole register to `path`, readable by its owner only, encrypted with
    `passphrase` (None: in clear); return the number of rows per model."""
    connection = connections[using]
    backed_up = backup_models()
    partial = path.with_name(path.name + ".partial")
    outermost = not connection.in_atomic_block
    if path.is_symlink():
        raise BackupError(
            _("%(path)s is a symbolic link: write the backup to a plain file name.")
            % {"path": path}
        )
    try:
        with transaction.atomic(using=using):
            if outermost and connection.vendor == "postgresql":
                # One snapshot for every table, even while advocates keep working.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            counts = {_label(m): m._base_manager.using(using).count() for m in backed_up}
            header = {
                "format": FORMAT,
                "version": VERSION,
                "migrations": _applied_migrations(using, {m._meta.app_label for m in backed_up}),
                "rows": counts,
            }
            # mtime=0 and no file name in the gzip header: the same data gives the same bytes.
            with (
                _new_private_file(partial) as raw,
                _sealed(raw, passphrase) as sealed,
                gzip.GzipFile(filename="", mode="wb", fileobj=sealed, mtime=0) as compressed,
                io.TextIOWrapper(compressed, encoding="utf-8", newline="\n") as text,
            ):
                text.write(json.dumps(header, ensure_ascii=False, sort_keys=True) + "\n")
                serializer = _Serializer()
                for model in backed_up:
                    serializer.serialize(_rows(model, using), stream=text, cls=_ExactEncoder)
        os.replace(partial, path)
    except OSError as error:
        raise BackupError(
            _("Cannot write %(path)s: %(error)s") % {"path": path, "error": error}
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _new_private_file(path: Path) -> io.BufferedWriter:
    """A file created for this backup alone, readable by its owner only: never a file that
    was there (whatever its mode) and never through a symbolic link."""
    # What an interrupted export left behind, or a link someone put in its place, goes: the
    # link itself is removed, not what it points to.
    path.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    return open(os.open(path, flags, 0o600), "wb")


@contextlib.contextmanager
def _sealed(raw: io.BufferedWriter, passphrase: str | None) -> Iterator[io.RawIOBase]:
    if passphrase is None:
        yield raw
        return
    writer = encryption.EncryptingWriter(raw, passphrase)
    yield writer
    writer.finish()  # not after an error: the partial file is deleted then


def source_files_count(using: str = DEFAULT_DB_ALIAS) -> int:
    """How many sources have an uploaded file (the backup holds the paths, not the files)."""
    return Source.objects.using(using).exclude(file="").count()


# --- Import -----------------------------------------------------------------------------------


def _cannot_read(path: Path, error: OSError) -> BackupError:
    return BackupError(
        _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror or error}
    )


def is_encrypted(path: Path) -> bool:
    """Whether the backup at `path` needs a passphrase."""
    try:
        with open(path, "rb") as raw:
            return encryption.is_encrypted(raw.read(len(encryption.MAGIC)))
    except OSError as error:
        raise _cannot_read(path, error) from None


def max_unpacked_bytes() -> int:
    return settings.BACKUP_MAX_UNPACKED_MB * 1024 * 1024


class _Lines:
    """The lines of a backup, read within bounds: memory and time stay bounded whatever the
    file unpacks to (a 2 MB gzip file of one line reached 4.3 GB of memory)."""

    def __init__(self, unpacked: gzip.GzipFile):
        self.unpacked = unpacked
        self.most_bytes = max_unpacked_bytes()
        self.read_bytes = 0
        self.number = 0

    def readline(self) -> str:
        line = self.unpacked.readline(MAX_LINE_BYTES + 1)
        self.read_bytes += len(line)
        self.number += 1
        if self.read_bytes > self.most_bytes:
            raise BackupError(
                _(
                    "The backup unpacks to more than %(mb)d MB (BACKUP_MAX_UNPACKED_MB): it is "
                    "no backup of this register, or the limit is set too low for it. Nothing "
                    "was changed."
                )
                % {"mb": self.most_bytes // (1024 * 1024)}
            )
        if len(line) > MAX_LINE_BYTES:
            raise ValueError(
                _("line %(number)d is longer than %(mb)d MB")
                % {"number": self.number, "mb": MAX_LINE_BYTES // (1024 * 1024)}
            )
        return line.decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        while line := self.readline():
            yield line


class _BackupFile:
    """A backup to read, once or more, with the keys stretched from its passphrase once."""

    def __init__(self, path: Path, passphrase: str | None):
        self.path = path
        self.passphrase = passphrase
        self.keys: encryption.Keys | None = None

    @contextlib.contextmanager
    def lines(self) -> Iterator[_Lines]:
        with contextlib.ExitStack() as stack:
            try:
                raw = stack.enter_context(open(self.path, "rb"))
            except OSError as error:
                raise _cannot_read(self.path, error) from None
            encrypted = encryption.is_encrypted(raw.read(len(encryption.MAGIC)))
            raw.seek(0)
            source: io.BufferedIOBase = raw
            if encrypted:
                if self.passphrase is None:
                    raise BackupError(
                        _("%(path)s is encrypted: give its passphrase.") % {"path": self.path}
                    )
                reader = encryption.DecryptingReader(raw, self.passphrase, self.keys)
                self.keys = reader.keys
                source = io.BufferedReader(reader, encryption.CHUNK_BYTES)
            with gzip.GzipFile(fileobj=source, mode="rb") as unpacked:
                yield _Lines(unpacked)


def _read_header(lines: _Lines) -> dict:
    not_a_backup = ValueError(_("it does not start with a casetracker backup header"))
    try:
        header = json.loads(lines.readline())
    except json.JSONDecodeError:
        raise not_a_backup from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise not_a_backup
    if header.get("version") != VERSION:
        raise BackupError(
            _("This backup has format version %(found)s; this casetracker reads version %(ours)s.")
            % {"found": header.get("version"), "ours": VERSION}
        )
    migrations, rows = header.get("migrations"), header.get("rows")
    valid = (
        isinstance(migrations, dict)
        and all(isinstance(names, list) for names in migrations.values())
        and isinstance(rows, dict)
        and all(isinstance(count, int) for count in rows.values())
    )
    if not valid:
        raise not_a_backup
    return header


def _models_named(labels: Iterable[str]) -> list[type[models.Model]]:
    backed_up = {_label(model): model for model in backup_models()}
    if unknown := set(labels) - backed_up.keys():
        raise BackupError(
            _("The backup holds tables this casetracker does not know: %(labels)s.")
            % {"labels": ", ".join(sorted(unknown))}
        )
    return [backed_up[label] for label in labels]


def _check_same_migrations(header: dict, using: str) -> None:
    ours = _applied_migrations(using, header["migrations"].keys())
    if ours == header["migrations"]:
        return
    differences = []
    for app_label, theirs in sorted(header["migrations"].items()):
        only_backup = sorted(set(theirs) - set(ours[app_label]))
        only_here = sorted(set(ours[app_label]) - set(theirs))
        differences += [
            f"{app_label}.{name} (" + _("only in the backup") + ")" for name in only_backup
        ]
        differences += [
            f"{app_label}.{name} (" + _("only in this database") + ")" for name in only_here
        ]
    raise BackupError(
        _(
            "The backup was made at another database version: %(differences)s. Restore it with "
            "the casetracker version that made it, then upgrade (migrate)."
        )
        % {"differences": "; ".join(differences)}
    )


def _check_empty(backed_up: list[type[models.Model]], using: str) -> None:
    filled = []
    for model in backed_up:
        if model in SEEDED_MODELS:
            continue
        if count := model._base_manager.using(using).count():
            filled.append(f"{_label(model)}: {count}")
    if filled:
        raise BackupError(
            _(
                "The database already holds data (%(tables)s). A backup is restored only into an "
                "empty database: create a new one, run migrate, then import (create no user "
                "first: the backup brings its own)."
            )
            % {"tables": ", ".join(filled)}
        )


def _unlisted_rows(label: str) -> BackupError:
    return BackupError(
        _("The backup holds rows of %(label)s that its header does not list.") % {"label": label}
    )


class _Loader:
    """Insert deserialized rows in batches, exactly as they were: no save() logic, no signals,
    no history entries, timestamps kept."""

    def __init__(self, backed_up: list[type[models.Model]], using: str):
        self.allowed = set(backed_up)
        self.using = using
        self.pending: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.links: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, deserialized: DeserializedObject) -> None:
        obj = deserialized.object
        model = type(obj)
        if model not in self.allowed:
            raise _unlisted_rows(_label(model))
        self.pending[model].append(obj)
        self.counts[_label(model)] += 1
        for name, pks in deserialized.m2m_data.items():
            field = model._meta.get_field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            self.links[through] += [
                through(**{f"{source}_id": obj.pk, f"{target}_id": pk}) for pk in pks
            ]
        if len(self.pending[model]) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        ops = connections[self.using].ops
        for model, objs in self.pending.items():
            fields = [f for f in model._meta.concrete_fields if not f.generated]
            size = max(ops.bulk_batch_size(fields, objs), 1)
            for start in range(0, len(objs), size):
                # bulk_create() would stamp auto_now fields with the time of the restore; a raw
                # insert (what loaddata's save_base(raw=True) does, in batches) keeps them.
                batch = objs[start : start + size]
                model._base_manager.using(self.using)._insert(batch, fields=fields, raw=True)
        for through, links in self.links.items():
            through._base_manager.using(self.using).bulk_create(links, batch_size=BATCH_SIZE)
        self.pending.clear()
        self.links.clear()
        # With DEBUG on, Django keeps the text of every query: thousands of large inserts.
        reset_queries()


def _replace_seeded_rows(using: str) -> None:
    for model in SEEDED_MODELS:
        model._base_manager.using(using).all().delete()
        # Deleting wrote "deleted" history entries; the backup brings the real history.
        model.history.model._base_manager.using(using).all().delete()


def _reset_sequences(backed_up: list[type[models.Model]], using: str) -> None:
    """Let new rows continue after the restored ones, and never reuse the id (hence the case
    number) of a row that was deleted before the backup: its history still names it."""
    connection = connections[using]
    links = [field.remote_field.through for m in backed_up for field in m._meta.local_many_to_many]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), backed_up + links):
            cursor.execute(statement)
        for model in backed_up:
            manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
            if manager_name is None:
                continue
            history = getattr(model, manager_name).model._base_manager.using(using)
            highest = model._base_manager.using(using).aggregate(top=Max("pk"))["top"] or 0
            deleted = history.aggregate(top=Max("id"))["top"]
            if deleted and deleted > highest:
                _advance_sequence(cursor, connection, model._meta.db_table, deleted)


def _advance_sequence(cursor, connection, table: str, value: int) -> None:
    if connection.vendor == "postgresql":
        quoted = connection.ops.quote_name(table)
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [quoted, value])
    elif connection.vendor == "sqlite":
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, value])


def _check_whole(backup: _BackupFile) -> dict:
    """Read all of the backup without writing anything: its header, then every line as a row
    of a model the header lists, as many as it lists. Returns the header."""
    with backup.lines() as lines:
        header = _read_header(lines)
        _models_named(header["rows"].keys())
        expected = header["rows"]
        found: Counter[str] = Counter()
        for line in lines:
            row = json.loads(line)
            label = row.get("model") if isinstance(row, dict) else None
            if not isinstance(label, str):
                raise ValueError(_("line %(number)d is not a row") % {"number": lines.number})
            if label not in expected:
                raise _unlisted_rows(label[:100])
            found[label] += 1
            if found[label] > expected[label]:
                break  # more than listed: said below, without reading the rest
        _check_counts(expected, found)
    return header


def import_backup(
    path: Path,
    passphrase: str | None = None,
    using: str = DEFAULT_DB_ALIAS,
    check_only: bool = False,
) -> dict[str, int]:
    """Restore a backup into an empty database, all or nothing, once all of it has been
    checked; return the rows per model. `check_only`: check, and restore nothing."""
    unreadable = _(
        "%(path)s is not a complete casetracker backup (%(error)s). Nothing was changed."
    )
    backup = _BackupFile(path, passphrase)
    try:
        header = _check_whole(backup)
        if check_only:
            return dict(header["rows"])
        with backup.lines() as lines:
            header = _read_header(lines)
            backed_up = _models_named(header["rows"].keys())
            _check_same_migrations(header, using)
            with transaction.atomic(using=using):
                _check_empty(backed_up, using)
                _replace_seeded_rows(using)
                loader = _Loader(backed_up, using)
                for deserialized in Deserializer(lines, using=using):
                    loader.add(deserialized)
                loader.flush()
                _check_counts(header["rows"], loader.counts)
                connections[using].check_constraints(
                    table_names=[model._meta.db_table for model in backed_up]
                )
                _reset_sequences(backed_up, using)
                # Derived from the cases, so not in the file: counted afresh.
                tallies.rebuild(using)
    except BackupError:
        raise
    except encryption.WrongPassphrase:
        raise BackupError(
            _(
                "The passphrase does not open %(path)s (or the file's first bytes were "
                "altered). Nothing was changed."
            )
            % {"path": path}
        ) from None
    except encryption.Altered:
        raise BackupError(
            _(
                "%(path)s was altered or damaged after it was written: a part of it fails its "
                "check. Nothing was changed."
            )
            % {"path": path}
        ) from None
    except (EOFError, encryption.CutOff) as error:
        raise BackupError(unreadable % {"path": path, "error": _describe(error)}) from None
    except (zlib.error, UnicodeDecodeError, ValueError, DeserializationError) as error:
        raise BackupError(unreadable % {"path": path, "error": _describe(error)}) from None
    except OSError as error:  # gzip.BadGzipFile among them
        raise BackupError(unreadable % {"path": path, "error": error}) from None
    except DatabaseError as error:
        raise BackupError(
            _("The backup does not fit this database (%(error)s). Nothing was changed.")
            % {"error": error}
        ) from None
    return dict(loader.counts)


def _describe(error: Exception) -> str:
    if isinstance(error, EOFError | encryption.CutOff):
        return _("the file ends too early: it was cut off")
    if isinstance(error, json.JSONDecodeError | DeserializationError):
        return _("a line is not a valid row: %(error)s") % {"error": error.__cause__ or error}
    return str(error)


def _check_counts(expected: dict[str, int], loaded: dict[str, int]) -> None:
    for label, count in expected.items():
        if loaded.get(label, 0) != count:
            raise BackupError(
                _(
                    "The backup is incomplete: its header lists %(expected)d rows of %(label)s "
                    "but it holds %(loaded)d. Nothing was changed."
                )
                % {"expected": count, "label": label, "loaded": loaded.get(label, 0)}
            )
