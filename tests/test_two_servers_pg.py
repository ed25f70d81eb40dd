"""Two app servers and two workers on one PostgreSQL, driven by locust
(``loadtest/cluster.py``; README, "Several app servers").

Two gunicorn instances on loopback and two ``run_worker`` processes share a
database of their own, made for this test on the test run's PostgreSQL
server and dropped after it (never the suite's test database). Locust's
users send each request to the other server in turn with one session:
logging in, opening pages, journal notes, referrals with an uploaded
consent form fetched back from the other server, each referral queuing a
mail job. Then: no failed request, every job finished exactly once, none
left queued or running, every mail sent is in the mail folder.

Locust runs as a process of its own from ``.venv-load`` (scripts/_env.sh
installs it there; ``LOCUST`` names another): it is kept out of the test
venv, as it brings a pytest plugin and gevent's monkey-patching.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from .conftest import IN_CI

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: several processes share one database (SQLite is for one)",
    ),
]

ROOT = Path(__file__).resolve().parent.parent
# Two app servers on loopback (their ports follow each other).
HTTP_PORT = int(os.environ.get("RATTINSATS_TEST_CLUSTER_PORT", "8391"))
TIMEOUT = 600  # seconds for the whole run: migrate, demo data, load, checks


def _locust() -> str:
    exe = os.environ.get("LOCUST") or str(ROOT / ".venv-load" / "bin" / "locust")
    found = shutil.which(exe)
    if found is None:
        if IN_CI:
            pytest.fail(f"locust is required in CI ({exe}): scripts/_env.sh installs it")
        pytest.skip(f"locust is not installed ({exe}): scripts/test installs it")
    return found


@pytest.fixture
def cluster_database():
    """An empty database of its own on the test run's PostgreSQL server;
    dropped afterwards. Yields its URL."""
    db = connection.settings_dict
    name = f"rattinsats_cluster_{os.getpid()}"
    server = {
        "host": db["HOST"] or "localhost",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": db["NAME"] or "postgres",
        "autocommit": True,
    }
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(**server) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    yield f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(**server) as admin:
        admin.execute(drop)


def test_two_servers_and_two_workers_serve_one_flow_without_a_failure_or_a_job_run_twice(
    cluster_database, tmp_path
):
    locust = _locust()
    summary = tmp_path / "summary.json"
    run = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "loadtest/cluster.py",
            "--database-url",
            cluster_database,
            "--servers",
            "2",
            "--server-processes",
            "1",
            "--workers",
            "2",
            "--users",
            "8",
            "--counsellors",
            "2",
            "--run-time",
            "25s",
            # Short pauses and a quick start: a dense flow to check, not
            # people's pace (the README's load test has that).
            "--think",
            "0.5,2",
            "--spawn-rate",
            "10",
            "--http-port",
            str(HTTP_PORT),
            "--locust",
            locust,
            "--quick",
            "--out",
            str(tmp_path / "run"),
            "--json",
            str(summary),
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    output = run.stdout + run.stderr
    assert summary.exists(), output
    result = json.loads(summary.read_text())
    failed = {name: c["detail"] for name, c in result["checks"].items() if not c["passed"]}
    assert not failed, output
    assert run.returncode == 0, output
    # The flow really crossed the servers and queued jobs.
    assert result["failures"] == 0 and result["requests"] > 0
    assert len(result["per_server"]) == 2
    assert result["referrals_sent"] > 0, output
