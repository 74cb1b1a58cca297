#!/usr/bin/env bash
# Sets up, starts a test PostgreSQL, then runs every test project; ends with one line: N passed, N failed, N skipped.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(portal_root)"

scripts/setup.sh || exit 1

# The server's persistence tests run on SQLite and on PostgreSQL; without a server they fail rather than skip.
# Start a private one on 127.0.0.1 unless PORTAL_TEST_POSTGRES already names one.
if [ -z "${PORTAL_TEST_POSTGRES:-}" ]; then
  postgres_env=$(scripts/test-postgres.sh) || die "could not start the test PostgreSQL (see above)"
  eval "$postgres_env"
fi
export PORTAL_TEST_POSTGRES

results=$(mktemp -d)
passed=0; failed=0; skipped=0; status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  log="$results/$name.log"
  dotnet test "$project" -c Release --no-build --nologo --results-directory "TestResults/$name" 2>&1 | tee "$log"
  code=${PIPESTATUS[0]}
  summary=$(grep -E "(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+" "$log" | tail -1)
  if [ -z "$summary" ]; then
    echo "$name: no test summary (the run crashed or found no tests)"
    failed=$((failed + 1)); status=1; continue
  fi
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
  p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  s=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$code" -eq 0 ] || status=1
  # The browser tests' full-page screenshots (one set per run) are kept beside the test results.
  shots=$(find "tests/$name/bin" -type d -name screenshots 2>/dev/null | head -1)
  if [ -n "$shots" ]; then
    rm -rf "TestResults/$name/screenshots" && mkdir -p "TestResults/$name" && cp -r "$shots" "TestResults/$name/screenshots"
    echo "$name: screenshots in TestResults/$name/screenshots"
  fi
done
rm -rf "$results"
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
