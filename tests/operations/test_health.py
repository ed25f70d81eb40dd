"""Health checks for a load balancer: /healthz and /readyz
(operations.health)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import OperationalError
from django.middleware.security import SecurityMiddleware
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from operations import health
from operations.models import WorkerHeartbeat
from operations.worker import heartbeat_register

CHECKS = {"database", "migrations", "worker", "disk"}


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def fresh_migration_check(monkeypatch):
    """The first success is kept for the process; each test starts afresh."""
    monkeypatch.setattr(health, "_migrations_applied", False)


@pytest.fixture
def worker_alive(db):
    heartbeat_register("web-test")


def test_liveness_answers_without_touching_the_database(client, monkeypatch):
    # No database in this test (pytest-django refuses any query without the
    # db fixture), and a database that is down besides.
    def no_database(*args, **kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(connection, "cursor", no_database)
    monkeypatch.setattr(connection, "ensure_connection", no_database)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": "ok"}}
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_ready_when_every_check_passes(client, worker_alive, fresh_migration_check):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}


@pytest.mark.django_db
def test_not_ready_without_a_recent_worker_heartbeat(client, settings, fresh_migration_check):
    settings.RATTINSATS_READY_WORKER_MINUTES = 5
    assert client.get("/readyz").json()["checks"]["worker"] == "fail"
    WorkerHeartbeat.objects.create(
        worker_id="old",
        host="h",
        pid=1,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        last_seen=timezone.now() - datetime.timedelta(minutes=6),
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": "ok", "migrations": "ok", "worker": "fail", "disk": "ok"},
    }
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - datetime.timedelta(minutes=4))
    assert client.get("/readyz").status_code == 200
    # Set to 0, the worker is not checked.
    WorkerHeartbeat.objects.all().delete()
    settings.RATTINSATS_READY_WORKER_MINUTES = 0
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "worker" not in response.json()["checks"]


@pytest.mark.django_db
def test_not_ready_with_a_migration_not_applied(client, worker_alive, fresh_migration_check):
    MigrationRecorder.Migration.objects.filter(app="operations", name="0001_initial").delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "fail"


@pytest.mark.django_db
def test_not_ready_when_the_uploads_disk_is_nearly_full(
    client, settings, worker_alive, fresh_migration_check
):
    settings.RATTINSATS_READY_MIN_FREE_MB = 1024**4  # an exabyte
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["disk"] == "fail"


@pytest.mark.django_db
def test_not_ready_when_the_database_does_not_answer(
    client, worker_alive, fresh_migration_check, monkeypatch, caplog
):
    def down(*args, **kwargs):
        raise OperationalError("could not connect to server at db.example.se")

    monkeypatch.setattr(connection, "cursor", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": "fail", "migrations": "fail", "worker": "fail", "disk": "ok"},
    }
    # The reason is logged by its kind, never its text.
    assert "Readiness check database failed (OperationalError)" in caplog.text
    assert "db.example.se" not in caplog.text + response.content.decode()


# Exactly these URLs answer without a login (the login pages, the health
# checks and the participant's signing page); every other one sends an
# anonymous visitor to the login page (tests/test_permission_matrix.py).
WITHOUT_LOGIN = {
    "login",
    "set_language",
    "favicon",
    "session_keepalive",
    "healthz",
    "readyz",
    "admin/login/",
    # The participant's signing page, reached through a one-time link.
    "link",
    "public",
    "public_start",
    "public_status",
    "public_cancel",
}


def _views(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield entry.name or prefix + str(entry.pattern), entry.callback


def test_only_the_login_pages_the_health_checks_and_the_signing_page_need_no_login():
    open_views = {
        name
        for name, view in _views()
        if not getattr(view, "login_required", True) and not name.startswith("admin:")
    }
    assert open_views == WITHOUT_LOGIN


def test_health_checks_are_not_redirected_to_https(settings):
    """The balancer asks over plain HTTP; every other path goes to HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    middleware = SecurityMiddleware(lambda request: None)
    for path in ("/healthz", "/readyz"):
        assert middleware.process_request(RequestFactory().get(path)) is None
    assert middleware.process_request(RequestFactory().get("/deltagare/")).status_code == 301
