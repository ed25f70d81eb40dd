#!/usr/bin/env bash
# Load test: gunicorn + a throwaway PostgreSQL cluster on loopback, driven by
# locust (50 staff users, 60 s). Prints throughput and p95; exits non-zero
# when any request failed. Several servers and workers: loadtest/cluster.py.
#
#   loadtest/run.sh
#
# Environment (all optional):
#   PYTHON          the project's Python (default .venv/bin/python)
#   LOCUST          the locust executable (default: locust on PATH); install
#                   it apart from the test venv: pip install '.[load]'
#   LOADTEST_PG_PORT, LOADTEST_HTTP_PORT   default 54338 and 8338
#   LOADTEST_USERS_N, LOADTEST_RUN_TIME, LOADTEST_WORKERS   default 50, 60s, 4
#   LOADTEST_OUT    where logs and CSV files go (default a new temporary folder)
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
LOCUST=${LOCUST:-locust}
PG_PORT=${LOADTEST_PG_PORT:-54338}
HTTP_PORT=${LOADTEST_HTTP_PORT:-8338}
USERS=${LOADTEST_USERS_N:-50}
RUN_TIME=${LOADTEST_RUN_TIME:-60s}
WORKERS=${LOADTEST_WORKERS:-4}
HOST=127.0.0.1  # loopback only, never another address
OUT=${LOADTEST_OUT:-$(mktemp -d -t rattinsats-load.XXXXXX)}
mkdir -p "$OUT"

command -v "$LOCUST" >/dev/null || { echo "locust not found: pip install '.[load]'" >&2; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || PGBIN=$(dirname "$(command -v initdb)")

# --- throwaway PostgreSQL cluster ------------------------------------------------
PGROOT=$(mktemp -d -t rattinsats-pg.XXXXXX)
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGROOT"
GUNICORN_PID=""
cleanup() {
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill "$GUNICORN_PID"
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGROOT"
}
trap cleanup EXIT

echo "PostgreSQL on $HOST:$PG_PORT …"
as_pg "$PGBIN/initdb" -D "$PGROOT/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
    --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -t 30 \
    -o "-p $PG_PORT -k $PGROOT -c listen_addresses=$HOST -c max_connections=100" start >/dev/null

# --- production-like settings, plain HTTP on loopback ------------------------------
export DATABASE_URL="postgres://postgres@$HOST:$PG_PORT/postgres"
export DJANGO_DEBUG=0
DJANGO_SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=$HOST
export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0
export DJANGO_STATIC_ROOT="$OUT/static" DJANGO_PRIVATE_MEDIA_ROOT="$OUT/uploads"
export DJANGO_EMAIL_URL="consolemail://"
export DJANGO_LOG_LEVEL=WARNING
export RATTINSATS_REQUIRE_2FA=0
export LOADTEST_PAGE_TIMES="$OUT/page_times.json"

"$PYTHON" manage.py migrate --noinput -v 0
"$PYTHON" manage.py collectstatic --noinput -v 0
"$PYTHON" manage.py seed_demo >/dev/null
echo "Demo data loaded."

"$PYTHON" -m gunicorn config.wsgi --bind "$HOST:$HTTP_PORT" --workers "$WORKERS" \
    --log-level warning --error-logfile "$OUT/gunicorn.log" &
GUNICORN_PID=$!
for _ in $(seq 60); do
    "$PYTHON" -c "import urllib.request as u; u.urlopen('http://$HOST:$HTTP_PORT/konto/logga-in/', timeout=2)" \
        2>/dev/null && break
    sleep 0.5
done

echo "locust: $USERS users, $RUN_TIME against http://$HOST:$HTTP_PORT (gunicorn, $WORKERS workers)"
set +e
"$LOCUST" -f loadtest/locustfile.py --headless --users "$USERS" --spawn-rate 10 \
    --run-time "$RUN_TIME" --stop-timeout 10 --host "http://$HOST:$HTTP_PORT" \
    --csv "$OUT/locust" --only-summary --loglevel WARNING Staff > "$OUT/locust.txt" 2>&1
LOCUST_STATUS=$?
set -e
cat "$OUT/locust.txt"

"$PYTHON" - "$OUT/locust_stats.csv" "$LOCUST_STATUS" "$LOADTEST_PAGE_TIMES" <<'EOF'
import csv
import json
import sys

rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
total = next(r for r in rows if r["Name"] == "Aggregated")
requests, failures = int(total["Request Count"]), int(total["Failure Count"])
print()
print(f"requests:    {requests}")
print(f"failures:    {failures}")
print(f"throughput:  {float(total['Requests/s']):.1f} requests/s")
print(f"median:      {total['50%']} ms")
print(f"p95:         {total['95%']} ms")
print(f"p99:         {total['99%']} ms")
try:
    pages = json.load(open(sys.argv[3], encoding="utf-8"))
    print(
        f"pages after login ({pages['requests']} requests): median {pages['median_ms']:.0f} ms, "
        f"p95 {pages['p95_ms']:.0f} ms, p99 {pages['p99_ms']:.0f} ms"
    )
except (OSError, ValueError, KeyError, TypeError):
    print("pages after login: no figures")
sys.exit(1 if failures or requests == 0 or sys.argv[2] != "0" else 0)
EOF
echo "Logs and CSV: $OUT"
