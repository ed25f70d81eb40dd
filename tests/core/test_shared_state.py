"""Nothing that another app server needs stays in one process or on one
machine's disk (README, "Several app servers"): sessions, the cache, login
lockouts and jobs are in the database, uploads behind the storage API.
``tests/test_two_servers_pg.py`` runs two servers and two workers for real."""

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

pytestmark = pytest.mark.django_db


def test_sessions_are_in_the_database():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_the_cache_is_the_database_cache_made_by_a_migration():
    assert isinstance(caches["default"], DatabaseCache)
    assert settings.CACHES["default"]["LOCATION"] == "rattinsats_cache"
    # No createcachetable needed: migrate made the table.
    assert "rattinsats_cache" in connection.introspection.table_names()
    cache.set("several-servers", "shared", 60)
    assert cache.get("several-servers") == "shared"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM rattinsats_cache")
        assert cursor.fetchone()[0] == 1


def test_no_cache_is_kept_in_a_process_or_in_a_local_folder():
    local = {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.filebased.FileBasedCache",
    }
    assert not {c["BACKEND"] for c in settings.CACHES.values()} & local


def test_login_lockouts_are_counted_in_the_database():
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"


def test_uploads_go_through_the_storage_api_to_one_configurable_folder():
    default = settings.STORAGES["default"]
    assert default["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert default["OPTIONS"]["base_url"] is None  # served only through views
