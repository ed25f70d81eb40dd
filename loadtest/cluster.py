"""Several app servers and workers against one PostgreSQL, driven by locust
(README, "Several app servers" and "Load test").

    .venv/bin/python loadtest/cluster.py            # 2 servers, 2 workers, 50 staff, 60 s

Starts N gunicorn instances on loopback ports one after the other (the same
database, the same folder of uploads) and M job workers (``manage.py
run_worker``), with production-like settings as ``loadtest/run.sh`` has them;
then locust (``loadtest/locustfile.py``) with the staff users and a few
referring counsellors, each user sending its requests to the servers in
turn with one session. After the run it waits for the queue to empty, stops
everything and checks:

- no request failed (and every server answered some);
- every job finished, none is left queued or running, none failed, and none
  was claimed more than once (``worker_ids``): each ran exactly once;
- the mails in the file backend's folder are the mail jobs that sent one;
- each referral saved queued one mail per employment officer, and its
  consent form is in the shared uploads; each journal note posted is saved
  (in the database: a request cut off by the end of the run may be saved
  without locust counting it).

It prints the figures and the checks (``--json`` writes them too) and exits
non-zero when a check fails. The database is a throwaway PostgreSQL cluster
(``initdb`` on ``--pg-port``) unless ``--database-url`` names an empty
database, which it migrates and fills with the demo data. Only ever on
loopback. ``tests/test_two_servers_pg.py`` runs it for a short while.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, never another address
WAIT = 60  # seconds for a server to answer, a process to stop


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=2, help="gunicorn instances (2)")
    parser.add_argument(
        "--server-processes", type=int, default=2, help="gunicorn workers of each instance (2)"
    )
    parser.add_argument("--workers", type=int, default=2, help="job workers, run_worker (2)")
    parser.add_argument("--users", type=int, default=50, help="staff users (50)")
    parser.add_argument(
        "--counsellors", type=int, default=2, help="referring counsellors, besides (2)"
    )
    parser.add_argument("--run-time", default="90s", help="locust's run time (90s)")
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=2,
        help="users started a second (2: the logins' password hashing spread over the "
        "ramp-up, which the pages' times leave out)",
    )
    parser.add_argument(
        "--think",
        default="2,8",
        help="seconds a user pauses between pages, MIN,MAX (2,8; 0.5,2 is a stress test)",
    )
    parser.add_argument("--http-port", type=int, default=8341, help="the first server's port")
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (default: a throwaway cluster)"
    )
    parser.add_argument("--pg-port", type=int, default=54339, help="the throwaway cluster's")
    parser.add_argument(
        "--locust",
        default=os.environ.get("LOCUST") or str(ROOT / ".venv-load" / "bin" / "locust"),
        help="the locust executable (default .venv-load/bin/locust)",
    )
    parser.add_argument("--out", help="logs, CSV and mails (default a new temporary folder)")
    parser.add_argument("--json", help="write the figures and checks to this file")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="plain static files, no collectstatic (the test; locust fetches no static file)",
    )
    parser.add_argument("--drain-timeout", type=float, default=120)
    return parser.parse_args(argv)


# --- processes -------------------------------------------------------------------


class Processes:
    """The processes this run started; stopped by their own ids only."""

    def __init__(self) -> None:
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - our own commands
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self.started.append((name, process))

    def stop(self, prefix: str = "") -> dict[str, int | None]:
        """SIGTERM (a worker finishes its job first), then wait; SIGKILL
        whatever is still running after WAIT seconds."""
        chosen = [(n, p) for n, p in self.started if n.startswith(prefix)]
        for _name, process in chosen:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, process in chosen:
            try:
                codes[name] = process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait(timeout=WAIT)
        self.started = [(n, p) for n, p in self.started if not n.startswith(prefix)]
        return codes

    def dead(self) -> list[str]:
        return [name for name, process in self.started if process.poll() is not None]


@contextlib.contextmanager
def throwaway_cluster(port: int):
    """A PostgreSQL cluster of its own on loopback, removed afterwards."""
    pgbins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    pgbin = pgbins[-1] if pgbins else Path(shutil.which("initdb") or "initdb").parent
    root = Path(tempfile.mkdtemp(prefix="rattinsats-cluster-pg-"))
    as_pg: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]

    def pg(*command: str) -> None:
        subprocess.run([*as_pg, *command], check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    pg(
        str(pgbin / "initdb"),
        "-D",
        str(root / "data"),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    pg(
        str(pgbin / "pg_ctl"),
        "-D",
        str(root / "data"),
        "-l",
        str(root / "log"),
        "-w",
        "-t",
        "30",
        "-o",
        f"-p {port} -k {root} -c listen_addresses={HOST} -c max_connections=200",
        "start",
    )
    try:
        yield f"postgres://postgres@{HOST}:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg(str(pgbin / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def wait_until_up(url: str, processes: Processes) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if processes.dead():
            raise SystemExit(f"stopped while starting: {', '.join(processes.dead())}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url + "/healthz", timeout=2):  # noqa: S310 - loopback
                return
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {WAIT} s")


# --- the run -----------------------------------------------------------------------


def environment(args: argparse.Namespace, out: Path, database_url: str) -> dict[str, str]:
    """Production-like settings on plain HTTP over loopback, as run.sh has
    them; mails into files, to count them; no daily digest (it would add
    mails of its own)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": str(out / "static"),
        # One folder for every server: the shared storage of the uploads.
        "DJANGO_PRIVATE_MEDIA_ROOT": str(out / "uploads"),
        # Four slashes: django-environ drops the first of the path.
        "DJANGO_EMAIL_URL": f"filemail:///{out / 'mail'}",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CONN_MAX_AGE": "60",
        "RATTINSATS_REQUIRE_2FA": "0",
        "RATTINSATS_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "RATTINSATS_DIGEST_ENABLED": "0",
    }
    if args.quick:
        env["DJANGO_STATICFILES_STORAGE"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    return env


def prepare(args: argparse.Namespace, env: dict[str, str], out: Path) -> None:
    python = sys.executable
    steps = [["migrate", "--noinput", "-v", "0"], ["seed_demo"]]
    if not args.quick:
        steps.insert(1, ["collectstatic", "--noinput", "-v", "0"])
    for step in steps:
        with (out / "prepare.log").open("ab") as log:
            subprocess.run(  # noqa: S603
                [python, "manage.py", *step], cwd=ROOT, env=env, stdout=log, check=True
            )


def run_locust(args: argparse.Namespace, env: dict[str, str], out: Path, servers: list[str]) -> int:
    users = args.users + args.counsellors
    classes = ["Staff", "Counsellor"] if args.counsellors else ["Staff"]
    locust_env = {
        **env,
        "LOADTEST_SERVERS": ",".join(servers),
        "LOADTEST_COUNSELLORS": str(args.counsellors),
        "LOADTEST_PAGE_TIMES": str(out / "page_times.json"),
        "LOADTEST_THINK": args.think,
    }
    command = [
        args.locust,
        "-f",
        str(ROOT / "loadtest" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.run_time,
        "--stop-timeout",
        "10",
        "--host",
        servers[0],
        "--csv",
        str(out / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    with (out / "locust.txt").open("wb") as log:
        return subprocess.run(  # noqa: S603
            command, cwd=ROOT, env=locust_env, stdout=log, stderr=subprocess.STDOUT
        ).returncode


def drain(timeout: float) -> int:
    """Wait until no job is queued or running; the number left."""
    from django.db.models import Q
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    pending = Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING)
    deadline = time.monotonic() + timeout
    while True:
        left = DBTaskResult.objects.filter(pending).count()
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def figures(out: Path) -> dict:
    rows = list(csv.DictReader((out / "locust_stats.csv").open(encoding="utf-8")))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    by_name = {r["Name"]: r for r in rows}
    try:
        pages = json.loads((out / "page_times.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pages = {}
    notes = by_name.get("deltagare/[id]/journal/ (spara)")
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "throughput": round(float(total["Requests/s"]), 1),
        "median_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "think_s": pages.get("think_s"),
        "pages_after_login": {
            key: pages.get(key) for key in ("requests", "median_ms", "p95_ms", "p99_ms")
        },
        "pages": pages.get("pages", {}),
        "per_server": pages.get("servers", {}),
        "referrals_sent": pages.get("referrals_sent", 0),
        "journal_notes_posted": (
            int(notes["Request Count"]) - int(notes["Failure Count"]) if notes else 0
        ),
    }


def checks(result: dict, out: Path, servers: list[str]) -> dict[str, tuple[bool, str]]:
    """What must hold after the run; each a (passed, detail) pair."""
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from casework.models import JournalNote
    from rattinsats.models import Role, User
    from referrals.models import Referral

    jobs = list(DBTaskResult.objects.values("status", "worker_ids", "task_path", "return_value"))
    by_status: dict[str, int] = {}
    for job in jobs:
        by_status[job["status"]] = by_status.get(job["status"], 0) + 1
    claimed_twice = sum(1 for job in jobs if len(job["worker_ids"]) != 1)
    mail_jobs = [j for j in jobs if j["task_path"].endswith(".user_mail_send")]
    mails_sent = sum(1 for j in mail_jobs if j["return_value"] == "sent")
    mail_files = sorted((out / "mail").glob("*")) if (out / "mail").exists() else []
    mails_in_files = sum(
        f.read_text(encoding="utf-8", errors="replace").count("\nMessage-ID: ") for f in mail_files
    )
    officers = (
        User.objects.filter(is_active=True, role=Role.EMPLOYMENT_OFFICER).exclude(email="").count()
    )
    new_referral_mails = sum(
        1
        for job in DBTaskResult.objects.filter(task_path__endswith=".user_mail_send").values_list(
            "args_kwargs", flat=True
        )
        if "En ny anvisning har kommit in" in str(job["args"][1])
    )
    # Counted in the database: a request cut off by the end of the run may
    # have been saved without locust counting it.
    referrals = Referral.objects.filter(last_name="Lasttestsson")
    saved = referrals.count()
    documents = [r.consent_document.name for r in referrals]
    stored = sum(1 for name in documents if name and default_storage.exists(name))
    notes = JournalNote.objects.filter(text="Lasttest: daganteckning.").count()
    sent = int(result["referrals_sent"])
    per_server: dict[str, int] = result["per_server"]
    addresses = [s.removeprefix("http://") for s in servers]
    return {
        "no failed request": (
            result["failures"] == 0 and int(result["requests"]) > 0,
            f"{result['failures']} of {result['requests']}",
        ),
        "every server answered": (
            all(per_server.get(a, 0) > 0 for a in addresses),
            ", ".join(f"{a}: {per_server.get(a, 0)}" for a in addresses),
        ),
        "no job queued or running": (
            by_status.get(TaskResultStatus.READY, 0) + by_status.get(TaskResultStatus.RUNNING, 0)
            == 0,
            json.dumps(by_status),
        ),
        "no job failed": (by_status.get(TaskResultStatus.FAILED, 0) == 0, json.dumps(by_status)),
        "every job claimed once (ran exactly once)": (
            claimed_twice == 0,
            f"{len(jobs)} jobs, {claimed_twice} claimed other than once",
        ),
        "mails sent = mails in the folder": (
            mails_sent == mails_in_files,
            f"{mails_sent} mail jobs sent, {mails_in_files} mails in {len(mail_files)} files",
        ),
        "a mail job per referral and officer": (
            new_referral_mails == saved * officers and saved >= sent,
            f"{sent} referrals sent ({saved} saved), {officers} officers, "
            f"{new_referral_mails} mail jobs",
        ),
        "consent forms in the shared uploads": (
            stored == saved,
            f"{stored} of {saved} in {settings.STORAGES['default']['OPTIONS']['location']}",
        ),
        "journal notes saved": (
            notes >= result["journal_notes_posted"],
            f"{result['journal_notes_posted']} posted, {notes} saved",
        ),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="rattinsats-cluster-"))
    out.mkdir(parents=True, exist_ok=True)
    locust_path = shutil.which(args.locust)
    if locust_path is None:
        print(f"locust not found ({args.locust}): pip install '.[load]' in .venv-load")
        return 2
    args.locust = locust_path
    servers = [f"http://{HOST}:{args.http_port + i}" for i in range(args.servers)]
    load_before = os.getloadavg()
    with contextlib.ExitStack() as stack:
        database_url = args.database_url or stack.enter_context(throwaway_cluster(args.pg_port))
        env = environment(args, out, database_url)
        prepare(args, env, out)
        print("Demo data loaded.", flush=True)
        processes = Processes()
        stack.callback(processes.stop)
        for i, url in enumerate(servers):
            processes.start(
                f"server-{i + 1}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    url.removeprefix("http://"),
                    "--workers",
                    str(args.server_processes),
                    "--log-level",
                    "warning",
                    # Several instances on one machine: none needs the control socket.
                    "--no-control-socket",
                ],
                env,
                out / f"server-{i + 1}.log",
            )
        for i in range(args.workers):
            processes.start(
                f"worker-{i + 1}",
                [sys.executable, "manage.py", "run_worker", "--no-reload"],
                env,
                out / f"worker-{i + 1}.log",
            )
        for url in servers:
            wait_until_up(url, processes)
        print(
            f"locust: {args.users} staff + {args.counsellors} counsellors, {args.run_time}, "
            f"against {', '.join(servers)} ({args.server_processes} processes each) "
            f"with {args.workers} workers",
            flush=True,
        )
        locust_status = run_locust(args, env, out, servers)
        load_after = os.getloadavg()

        # The checks read the same database, with the same settings.
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        left = drain(args.drain_timeout)
        died = processes.dead()
        codes = processes.stop("worker-")
        processes.stop()
        result = figures(out)
        result.update(
            {
                "locust_exit": locust_status,
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in load_after],
                "jobs_left_after_drain": left,
                "workers_exit": codes,
            }
        )
        found = checks(result, out, servers)
        found["no process died during the run"] = (not died, ", ".join(died) or "none")
        found["workers stopped cleanly"] = (
            all(code == 0 for code in codes.values()),
            json.dumps(codes),
        )
        from django.db import connections

        connections.close_all()

    print((out / "locust.txt").read_text(encoding="utf-8", errors="replace"))
    pages: dict = result["pages_after_login"]
    print(f"requests:    {result['requests']}")
    print(f"failures:    {result['failures']}")
    print(f"throughput:  {result['throughput']} requests/s")
    print(f"median:      {result['median_ms']:.0f} ms")
    print(f"p95:         {result['p95_ms']:.0f} ms")
    print(f"p99:         {result['p99_ms']:.0f} ms")
    if pages.get("requests"):
        print(
            f"pages after login ({pages['requests']} requests): median "
            f"{pages['median_ms']:.0f} ms, p95 {pages['p95_ms']:.0f} ms, "
            f"p99 {pages['p99_ms']:.0f} ms"
        )
    for name, page in result["pages"].items():
        print(f"  {name}: {page['requests']} requests, p95 {page['p95_ms']:.0f} ms")
    print(f"per server:  {result['per_server']}")
    print(f"load average before {result['load_average_before']}, after {load_after}")
    print()
    for name, (passed, detail) in found.items():
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}")
    result["checks"] = {name: {"passed": p, "detail": d} for name, (p, d) in found.items()}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"Logs, CSV and mails: {out}")
    return 0 if all(passed for passed, _ in found.values()) and locust_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
