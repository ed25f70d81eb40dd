"""Settings as production reads them, in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-production-like-secret-key-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "ratt-insats.example.se",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _run(args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_check_deploy_with_production_settings():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _run(["check"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_ends_idle_sessions_after_thirty_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # Renewed by a request at most once a minute (tests/core/test_session_timeout.py).
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.RATTINSATS_SESSION_RENEW_SECONDS == 60
    assert "rattinsats.middleware.SessionRenewalMiddleware" in settings.MIDDLEWARE


def test_it_speaks_swedish_in_stockholm_time(settings):
    assert settings.LANGUAGE_CODE == "sv"
    assert settings.TIME_ZONE == "Europe/Stockholm"
