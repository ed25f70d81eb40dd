import os
import shutil
import time
import warnings

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from rattinsats.models import Role

from .factories import ParticipantFactory, UserFactory, ensure_reference_data, organisation

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Property-based tests explore new examples on a developer's machine; in CI
# they run the same examples every time, so a build never fails by chance.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if IN_CI:
    hypothesis_settings.load_profile("ci")


@pytest.fixture
def reference_data(db):
    """Organisations and catalogues, also inside transactional tests."""
    ensure_reference_data()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded files go to a temporary folder; returns it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


# Named users, one per role (the owner is responsible for `participant`).
@pytest.fixture
def owner(db):
    return UserFactory(username="owner", first_name="Olga", role=Role.STAFF)


@pytest.fixture
def teammate(db):
    return UserFactory(username="teammate", first_name="Tim", role=Role.STAFF)


@pytest.fixture
def officer(db):
    return UserFactory(
        username="officer",
        role=Role.EMPLOYMENT_OFFICER,
        organisation=organisation("arbetsformedlingen"),
    )


@pytest.fixture
def counsellor(db):
    return UserFactory(username="counsellor", role=Role.COUNSELLOR)


@pytest.fixture
def steering(db):
    return UserFactory(username="steering", role=Role.STEERING)


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", role=Role.ADMIN, is_staff=True)


@pytest.fixture
def participant(owner):
    return ParticipantFactory(responsible=owner)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return client_for(owner)


# --- Browser tests -----------------------------------------------------------


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    exe = _chromium()
    if exe is None:
        if IN_CI:
            pytest.fail("Chromium is required for browser tests in CI")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": exe,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "sv-SE"}


def browser_login(page, live_server, username, password="Testlösenord-123"):
    page.goto(f"{live_server.url}/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def end_other_sessions() -> list[tuple]:
    """End every other session on the test database (PostgreSQL), and
    return them: application name, state, start and last statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid), application_name, state, backend_start,"
            " left(query, 120) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[1:] for row in cursor.fetchall()]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """End any connection a live-server or worker thread left open, so that
    PostgreSQL lets the test database be dropped at the end."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        # Start from a fresh connection: the one held here may itself have
        # been ended, as tests end the other sessions on the test database
        # (the benchmark's copy test does).
        connection.close()
        others: list = []
        for _ in range(50):
            found = end_other_sessions()
            if not found:
                break
            others = others or found
            time.sleep(0.1)
        connection.close()
        if others:  # shown in the warnings summary: which test left them open
            warnings.warn(f"sessions left open on the test database: {others!r}", stacklevel=1)
