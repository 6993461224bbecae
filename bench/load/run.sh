#!/usr/bin/env bash
# `make load`: a bounded load test on loopback. Its own PostgreSQL (port 5446; or the seeded
# database of LOAD_DATABASE_URL) and Redis (port
# 6396, the cache and the broker, as docs/deploy.md deploys them), a city of LOAD_TEACHERS
# teachers (seed_demo), gunicorn with the production settings (port 8110), a Celery worker for
# the HR exports, then locust: LOAD_USERS teachers for LOAD_DURATION, and the floor
# (a minimal view on the same server). Figures: bench/results/load.json and the printed table.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec </dev/null

PY=.venv/bin/python
LOCUST=.venv-load/bin/locust
TEACHERS=${LOAD_TEACHERS:-100000}
USERS=${LOAD_USERS:-200}
DURATION=${LOAD_DURATION:-180s}
FLOOR_DURATION=${LOAD_FLOOR_DURATION:-60s}
PGPORT=${LOAD_PGPORT:-5446}
WEBPORT=${LOAD_WEBPORT:-8110}
REDISPORT=${LOAD_REDISPORT:-6396}
PGBIN=/usr/lib/postgresql/15/bin
WORK=$(mktemp -d /tmp/lms-load.XXXXXX)
chmod 755 "$WORK"
PIDS=()

cleanup() {
    status=$?
    set +e
    for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; done
    sleep 1
    [ -d "$WORK/pg" ] && su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $WORK/pg -m fast -w stop" >/dev/null 2>&1
    redis-cli -p "$REDISPORT" shutdown nosave >/dev/null 2>&1
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$PGBIN/initdb" ] || ! command -v redis-server >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
fi
# LOAD_DATABASE_URL: an already seeded PostgreSQL database (its own server, left running);
# the run then neither creates a cluster nor seeds, and adds its enrolments and jobs to it.
if [ -z "${LOAD_DATABASE_URL:-}" ]; then
    install -d -o postgres -g postgres -m 700 "$WORK/pg"
    su postgres -s /bin/sh -c "$PGBIN/initdb -D $WORK/pg -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $WORK/pg -l $WORK/pg/server.log -w -t 30 -o '-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK/pg -c max_connections=200' start" >/dev/null
    psql -h 127.0.0.1 -p "$PGPORT" -U postgres -q -c "CREATE DATABASE lms"
fi
redis-server --bind 127.0.0.1 --port "$REDISPORT" --daemonize yes --dir "$WORK" \
    --pidfile "$WORK/redis.pid" --save "" --appendonly no >/dev/null
for _ in $(seq 1 50); do redis-cli -p "$REDISPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DJANGO_SETTINGS_MODULE=lms.settings.production
# Locust logs in as HR with a password only: two-step verification is off for the load run.
export DJANGO_STAFF_MFA_REQUIRED=false
DJANGO_SECRET_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(64))")
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:$PGPORT/lms}"
export DJANGO_DATA_DIR="$WORK/data" DJANGO_STATIC_ROOT="$WORK/static"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDISPORT/0"
export DJANGO_CACHE_URL="rediscache://127.0.0.1:$REDISPORT/1"
export DJANGO_LOG_LEVEL=WARNING
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
mkdir -p "$WORK/data/private" "$WORK/data/media"

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
if [ -z "${LOAD_DATABASE_URL:-}" ]; then
    echo "== seed_demo --teachers $TEACHERS"
    start=$(date +%s)
    $PY manage.py seed_demo --teachers "$TEACHERS" >/dev/null
    seed_seconds=$(( $(date +%s) - start ))
    echo "seeded in ${seed_seconds}s"
else
    seed_seconds=null
    TEACHERS=$($PY manage.py shell -c "from people.models import Teacher; print(Teacher.objects.count())" | tail -1)
    echo "== the seeded database of LOAD_DATABASE_URL: $TEACHERS teachers"
fi
# After a bulk load, as deployed: the stored staff figures (24 month ends and today).
$PY manage.py rebuild_figures
$PY bench/load/prepare.py "$WORK/plan.json" --teachers "$USERS"

WORKERS=$(( 2 * $(nproc) + 1 ))
set -m
# The access log (worker, request, status, bytes, milliseconds) says which requests were slow.
.venv/bin/gunicorn lms.wsgi -w "$WORKERS" -b "127.0.0.1:$WEBPORT" --log-level warning \
    --error-logfile "$WORK/gunicorn.log" --access-logfile "$WORK/access.log" \
    --access-logformat '%(p)s "%(r)s" %(s)s %(B)s %(M)s' & PIDS+=($!)
.venv/bin/celery -A lms worker --pool=solo -Q default,heavy -l warning >"$WORK/worker.log" 2>&1 & PIDS+=($!)
set +m
for _ in $(seq 1 100); do
    curl -fsS -H "X-Forwarded-Proto: https" "http://127.0.0.1:$WEBPORT/healthz/" >/dev/null 2>&1 && break
    sleep 0.2
done

export LOAD_PLAN="$WORK/plan.json" LOAD_ORIGIN="https://127.0.0.1:$WEBPORT"
# The machine may be shared: its load average beside the figures.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== $USERS teachers, city HR exports, city and district HR figures for $DURATION"
$LOCUST -f bench/load/locustfile.py --headless -u "$((USERS + 3))" -r "${LOAD_SPAWN_RATE:-5}" -t "$DURATION" \
    --host "http://127.0.0.1:$WEBPORT" --csv "$WORK/load" --only-summary --stop-timeout 15 \
    TeacherUser HRUser CityHRFigures DistrictHRFigures || true
echo "== the floor: a minimal view, $USERS users for $FLOOR_DURATION"
$LOCUST -f bench/load/locustfile.py --headless -u "$USERS" -r 50 -t "$FLOOR_DURATION" \
    --host "http://127.0.0.1:$WEBPORT" --csv "$WORK/floor" --only-summary FloorUser || true

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
exports_done=$($PY manage.py shell -c "from hr.models import Job; print(Job.objects.filter(status='done').count(), 'of', Job.objects.count())" 2>/dev/null | tail -1)
meta=$(printf '{"teachers": %s, "users": %s, "duration": "%s", "gunicorn_workers": %s, "cpus": %s, "seed_seconds": %s, "exports_done_of_requested": "%s", "database": "PostgreSQL 15", "loadavg_before": "%s", "loadavg_after_floor": "%s"}' \
    "$TEACHERS" "$USERS" "$DURATION" "$WORKERS" "$(nproc)" "$seed_seconds" "$exports_done" "$load_before" "$load_after")
$PY bench/load/summarise.py "$WORK/load_stats.csv" "$WORK/floor_stats.csv" --out bench/results/load.json --meta "$meta" \
    --access "$WORK/access.log"
if [ -n "${LOAD_KEEP_ACCESS_LOG:-}" ]; then cp "$WORK/access.log" "$LOAD_KEEP_ACCESS_LOG"; fi
if [ -s "$WORK/gunicorn.log" ]; then echo "== gunicorn errors (last lines)"; tail -20 "$WORK/gunicorn.log"; fi
