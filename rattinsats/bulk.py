"""Inserting many rows at once, for the bulk writes of an import.

``bulk_create`` costs some tens of microseconds a row in Python (a model
instance, then every field of every row prepared and placed in one large
statement); an import of tens of thousands of participants writes some
fifteen rows each. :func:`insert_rows` writes plain tuples (PostgreSQL's
``COPY``; one prepared statement, ``executemany``, on SQLite), each value
converted as Django converts it (the field's ``get_db_prep_save``), and
:func:`insert_returning` does the same for rows whose new ids are needed,
as ``bulk_create`` does (on PostgreSQL the ids are taken from the table's
sequence first, in one query, then the rows copied with them; on SQLite
``RETURNING``, in the order of the rows). The caller checks the values
first, as a service checks a model instance with ``full_clean``; the
database checks its constraints as always.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

# Rows a statement with RETURNING carries at most (SQLite allows 32,766
# parameters in one statement).
RETURNING_BATCH = 500


def _statement(model: type[models.Model], columns: Sequence[str]):
    """The fields written: ``columns``, then every other concrete field
    but the id with its default (the same value for every row), so that a
    field added to the model later is filled as ``bulk_create`` fills it."""
    fields: list[Any] = [model._meta.get_field(name) for name in columns]
    others = [
        field
        for field in model._meta.concrete_fields
        if field not in fields and not field.primary_key
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in [*fields, *others])
    now = timezone.now()
    defaults = [
        now
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        # A foreign key's default is an id, as the rows give theirs.
        else field.get_default()
        for field in others
    ]
    return [*fields, *others], defaults, f"{quote(model._meta.db_table)} ({names})"


# Fields whose str, int, bool and None values the database takes as they
# are (get_db_prep_save would hand them on unchanged).
_PLAIN = {
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "BooleanField",
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
}


def _converter(field, conn):
    """How a column's values are made ready for the database: as the
    field's ``get_db_prep_save`` makes them, but calling the backend's
    adapter straight away for the usual types (plain values as they are,
    dates, aware datetimes, JSON), and computing a value repeated row after
    row (the same ``now``) once."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    prepare = field.get_db_prep_save
    ops = conn.ops
    if kind in _PLAIN:

        def plain(value):
            if value is None or type(value) in (str, int, bool):
                return value
            return prepare(value, conn)

        return plain
    if kind == "DateField":

        def date(value):
            if type(value) is datetime.date:
                return ops.adapt_datefield_value(value)
            return prepare(value, conn)

        return date
    if kind == "JSONField":
        # The same object (a move's revision data, shared by the rows of
        # one period and category) is encoded once; the cache holds it, so
        # its id stays its own.
        encoded: dict[int, tuple] = {}

        def json(value):
            known = encoded.get(id(value))
            if known is None:
                known = encoded[id(value)] = (value, ops.adapt_json_value(value, field.encoder))
            return known[1]

        return json
    last: list = [object(), None]

    def once(value):
        if value is not last[0]:
            last[0], last[1] = value, prepare(value, conn)
        return last[1]

    return once


def _prepared(fields, defaults: list, rows: Iterable[Sequence]) -> list[tuple]:
    """The rows' values converted, column by column."""
    conn = connections[DEFAULT_DB_ALIAS]
    rows = list(rows)
    if not rows:
        return []
    columns = [
        list(map(_converter(field, conn), values))
        for field, values in zip(fields, zip(*rows, strict=True), strict=False)
    ]
    constants = [
        _converter(field, conn)(value)
        for field, value in zip(fields[len(columns) :], defaults, strict=True)
    ]
    columns += [[value] * len(rows) for value in constants]
    return list(zip(*columns, strict=True))


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples of values in the order of ``columns``, the
    model's field names; a foreign key's value is the id) into ``model``'s
    table. Returns the number of rows."""
    fields, defaults, target = _statement(model, columns)
    params = _prepared(fields, defaults, rows)
    if not params:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the rows stream to the server as data. A statement per
            # row (executemany) or hundreds of rows a statement both cost
            # PostgreSQL's driver more in Python than SQLite takes in all.
            with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            statement = f"INSERT INTO {target} VALUES ({placeholders})"  # noqa: S608 - names from the model
            cursor.executemany(statement, params)
    return len(params)


def insert_returning(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]
) -> list[int]:
    """:func:`insert_rows` giving the new rows' ids, in the order of
    ``rows``."""
    if connection.vendor == "postgresql":
        return _copy_returning(model, columns, rows)
    fields, defaults, target = _statement(model, columns)
    insert = f"INSERT INTO {target}"
    params = _prepared(fields, defaults, rows)
    pk = connection.ops.quote_name(model._meta.pk.column)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for first in range(0, len(params), RETURNING_BATCH):
            batch = params[first : first + RETURNING_BATCH]
            values = ", ".join([row_sql] * len(batch))
            cursor.execute(
                f"{insert} VALUES {values} RETURNING {pk}",
                [value for row in batch for value in row],
            )
            ids.extend(row[0] for row in cursor.fetchall())
    if len(ids) != len(params):
        raise RuntimeError("The database returned a different number of new ids.")
    return ids


def _copy_returning(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]
) -> list[int]:
    """PostgreSQL: new ids from the primary key's sequence (one query, in
    order), then the rows copied with them (:func:`insert_rows`)."""
    rows = list(rows)
    if not rows:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    insert_rows(
        model,
        [model._meta.pk.name, *columns],
        ((pk, *row) for pk, row in zip(ids, rows, strict=True)),
    )
    return ids


def insert_instances(objs: Sequence[models.Model]) -> None:
    """Insert unsaved model instances (checked with ``full_clean``) and set
    their ids, as ``bulk_create`` does but through :func:`insert_returning`.
    ``auto_now`` fields get the time of the call."""
    if not objs:
        return
    model = type(objs[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    names = [field.attname for field in fields]
    ids = insert_returning(
        model,
        [field.name for field in fields],
        ([getattr(obj, name) for name in names] for obj in objs),
    )
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
