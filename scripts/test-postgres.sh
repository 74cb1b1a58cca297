#!/usr/bin/env bash
# Starts a private PostgreSQL for the tests on 127.0.0.1 (or finds it running) and prints the one line that points
# the tests at it:   eval "$(scripts/test-postgres.sh)"   then   dotnet test tests/Portal.Server.Tests
# Installs Debian's postgresql when it is missing. The cluster lives in $PORTAL_TEST_PG_DIR (default
# /tmp/portal-test-postgres), listens on 127.0.0.1:$PORTAL_TEST_PG_PORT (default 55432) only, runs as the
# postgres user when started by root (as the caller otherwise), and trades durability for speed (fsync off):
# it holds nothing but throw-away test databases. Idempotent: a running cluster is reused.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port=${PORTAL_TEST_PG_PORT:-55432}
dir=${PORTAL_TEST_PG_DIR:-/tmp/portal-test-postgres}
role=portal
password=portal

ensure_debian_packages postgresql >&2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || die "postgresql is installed but no /usr/lib/postgresql/*/bin/pg_ctl was found"

if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  id "$owner" >/dev/null 2>&1 || die "the postgres user is missing (it comes with Debian's postgresql-common)"
  as_owner() { (cd "$dir" && runuser -u "$owner" -- "$@"); }
else
  owner=$(id -un)
  as_owner() { "$@"; }
fi

mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown "$owner:" "$dir"
[ "$(stat -c %U "$dir")" = "$owner" ] || die "$dir belongs to $(stat -c %U "$dir"), not $owner; remove it or set PORTAL_TEST_PG_DIR"
chmod 700 "$dir"

if [ ! -f "$dir/data/PG_VERSION" ]; then
  echo "Creating a test PostgreSQL cluster in $dir/data" >&2
  # Local (socket) connections are trusted: the socket lives in $dir, which only $owner can enter.
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
    || die "initdb failed; see $dir/initdb.log"
fi

if ! as_owner "$bin/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
  echo "Starting the test PostgreSQL on 127.0.0.1:$port" >&2
  as_owner "$bin/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || die "PostgreSQL did not start; the end of $dir/server.log says: $(tail -5 "$dir/server.log" 2>/dev/null)"
fi

psql_admin() { as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != "1" ]; then
  psql_admin -c "CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password'" >/dev/null || die "could not create the $role role"
fi

echo "export PORTAL_TEST_POSTGRES=\"Host=127.0.0.1;Port=$port;Username=$role;Password=$password\""
