"""Writing tens of thousands of rows at once: the spreadsheet import, the public tallies' rebuild
and the demo generator.

On PostgreSQL new rows go in with COPY: for 10,000 persons with relatives and history, or half a
million tally entries, several times faster than bulk_create, whose per-value overhead
dominates. Elsewhere the callers use bulk_create.
"""

import contextlib
import gc
from collections.abc import Iterable, Iterator

from django.db import DEFAULT_DB_ALIAS, connections, models


def uses_copy(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the database takes COPY (PostgreSQL)."""
    return connections[using].vendor == "postgresql"


def copy_rows(
    table: str, columns: Iterable[str], rows: Iterable[tuple], using: str = DEFAULT_DB_ALIAS
) -> None:
    """COPY `rows` (tuples of plain values, in the order of `columns`) into `table`."""
    connection = connections[using]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def reserve_ids(model: type[models.Model], objs: list, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give new rows their ids from the table's sequence before COPY inserts them (PostgreSQL;
    elsewhere the insert does)."""
    if not objs or not uses_copy(using):
        return
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk


@contextlib.contextmanager
def garbage_collector_paused() -> Iterator[None]:
    """Tens of thousands of new model instances set off Python's cycle collector again and
    again, each time walking them all (a fifth of an import's time, a tenth of the demo
    generator's); they hold no cycles that need it meanwhile, and it runs as usual after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
