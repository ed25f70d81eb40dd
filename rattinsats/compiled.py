"""Queries whose SQL the ORM compiles once a process.

Turning a queryset into SQL is Python work on every call: for the small
fixed-shape queries that every page runs (the header's counts, the
permissions on one participant, a page of the goal overview) it took
longer than the database took to answer. :func:`compiled_rows` builds
such a query once per process and database with stand-ins for its
values, keeps the SQL and where each value goes, and afterwards only
executes that SQL with the values put in the stand-ins' places, the
rows converted as the ORM converts them (dates on SQLite, for example).

The queryset is still written with the ORM; only its compilation is
kept. A query's ``key`` must name its shape: the same key must give the
same SQL whatever the values passed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Stand-ins are integers far below any key or count, and strings no form
# accepts; a value of the built query equal to none of them stays as it is.
_INT_STANDIN = -7_341_000_000_000
_STR_STANDIN = "\x00compiled-standin-"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per parameter: (argument, element) for a stand-in's place, where
    # element is None for a scalar argument, or (None, the built value).
    slots: tuple[tuple[int | None, Any], ...]
    # Per column: the ORM's converters and the expression they take.
    converters: tuple[tuple[int, tuple[list, Any]], ...]


_compiled: dict[tuple, _Compiled] = {}
_lock = threading.Lock()


def _standin(index: int, value: Any, element: int | None = None) -> Any:
    number = _INT_STANDIN - index * 10_000 - (element or 0)
    if isinstance(value, bool):
        raise ImproperlyConfigured("A compiled query takes no booleans: name them in its key")
    if isinstance(value, int):
        return number
    if isinstance(value, str):
        return f"{_STR_STANDIN}{-number}"
    raise ImproperlyConfigured(f"A compiled query takes ints, strings and lists of ints: {value!r}")


def _compile(build: Callable[..., QuerySet], args: Sequence[Any], using: str) -> _Compiled:
    standins: list[Any] = []
    where: dict[Any, tuple[int, int | None]] = {}
    for index, value in enumerate(args):
        if isinstance(value, list | tuple):
            elements = [_standin(index, v, element) for element, v in enumerate(value)]
            where.update({s: (index, element) for element, s in enumerate(elements)})
            standins.append(elements)
        else:
            standin = _standin(index, value)
            where[standin] = (index, None)
            standins.append(standin)
    queryset = build(*standins)
    compiler = queryset.query.get_compiler(using)
    sql, params = compiler.as_sql()
    slots = tuple(
        where.get(p, (None, p)) if isinstance(p, int | str) else (None, p) for p in params
    )
    missing = set(where.values()) - {slot for slot in slots if slot[0] is not None}
    if missing:
        raise ImproperlyConfigured(f"Values not found among the query's parameters: {missing}")
    columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
    converters = tuple(compiler.get_converters(columns).items())
    return _Compiled(sql=sql, slots=slots, converters=converters)


def compiled_rows(
    key: Hashable,
    build: Callable[..., QuerySet],
    *args: int | str | Sequence[int],
    using: str = DEFAULT_DB_ALIAS,
) -> list[tuple]:
    """The rows of ``build(*args)`` (a ``values_list`` queryset), as
    tuples in its columns' order. The first call for ``key`` on a database
    compiles ``build`` called with stand-ins; a list argument keeps its
    length for a key (pad it)."""
    connection = connections[using]
    cache_key = (key, using, connection.vendor)
    compiled = _compiled.get(cache_key)
    if compiled is None:
        compiled = _compile(build, args, using)
        with _lock:
            _compiled[cache_key] = compiled
    params = []
    for index, detail in compiled.slots:
        if index is None:
            params.append(detail)  # a value of the built query itself
        elif detail is None:
            params.append(args[index])
        else:
            params.append(args[index][detail])  # type: ignore[index]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    if not compiled.converters:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for position, (functions, expression) in compiled.converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        converted.append(tuple(values))
    return converted
