"""What a process makes from the users' rows (the lists of staff that the
goal-document overview and the results dashboard filter by), kept between
requests until a user changes.

A token in the cache that every app server shares (the database's) stands
for the users' rows as they are: every save or delete of a user replaces
it (:mod:`rattinsats.signals`), so a list kept under one token is right
while the token is. A page then reads one small cache row instead of a
row for each staff member, whatever their number."""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

_VERSION_KEY = "rattinsats:users-version"

# What each process keeps: key -> (token, value).
_kept: dict[str, tuple[str, object]] = {}


def users_version() -> str:
    """The token for the users' rows as they are now. A token the cache has
    lost (it culls its oldest rows when full) is replaced by a new one, so
    what was kept under the old one is made again."""
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        # Another process may have added its own first: theirs holds.
        version = cache.get(_VERSION_KEY) or uuid.uuid4().hex
    return version


def users_changed() -> None:
    """A user was saved or deleted (or users were written in bulk): what
    every process keeps from the users' rows is made again. In the
    caller's transaction when there is one, so the token changes with the
    rows, and not if they are rolled back."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def kept_while_users_unchanged(key: str, make: Callable[[], T]) -> T:
    """``make()`` as this process made it for the current token, else made
    now and kept. The token is read before the rows, so what is kept is
    never older than its token."""
    version = users_version()
    held = _kept.get(key)
    if held is not None and held[0] == version:
        return held[1]  # type: ignore[return-value]
    value = make()
    _kept[key] = (version, value)
    return value
