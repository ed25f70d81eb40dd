"""The test environment, set before Django reads its settings.

Loaded as a plugin (``-p tests.pytest_env`` in pyproject.toml) because
pytest-django imports the settings before any conftest.py is read. Run the
tests from the project folder with ``python -m pytest`` (or scripts/test).
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-with-enough-length-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The test client and the live server speak plain HTTP.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ.setdefault(
    "DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
os.environ.setdefault("DJANGO_EMAIL_URL", "consolemail://")
# Two-factor login is tested on its own (tests/test_two_factor.py).
os.environ.setdefault("RATTINSATS_REQUIRE_2FA", "0")
# Playwright's sync API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# WhiteNoise warns when STATIC_ROOT is missing; tests never collect static files.
os.environ.setdefault("DJANGO_STATIC_ROOT", tempfile.mkdtemp(prefix="rattinsats-static-"))
# The live server's thread must not keep a connection open past a test:
# PostgreSQL would refuse to drop the test database.
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "0")
# Uploaded files go to a throwaway folder, never into the project.
os.environ.setdefault("DJANGO_PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="rattinsats-uploads-"))
# Background jobs run at once, in the process that queues them (after the
# commit, where they are queued on commit); the job tests switch to the
# database backend and run a worker in the test (tests/operations/test_jobs*.py).
os.environ.setdefault(
    "RATTINSATS_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)
# /readyz's disk check does not depend on the free space of the machine
# the tests run on (tests/operations/test_health.py sets its own).
os.environ.setdefault("RATTINSATS_READY_MIN_FREE_MB", "1")
