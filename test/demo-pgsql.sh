#!/bin/bash
# The main job until the two-node demo cluster exists: ocf:qvd:pgsql,
# installed where Pacemaker looks for it (make install), driven by
# Pacemaker's own crm_resource and by ocf-tester against a private
# PostgreSQL 15 instance. It shows a start, the write check, a crash of the
# postmaster found by the monitor and repaired by a restart, and a stop.
set -euo pipefail

PGBIN=${QVD_PG_BINDIR:-/usr/lib/postgresql/15/bin}
AGENT=/usr/lib/ocf/resource.d/qvd/pgsql
[ "$(id -u)" = 0 ] || { echo "run as root (the agent runs PostgreSQL as postgres)" >&2; exit 1; }
[ -x "$AGENT" ] || { echo "$AGENT missing: run make install" >&2; exit 1; }

root=$(mktemp -d /tmp/qvd-demo-pgsql.XXXXXX)
port=55432
cleanup() {
	pkill -KILL -f -- "-D $root/data" 2>/dev/null || true
	rm -rf "$root"
}
trap cleanup EXIT
chown postgres: "$root"
runuser -u postgres -- "$PGBIN/initdb" -D "$root/data" --auth-local=trust -E UTF8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" start -w -D "$root/data" -l "$root/log" -o "-k $root -p $port" >/dev/null
runuser -u postgres -- psql -q -h "$root" -p "$port" -c "create database qvddb"
runuser -u postgres -- "$PGBIN/pg_ctl" stop -w -D "$root/data" >/dev/null

opts=(--class ocf --provider qvd --agent pgsql
	--option "pgctl=$PGBIN/pg_ctl" --option "pgdata=$root/data" --option "pgport=$port"
	--option "socketdir=$root" --option "logfile=$root/log" --option pgdb=qvddb)
step() { echo; echo "== $*"; }
rsc() { crm_resource "$@" "${opts[@]}"; }

step "crm_resource --validate"
rsc --validate
step "crm_resource --force-start (creates pacemaker_monitor, proves a write)"
rsc --force-start
step "crm_resource --force-check"
rsc --force-check
step "pacemaker_monitor as the monitor left it"
runuser -u postgres -- psql -h "$root" -p "$port" -d qvddb -c "select * from pacemaker_monitor"
step "kill -9 of the postmaster; the monitor must say 'not running' with a reason"
kill -9 "$(head -1 "$root/data/postmaster.pid")"
if rsc --force-check; then echo "monitor did not notice the crash" >&2; exit 1; fi
step "crm_resource --force-start recovers (orphaned backends and stale lock files cleared)"
rsc --force-start
rsc --force-check
step "crm_resource --force-stop"
rsc --force-stop
step "ocf-tester"
ocf-tester -n pg -o "pgctl=$PGBIN/pg_ctl" -o "pgdata=$root/data" -o "pgport=$port" \
	-o "socketdir=$root" -o "logfile=$root/log" -o pgdb=qvddb "$AGENT"
echo
echo "demo-pgsql: ocf:qvd:pgsql passed every step"
