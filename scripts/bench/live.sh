#!/usr/bin/env bash
# Live latency benchmark: how long a training step takes from the engine to the screens of LIVE_VIEWERS (10)
# headless Chromium viewers of its run page. Publishes the portal (as scripts/run.sh does) and starts it with a
# fresh data folder, makes a Contributor (API key) and a Viewer, queues a long "release" run and behind it the
# measured run: LIVE_SPEC (fashion-mlp) on Fashion-MNIST's 60 000 training images for LIVE_EPOCHS (2) epochs at
# batch LIVE_BATCH (64), 1 876 steps. scripts/bench/Portal.LiveBench opens the viewers — one Chromium, and per
# viewer a signed-in browser context with one page: its own window (so Chromium runs it as a front tab, at normal
# priority), renderer process and Blazor circuit — on /runs/{id}?live-timing,
# waits until each shows the run queued, then cancels the release run so the measured one starts with every
# viewer already subscribed: all its steps reach them live, through the real path (engine → TrainingJobHandler →
# LiveBus → the page's LiveFeed on its circuit → LiveChart → portal.js → uPlot).
#
# What is timed: the engine stamps each step with the wall clock when the step completes (StepCompleted.CompletedAt,
# Unix ms with sub-ms precision); the stamp travels with the point to the browser, and portal.js — only on a page
# opened with ?live-timing — takes performance.timeOrigin + performance.now() minus the stamp in uPlot's draw hook
# of the frame that first draws the point. Browser and portal run on this machine, on one clock.
#
# live_p95_ms: the 95th percentile of that latency over every point every viewer drew (nearest rank).
# live_points: points drawn, summed over the viewers (each viewer at most the run's step count).
# dropped_without_downsample: steps of the run (1..steps, steps = ceil(60 000 / batch) × epochs) that a viewer
#   never drew, summed over the viewers. Each viewer records the LiveBus sequence number of every point; points
#   must come in sequence order, once each, and two drawn steps must be at least as many sequence numbers apart
#   as steps apart (epoch and status events share the topic). A gap may be excused only by downsampling, which
#   the run page never does — its LiveFeed hands every event to the page, in batches — so every missing step is
#   a drop (a viewer whose bounded buffer overflowed).
#
# Prints the run's step count, per viewer its points, drops and p50/p95/max, then the last line:
#   RESULT live_p95_ms=… live_points=… dropped_without_downsample=…
# The first viewer's screenshot, every viewer's timings (timings.json) and the portal's log go to
# scripts/bench/out/live. Every process started here is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
root=$(portal_root)
cd "$root"

case "${1:-}" in
  -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) die "unknown argument '$1' (usage: scripts/bench/live.sh; settings: LIVE_VIEWERS, LIVE_SPEC, LIVE_EPOCHS, LIVE_BATCH)" ;;
esac
viewers=${LIVE_VIEWERS:-10}
spec=${LIVE_SPEC:-fashion-mlp}
epochs=${LIVE_EPOCHS:-2}
batch=${LIVE_BATCH:-64}
for setting in "LIVE_VIEWERS=$viewers" "LIVE_EPOCHS=$epochs" "LIVE_BATCH=$batch"; do
  [[ "${setting#*=}" =~ ^[1-9][0-9]*$ ]] || die "${setting%%=*} must be a whole number above 0, not '${setting#*=}'"
done

command -v dotnet >/dev/null || die "the .NET SDK is missing: install dotnet 10 (see global.json)"
ensure_debian_packages dataset-fashion-mnist gcc libc6-dev chromium curl jq
command -v npm >/dev/null || ensure_debian_packages npm
ensure_uplot
[ -x /usr/bin/chromium ] || die "Debian's Chromium is not at /usr/bin/chromium after installing the chromium package"
bench_machine

out=scripts/bench/out/live
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d)
portal_pid=""

cleanup() {
  stop "$portal_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The same publish as scripts/run.sh; the driver is its own small project (Playwright's driver stays out of the rest).
server=artifacts/server
driver=artifacts/livebench
echo "== publishing the server (Release) to $server and building the viewers' driver to $driver"
dotnet publish src/Portal.Server -c Release -o "$server" -nologo -clp:ErrorsOnly -v:q \
  || die "dotnet publish failed (see the errors above)"
dotnet build scripts/bench/Portal.LiveBench -c Release -o "$driver" -nologo -clp:ErrorsOnly -v:q \
  || die "building scripts/bench/Portal.LiveBench failed (see the errors above)"

# A free loopback port: one nothing answers on.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  die "found no free port on 127.0.0.1"
}

password="live-bench-$(date +%s)-$RANDOM"
port=$(free_port)
base="http://127.0.0.1:$port"
echo "== portal with a fresh data folder on $base"
PORTAL_DATA="$work/data" PORTAL_PORT="$port" PORTAL_ADMIN_PASSWORD="$password" \
  dotnet "$server/Portal.Server.dll" --contentRoot "$root/$server" > "$out/portal.log" 2>&1 &
portal_pid=$!
status=""
for _ in $(seq 240); do
  kill -0 "$portal_pid" 2>/dev/null || die "the portal exited during start-up; its log ($out/portal.log) ends with:
$(tail -20 "$out/portal.log")"
  status=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -c "$work/cookies" \
    --data "{\"userName\":\"admin\",\"password\":\"$password\"}" "$base/api/v1/auth/sign-in" || true)
  [ "$status" = 200 ] && break
  sleep 0.5
done
[ "$status" = 200 ] || die "the portal did not sign the admin in within 2 minutes (last HTTP $status); see $out/portal.log"

create_user() { # NAME ROLE → prints the new user's id
  call admin POST /api/v1/users "{\"userName\":\"$1\",\"password\":\"$password\",\"role\":\"$2\"}" | jq -r .id
  expect 201 "creating the $2 $1"
}
state_of() { call "$contributor" GET "/api/v1/runs/$1" | jq -r .state; }

contributor_id=$(create_user live-contributor Contributor)
contributor=$(call admin POST /api/v1/api-keys "{\"name\":\"live-bench\",\"expiresInDays\":1,\"userId\":\"$contributor_id\"}" | jq -r .secret)
expect 201 "creating an API key for live-contributor"
create_user live-viewer Viewer > /dev/null

datasets=$(call "$contributor" GET "/api/v1/datasets?limit=500")
expect 200 "listing the datasets"
dataset=$(jq -r '.items[] | select(.name == "fashion-mnist-train") | .id' <<<"$datasets")
samples=$(jq -r '.items[] | select(.name == "fashion-mnist-train") | .count' <<<"$datasets")
[ -n "$dataset" ] || die "the ready dataset fashion-mnist-train is not registered (is Debian's dataset-fashion-mnist installed?)"
steps=$(( (samples + batch - 1) / batch * epochs ))

# The release run holds the training lane while the viewers open; cancelling it starts the measured run.
release=$(call "$contributor" POST /api/v1/runs "{\"name\":\"live-bench-release\",\"datasetId\":\"$dataset\",\"spec\":\"fashion-mlp\",\"options\":{\"epochs\":100,\"batchSize\":128}}")
expect 201 "starting the release run"
release_run=$(jq -r .id <<<"$release")
release_job=$(jq -r .jobId <<<"$release")
for _ in $(seq 120); do
  [ "$(state_of "$release_run")" = Running ] && break
  sleep 0.5
done
[ "$(state_of "$release_run")" = Running ] || die "the release run is not running after a minute (state $(state_of "$release_run"))"

measured=$(call "$contributor" POST /api/v1/runs "{\"name\":\"live-bench\",\"datasetId\":\"$dataset\",\"spec\":\"$spec\",\"options\":{\"epochs\":$epochs,\"batchSize\":$batch,\"optimizer\":\"Adam\",\"learningRate\":0.001}}")
expect 201 "starting the measured run"
run=$(jq -r .id <<<"$measured")
[ "$(state_of "$run")" = Queued ] || die "the measured run should wait behind the release run, but it is $(state_of "$run")"
echo "== $spec on fashion-mnist-train ($samples images), $epochs epochs at batch $batch: $steps steps; $viewers viewers"

cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }
portal_cpu_before=$(cpu_seconds "$portal_pid")
"$driver/Portal.LiveBench" --portal "$base" --run "$run" --steps "$steps" --viewers "$viewers" \
  --user live-viewer --password "$password" --release-job "$release_job" --api-key "$contributor" \
  --limit-seconds 600 --out "$out" > "$out/result.txt" || {
  cat "$out/result.txt"
  die "the viewers' driver failed (see above; the portal's log is $out/portal.log)"
}
# The portal's CPU over the whole watch (the training run, the circuits, the release run's last batch).
grep -v '^RESULT ' "$out/result.txt"
echo "the portal (training and the viewers' circuits) used $(awk -v a="$portal_cpu_before" -v b="$(cpu_seconds "$portal_pid")" 'BEGIN { printf "%.1f", b - a }') s of CPU while the viewers watched"
grep '^RESULT ' "$out/result.txt" | with_cpu
