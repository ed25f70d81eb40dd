"""Where a task that is not about a participant is done.

A task about a participant links to the participant's page (the tab of
its kind, ``Task.TAB_FOR_KIND``). A task of another kind (an employer's
next step) is registered here by the app that creates it, from its
``AppConfig.ready()``: the apps above ``participants`` may not be imported
from here. ``related`` names what the link needs, so that *Att göra* reads
it with the tasks in one query (``select_related``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Task


@dataclass(frozen=True)
class TaskTarget:
    url: Callable[[Task], str]
    # What the link says (never a participant's data).
    label: Callable[[Task], str]
    related: tuple[str, ...] = ()


_TARGETS: dict[str, TaskTarget] = {}


def task_target_register(
    kind: str,
    *,
    url: Callable[[Task], str],
    label: Callable[[Task], str],
    related: tuple[str, ...] = (),
) -> None:
    _TARGETS[kind] = TaskTarget(url=url, label=label, related=related)


def task_target(kind: str) -> TaskTarget | None:
    return _TARGETS.get(kind)


def task_target_related() -> list[str]:
    """Every relation a registered link needs, for ``select_related``."""
    return sorted({name for target in _TARGETS.values() for name in target.related})
