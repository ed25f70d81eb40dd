"""Health checks for a load balancer (README, "Health checks").

- ``/healthz``: liveness. The process answers; nothing else is touched (no
  database, no session).
- ``/readyz``: readiness. The database answers, every migration is
  applied, a worker's heartbeat is recent
  (``RATTINSATS_READY_WORKER_MINUTES``) and the uploads' disk has free
  space (``RATTINSATS_READY_MIN_FREE_MB``).

Both answer JSON with each check's name and ``ok`` or ``fail`` (200 when
all are ok, else 503), to anyone without a login, and never more than
that: no error text, no personal data.
"""

from __future__ import annotations

import datetime
import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK, FAIL = "ok", "fail"

# Once every migration is found applied, it stays so for this process
# (a deployment that brings new ones starts new processes).
_migrations_applied = False


@login_not_required
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": OK, "checks": {"process": OK}})


@login_not_required
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check(_database)}
    database_up = checks["database"] == OK
    checks["migrations"] = _check(_migrations) if database_up else FAIL
    if settings.RATTINSATS_READY_WORKER_MINUTES > 0:
        checks["worker"] = _check(_worker) if database_up else FAIL
    checks["disk"] = _check(_disk)
    ready = all(value == OK for value in checks.values())
    return JsonResponse(
        {"status": OK if ready else FAIL, "checks": checks}, status=200 if ready else 503
    )


def _check(check) -> str:
    try:
        return OK if check() else FAIL
    except Exception as exc:
        # The kind of error only: its text may name the server or a path.
        logger.warning(
            "Readiness check %s failed (%s)", check.__name__.strip("_"), type(exc).__name__
        )
        return FAIL


def _database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_applied = not plan
    return _migrations_applied


def _worker() -> bool:
    since = timezone.now() - datetime.timedelta(minutes=settings.RATTINSATS_READY_WORKER_MINUTES)
    return WorkerHeartbeat.objects.filter(last_seen__gte=since).exists()


def _disk() -> bool:
    """Free space where the uploads go (the nearest folder that exists: a
    fresh installation may have none yet). Storage that is not a local
    folder is not checked."""
    location = getattr(default_storage, "location", None)
    if not location:
        return True
    path = Path(location)
    while not path.exists() and path != path.parent:
        path = path.parent
    free = shutil.disk_usage(path).free
    return free >= settings.RATTINSATS_READY_MIN_FREE_MB * 1024 * 1024
