"""Queries whose SQL the ORM compiles once a process.

Turning a queryset into SQL is Python work on every call: for the small
fixed-shape queries that every page runs (the header's counts, the
participant page's sections, a page of the goal overview) building and
compiling them took longer than the database took to answer.
:func:`compiled_rows` and :func:`compiled_objects` build such a query once
per process and database with stand-ins for its values, keep the SQL and
where each value goes, and afterwards only execute that SQL with the
values put in the stand-ins' places. Rows are converted as the ORM
converts them (dates on SQLite, for example), and model instances are
made as the ORM makes them, with their ``select_related`` relations and
``prefetch_related`` lookups.

The queryset is still written with the ORM; only its compilation is
kept. A query's ``key`` must name its shape: the same key must give the
same SQL whatever the values passed (a list keeps its length; pad it).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.query import (  # type: ignore[attr-defined]
    ModelIterable,
    get_related_populators,
)

# The query is built twice, with two sets of stand-ins for its values;
# a parameter that differs between the two builds is a value's place, one
# that does not is the query's own. Integers stay small and positive (an
# integer lookup outside its field's range compiles to nothing); the two
# sets never overlap for lists of up to _LIST_MAX elements.
_LIST_MAX = 1024
_DATE_STANDINS = (datetime.date(1900, 1, 1), datetime.date(1950, 1, 1))

Value = int | str | datetime.date


@dataclass(frozen=True)
class _Slot:
    """Where a parameter of the SQL comes from: an argument (and an
    element of a list argument), as the database takes it (``adapt``, a
    date on SQLite), or the built query's own ``value``."""

    index: int | None
    element: int | None = None
    adapt: bool = False
    value: Any = None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[_Slot, ...]
    # Per converted column: its position, the ORM's converters and the
    # expression they take.
    converters: tuple[tuple[int, tuple[list, Any]], ...]
    # For model instances (compiled_objects) only.
    objects: _Objects | None = None


@dataclass(frozen=True)
class _Objects:
    model: type[Model]
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple
    annotations: tuple[tuple[str, int], ...]
    prefetch: tuple


# One entry a query, set whole: two threads compiling the same query at
# once only compile it twice.
_compiled: dict[tuple, _Compiled] = {}


def _standin(build: int, index: int, value: Any, element: int | None = None) -> Value:
    number = index * 2 * _LIST_MAX + build * _LIST_MAX + (element or 0)
    if isinstance(value, bool):
        raise ImproperlyConfigured("A compiled query takes no booleans: name them in its key")
    if isinstance(value, int):
        return 1 + number
    if isinstance(value, str):
        return f"\x00compiled-{number}"
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return _DATE_STANDINS[build] + datetime.timedelta(
            days=index * 2 * _LIST_MAX + (element or 0)
        )
    raise ImproperlyConfigured(f"A compiled query takes ints, strings, dates and lists: {value!r}")


def _compile(
    build: Callable[..., QuerySet], args: Sequence[Any], using: str, *, objects: bool
) -> _Compiled:
    connection = connections[using]
    builds = []
    for which in (0, 1):
        where: dict[Any, _Slot] = {}

        def stand_in(index: int, value: Any, element: int | None = None) -> Value:
            standin = _standin(which, index, value, element)  # noqa: B023 - used at once
            where[standin] = _Slot(index, element)  # noqa: B023
            if isinstance(standin, datetime.date):
                adapted = connection.ops.adapt_datefield_value(standin)
                if adapted != standin:
                    where[adapted] = _Slot(index, element, adapt=True)  # noqa: B023
            return standin

        standins: list[Any] = []
        for index, value in enumerate(args):
            if isinstance(value, list | tuple):
                if len(value) > _LIST_MAX:
                    raise ImproperlyConfigured(f"A compiled query's list has {len(value)} values")
                standins.append([stand_in(index, v, element) for element, v in enumerate(value)])
            else:
                standins.append(stand_in(index, value))
        queryset = build(*standins)
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        builds.append((queryset, compiler, sql, list(params), where))
    (queryset, compiler, sql, params, where), (_, _, sql_b, params_b, where_b) = builds
    if objects and (
        queryset._iterable_class is not ModelIterable or queryset._known_related_objects  # type: ignore[attr-defined]
    ):
        raise ImproperlyConfigured(
            "compiled_objects takes a queryset of model instances filtered by values "
            "(not a related manager's, whose instance it would keep)"
        )
    if sql != sql_b or len(params) != len(params_b):
        raise ImproperlyConfigured(
            "A compiled query's SQL depends on its values: name them in its key"
        )
    slots = []
    for a, b in zip(params, params_b, strict=True):
        if _same(a, b):
            slots.append(_Slot(None, value=a))
            continue
        slot = _found(where, a)
        if slot is None or slot != _found(where_b, b):
            raise ImproperlyConfigured(f"A compiled query's parameter is no value passed: {a!r}")
        slots.append(slot)
    found = {(s.index, s.element) for s in slots if s.index is not None}
    missing = {(s.index, s.element) for s in where.values()} - found
    if missing:
        raise ImproperlyConfigured(f"Values not found among the query's parameters: {missing}")
    columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
    if compiler.has_composite_fields(columns):
        raise ImproperlyConfigured("A compiled query reads no composite fields")
    made = None
    if objects:
        klass_info = compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        made = _Objects(
            model=klass_info["model"],
            init_list=tuple(column.target.attname for column, _, _ in compiler.select[start:end]),
            start=start,
            end=end,
            populators=tuple(get_related_populators(klass_info, compiler.select, using)),
            annotations=tuple((compiler.annotation_col_map or {}).items()),
            prefetch=tuple(queryset._prefetch_related_lookups),  # type: ignore[attr-defined]
        )
    return _Compiled(
        sql=sql,
        slots=tuple(slots),
        converters=tuple(compiler.get_converters(columns).items()),
        objects=made,
    )


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _found(where: dict[Any, _Slot], param: Any) -> _Slot | None:
    try:
        return where.get(param)
    except TypeError:  # not hashable: none of the stand-ins
        return None


def _run(
    key: Hashable, build: Callable[..., QuerySet], args: Sequence[Any], using: str, objects: bool
) -> tuple[_Compiled, list]:
    if any(arg is None for arg in args):
        # SQL's "= NULL" is never true where the ORM would write "IS NULL".
        raise ValueError("A compiled query takes no None: name it in the key")
    connection = connections[using]
    cache_key = (key, objects, using, connection.vendor)
    compiled = _compiled.get(cache_key)
    if compiled is None:
        compiled = _compile(build, args, using, objects=objects)
        _compiled[cache_key] = compiled
    params = []
    for slot in compiled.slots:
        if slot.index is None:
            params.append(slot.value)
            continue
        value = args[slot.index] if slot.element is None else args[slot.index][slot.element]
        params.append(connection.ops.adapt_datefield_value(value) if slot.adapt else value)
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    if not compiled.converters:
        return compiled, rows
    rows = [list(row) for row in rows]
    for row in rows:
        for position, (functions, expression) in compiled.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
    return compiled, rows


def compiled_rows(
    key: Hashable,
    build: Callable[..., QuerySet],
    *args: Value | Sequence[int],
    using: str = DEFAULT_DB_ALIAS,
) -> list[tuple]:
    """The rows of ``build(*args)`` (a ``values_list`` queryset), as
    tuples in its columns' order. The first call for ``key`` on a database
    compiles ``build`` called with stand-ins."""
    _, rows = _run(key, build, args, using, objects=False)
    return [row if type(row) is tuple else tuple(row) for row in rows]


def compiled_objects(
    key: Hashable,
    build: Callable[..., QuerySet],
    *args: Value | Sequence[int],
    known: Mapping[str, Model] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Any]:
    """The model instances of ``build(*args)``, made as the ORM makes them
    (``select_related``, annotations, then ``prefetch_related``). ``known``:
    relations every instance shares, set on each (a case's records get
    their participant), as a related manager would."""
    compiled, rows = _run(key, build, args, using, objects=True)
    made = compiled.objects
    assert made is not None  # noqa: S101 - compiled with objects=True
    instances = []
    for row in rows:
        instance = made.model.from_db(using, list(made.init_list), row[made.start : made.end])
        for populator in made.populators:
            populator.populate(row, instance)
        for name, position in made.annotations:
            setattr(instance, name, row[position])
        for name, related in (known or {}).items():
            setattr(instance, name, related)
        instances.append(instance)
    if made.prefetch and instances:
        prefetch_related_objects(instances, *made.prefetch)
    return instances


def compiled_first(
    key: Hashable,
    build: Callable[..., QuerySet],
    *args: Value | Sequence[int],
    known: Mapping[str, Model] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Any:
    """The instance that ``build(*args).first()`` gives, or None: the first
    in the queryset's order, or in the key's when it has none, made as
    :func:`compiled_objects` makes them."""
    found = compiled_objects(
        ("first", key), functools.partial(_first, build), *args, known=known, using=using
    )
    return found[0] if found else None


def _first(build: Callable[..., QuerySet], *args: Any) -> QuerySet:
    # QuerySet.first()'s rule.
    queryset = build(*args)
    return (queryset if queryset.ordered else queryset.order_by("pk"))[:1]
