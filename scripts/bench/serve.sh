#!/usr/bin/env bash
# Serving benchmark (Open Inference Protocol v2 over HTTP on loopback). Publishes the portal and starts it with a
# fresh data folder, trains fashion-mlp and fashion-cnn for one epoch through the REST API, registers them as
# versions and puts them on `production` (requested by a Contributor, approved by an Approver), downloads their
# ONNX files for the peer — a Node server running the same files through onnxruntime-node@1.30.0
# (peers/serve_peer.js) — and drives each server with Debian's wrk (load/v2_infer.lua: single Fashion-MNIST test
# images as V2 JSON) at concurrency 1, 16 and 64 for BENCH_SECONDS (10) after BENCH_WARMUP (3) seconds:
# the portal with batching on (its defaults), the portal with batching off (Portal__Serving__MaxBatchSize=1),
# and the peer as one process with $(nproc) ORT threads and as $(nproc) processes with one thread each (its best
# per cell counts). Prints every cell; the last line is
#   RESULT serve_ratio_c64=… batching_gain_c64=… p99_ms_c64=… errors=…
# errors counts every failed request of every run, warm-ups included: status ≥ 400 and socket errors/timeouts.
#
#   scripts/bench/serve.sh --soak [MINUTES]   restarts the portal (batching on) after the set-up, drives it with
#   fashion-mlp at c=64 for MINUTES (10) after a 30 s warm-up and reports its resident memory at start and end
#   (each the mean of the readings taken every 5 s in the first and the last minute, lowest and peak too):
#   RESULT soak_minutes=… rss_start_mb=… rss_end_mb=… rss_growth_pct=… errors=…
# Figures and logs go to scripts/bench/out/serve. Every process started here is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
root=$(portal_root)
cd "$root"

mode=bench
soak_minutes=10
while [ $# -gt 0 ]; do
  case "$1" in
    --soak)
      mode=soak
      if [ $# -gt 1 ] && [[ "$2" != -* ]]; then soak_minutes=$2; shift; fi ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (usage: scripts/bench/serve.sh [--soak [MINUTES]])" ;;
  esac
  shift
done
[[ "$soak_minutes" =~ ^[0-9]+$ ]] && [ "$soak_minutes" -ge 1 ] || die "--soak takes whole minutes (≥ 1), not '$soak_minutes'"
seconds=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-3}
[[ "$seconds" =~ ^[0-9]+$ && "$warmup" =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] || die "BENCH_SECONDS and BENCH_WARMUP must be whole seconds"

command -v dotnet >/dev/null || die "the .NET SDK is missing: install dotnet 10 (see global.json)"
ensure_debian_packages dataset-fashion-mnist gcc libc6-dev wrk curl jq
command -v node >/dev/null && command -v npm >/dev/null || ensure_debian_packages nodejs npm
images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
[ -f "$images" ] || die "Fashion-MNIST test images are not at $images after installing dataset-fashion-mnist"
bench_machine

out=scripts/bench/out/serve
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d)
portal_pid=""
peer_pid=""

cleanup() {
  stop "$peer_pid"; stop "$portal_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== node peer: onnxruntime-node@1.30.0 (CPU binaries in the package; the CUDA download is skipped)"
(cd scripts/bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error) \
  || die "npm could not install the peer's packages (scripts/bench/peers/package-lock.json)"

# The same publish as scripts/run.sh.
server=artifacts/server
echo "== publishing the server (Release) to $server"
dotnet publish src/Portal.Server -c Release -o "$server" -nologo -clp:ErrorsOnly -v:q \
  || die "dotnet publish failed (see the errors above)"

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

password="serve-bench-$(date +%s)-$RANDOM"
data="$work/data"
starts=0
# start_portal [ENV=VALUE…]: starts the portal on a free loopback port with the data folder $data and waits until
# it signs the admin in and answers GET /v2/health/ready.
start_portal() {
  starts=$((starts + 1))
  port=$(free_port)
  base="http://127.0.0.1:$port"
  local log="$out/portal-$starts.log"
  env PORTAL_DATA="$data" PORTAL_PORT="$port" PORTAL_ADMIN_PASSWORD="$password" "$@" \
    dotnet "$server/Portal.Server.dll" --contentRoot "$root/$server" > "$log" 2>&1 &
  portal_pid=$!
  local status=""
  for _ in $(seq 240); do
    kill -0 "$portal_pid" 2>/dev/null || die "the portal exited during start-up; its log ($log) ends with:
$(tail -20 "$log")"
    status=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -c "$work/cookies" \
      --data "{\"userName\":\"admin\",\"password\":\"$password\"}" "$base/api/v1/auth/sign-in" || true)
    [ "$status" = 200 ] && break
    sleep 0.5
  done
  [ "$status" = 200 ] || die "the portal did not sign the admin in within 2 minutes (last HTTP $status); see $log"
  # Ready (200) or not yet (503); anything else means the V2 endpoints are missing or broken.
  for _ in $(seq 120); do
    status=$(curl -s -o "$work/ready" -w '%{http_code}' "$base/v2/health/ready" || true)
    case "$status" in
      200) break ;;
      503|000) sleep 0.5 ;;
      401|404) die "the portal has no Open Inference Protocol v2 health endpoint: GET /v2/health/ready (no key) answered $status" ;;
      *) die "GET /v2/health/ready answered HTTP $status: $(cat "$work/ready")" ;;
    esac
  done
  [ "$status" = 200 ] || die "GET /v2/health/ready still answered HTTP $status after a minute: $(cat "$work/ready")"
  echo "portal pid $portal_pid on $base ${*:+($*)}"
}

user_with_key() { # ROLE → prints the new user's API key
  local role=$1 name id
  name="bench-$(tr 'A-Z' 'a-z' <<<"$role")"
  id=$(call admin POST /api/v1/users "{\"userName\":\"$name\",\"password\":\"$password\",\"role\":\"$role\"}" | jq -r .id)
  expect 201 "creating the $role $name"
  call admin POST /api/v1/api-keys "{\"name\":\"serve-bench\",\"expiresInDays\":1,\"userId\":\"$id\"}" | jq -r .secret
  expect 201 "creating an API key for $name"
}

models=(fashion-mlp fashion-cnn)
[ "$mode" = bench ] || models=(fashion-mlp)

echo "== portal with a fresh data folder"
start_portal
contributor=$(user_with_key Contributor)
approver=$(user_with_key Approver)
viewer=$(user_with_key Viewer)
dataset=$(call "$contributor" GET "/api/v1/datasets?limit=500" | jq -r '.items[] | select(.name == "fashion-mnist-train") | .id')
expect 200 "listing the datasets"
[ -n "$dataset" ] || die "the ready dataset fashion-mnist-train is not registered (is Debian's dataset-fashion-mnist installed?)"

echo "== training ${models[*]} for one epoch through the API, then versions on production"
declare -A run_of version_of
for model in "${models[@]}"; do
  run_of[$model]=$(call "$contributor" POST /api/v1/runs "{\"name\":\"serve-bench-$model\",\"datasetId\":\"$dataset\",\"spec\":\"$model\",\"options\":{\"epochs\":1,\"batchSize\":128,\"optimizer\":\"Adam\",\"learningRate\":0.001}}" | jq -r .id)
  expect 201 "starting a training run of $model"
done
for model in "${models[@]}"; do
  state=""
  for _ in $(seq 1200); do
    state=$(call "$viewer" GET "/api/v1/runs/${run_of[$model]}" | jq -r .state)
    case "$state" in
      Succeeded) break ;;
      Failed|Cancelled|Interrupted) die "training $model ended $state: $(jq -r .error "$work/body")" ;;
    esac
    sleep 1
  done
  [ "$state" = Succeeded ] || die "training $model did not finish within 20 minutes (state $state)"
  call "$contributor" POST /api/v1/models "{\"name\":\"$model\",\"description\":\"scripts/bench/serve.sh\"}" > /dev/null
  expect 201 "creating the model $model"
  version_json=$(call "$contributor" POST "/api/v1/models/$model/versions" "{\"runId\":\"${run_of[$model]}\"}")
  expect 201 "registering the $model run as a version"
  version_of[$model]=$(jq -r .number <<<"$version_json")
  request=$(call "$contributor" POST /api/v1/promotions "{\"model\":\"$model\",\"alias\":\"production\",\"version\":${version_of[$model]},\"comment\":\"serve benchmark\"}" | jq -r .id)
  expect 201 "requesting $model v${version_of[$model]} on production"
  call "$approver" POST "/api/v1/promotions/$request/approve" '{"comment":"serve benchmark"}' > /dev/null
  expect 200 "approving $model v${version_of[$model]} on production"
  echo "$model v${version_of[$model]}: test accuracy $(jq -r .evidence.accuracy <<<"$version_json"), on production"

  call "$viewer" GET "/api/v1/models/$model/versions/${version_of[$model]}/artifacts/onnx" > "$work/$model.onnx"
  expect 200 "downloading the ONNX file of $model v${version_of[$model]}"
  # The approval moves the alias; the portal then loads and warms the version before serving it.
  for _ in $(seq 120); do
    call "$viewer" GET "/v2/models/$model/ready" > /dev/null
    [ "$(cat "$work/status")" = 200 ] && break
    sleep 0.5
  done
  expect 200 "GET /v2/models/$model/ready (a minute after the promotion)"
  metadata=$(call "$viewer" GET "/v2/models/$model")
  expect 200 "GET /v2/models/$model"
  input=$(jq -r '.inputs[0].name' <<<"$metadata")
  shape=$(jq -r '.inputs[0].shape | .[0] = 1 | map(tostring) | join(",")' <<<"$metadata")
  [[ "$shape" =~ ^1(,[0-9]+)+$ ]] || die "GET /v2/models/$model reports input shape $(jq -c '.inputs[0].shape' <<<"$metadata"); expected [-1, fixed sizes…]"
  node scripts/bench/peers/v2_bodies.js "$images" "$input" "$shape" 64 > "$work/$model.jsonl"
  echo "$model: requests of input '$input' [$shape], $(head -1 "$work/$model.jsonl" | wc -c) bytes each (64 test images, cycled)"
done

# drive LABEL MODEL CONCURRENCY SECONDS URL [API_KEY]: one wrk run; appends its CELL line, labelled, to $out/runs.txt.
drive() {
  local label=$1 model=$2 c=$3 duration=$4 url=$5 key=${6:-} line
  line=$(SERVE_BODIES="$work/$model.jsonl" SERVE_API_KEY="$key" \
    wrk -t1 -c"$c" -d"${duration}s" --timeout 10s -s scripts/bench/load/v2_infer.lua "$url" | grep '^CELL ') \
    || die "wrk against $url gave no result line"
  echo "$label model=$model c=$c $line" >> "$out/runs.txt"
  echo "$line"
}
field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$2"; }
# CPU time (user + system, clock ticks) of the server under test: the portal, or the peer and its worker processes.
server_pids() { if [ -n "$peer_pid" ]; then echo "$peer_pid" $(pgrep -P "$peer_pid" || true); else echo "$portal_pid"; fi; }
cpu_ticks() { local t=0 pid; for pid in $(server_pids); do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$pid/stat"))); done; echo "$t"; }
ticks_per_s=$(getconf CLK_TCK)
# cell SERVER MODEL C URL [API_KEY]: warm-up run, then the measured run, printed and recorded in $out/cells.txt.
# The server's CPU time per request is printed too: on a shared machine it is steadier than req/s.
cell() {
  local server=$1 model=$2 c=$3 url=$4 key=${5:-} line before cpu_us
  [ "$warmup" -eq 0 ] || drive "warmup $server" "$model" "$c" "$warmup" "$url" "$key" > /dev/null
  before=$(cpu_ticks)
  line=$(drive "measure $server" "$model" "$c" "$seconds" "$url" "$key")
  cpu_us=$(awk -v t=$(($(cpu_ticks) - before)) -v hz="$ticks_per_s" -v n="$(field requests "$line")" 'BEGIN { printf "%.0f", (n > 0 ? t / hz * 1e6 / n : 0) }')
  printf '%-22s %-12s c=%-3s %9.1f req/s  p50 %8.3f ms  p99 %8.3f ms  server CPU %5s µs/req  non-2xx %s  socket errors %s\n' \
    "$server" "$model" "$c" "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$cpu_us" \
    "$(field non2xx "$line")" "$(field socket_errors "$line")"
  echo "$server $model $c $(field rps "$line") $(field p50_ms "$line") $(field p99_ms "$line")" >> "$out/cells.txt"
}
errors_so_far() { awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(non2xx|socket_errors)=/) { split($i, kv, "="); n += kv[2] } } END { print n + 0 }' "$out/runs.txt" 2>/dev/null || echo 0; }
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# The managed heap after the last collection (all generations), from the portal's own /metrics: what of the
# resident memory the .NET GC holds, the rest being native (ONNX Runtime, libtorch, glibc) and code.
managed_mb() {
  curl -s -m 5 -H "X-Api-Key: $viewer" "$base/metrics" \
    | awk '/^dotnet_gc_last_collection_heap_size_bytes\{/ { b += $NF } END { printf "%.1f", b / 1048576 }'
}

if [ "$mode" = soak ]; then
  # A fresh process, so the memory the training run left behind does not hide (or fake) growth under load.
  stop "$portal_pid"; portal_pid=""
  start_portal
  url="$base/v2/models/fashion-mlp/infer"
  echo "== soak: fashion-mlp at c=64 for $soak_minutes min after a 30 s warm-up (portal pid $portal_pid)"
  drive "warmup portal" fashion-mlp 64 30 "$url" "$viewer" > /dev/null
  echo "resident memory after warm-up: $(rss_mb "$portal_pid") MB, managed heap $(managed_mb) MB"
  drive "soak portal" fashion-mlp 64 $((soak_minutes * 60)) "$url" "$viewer" > "$work/soak.txt" &
  soak_pid=$!
  # Resident memory saws up and down by ~10 % between collections (the GC's allocation budget is committed,
  # then released), so one reading at each end measures the saw's phase, not growth. Start and end are each
  # the mean of a minute of readings taken every 5 s: the first minute of the soak and the last.
  : > "$work/rss.txt"
  while kill -0 "$soak_pid" 2>/dev/null; do
    for _ in $(seq 5); do kill -0 "$soak_pid" 2>/dev/null && sleep 1; done
    kill -0 "$portal_pid" 2>/dev/null || die "the portal died during the soak; see $out/portal-$starts.log"
    kill -0 "$soak_pid" 2>/dev/null || break
    rss_mb "$portal_pid" >> "$work/rss.txt"; echo >> "$work/rss.txt"
    n=$(wc -l < "$work/rss.txt")
    if [ $((n % 6)) -eq 0 ]; then echo "  $(date -u +%H:%M:%S) resident $(tail -1 "$work/rss.txt") MB, managed heap $(managed_mb) MB"; fi
  done
  wait "$soak_pid" || die "the soak's wrk run failed"
  cp "$work/rss.txt" "$out/soak-rss.txt"
  line=$(cat "$work/soak.txt")
  read -r rss_start rss_end rss_min rss_peak < <(awk '{ v[NR] = $1 } END {
      k = (NR < 24 ? int(NR / 2) : 12); for (i = 1; i <= k; i++) { a += v[i]; b += v[NR - k + i] }
      lo = hi = v[1]; for (i = 1; i <= NR; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
      printf "%.1f %.1f %.1f %.1f\n", a / k, b / k, lo, hi }' "$work/rss.txt")
  growth=$(awk -v a="$rss_start" -v b="$rss_end" 'BEGIN { printf "%.1f", (b - a) / a * 100 }')
  echo "soak: $(field requests "$line") requests, $(field rps "$line") req/s, p50 $(field p50_ms "$line") ms, p99 $(field p99_ms "$line") ms"
  echo "resident memory ($(wc -l < "$work/rss.txt") readings, in $out/soak-rss.txt): first minute's mean $rss_start MB, last minute's mean $rss_end MB, lowest $rss_min MB, peak $rss_peak MB, growth $growth %"
  echo "RESULT soak_minutes=$soak_minutes rss_start_mb=$rss_start rss_end_mb=$rss_end rss_growth_pct=$growth errors=$(errors_so_far)" | with_cpu
  exit 0
fi

concurrencies=(1 16 64)
echo "== portal, batching on (its defaults): ${seconds}s per cell after ${warmup}s warm-up"
for model in "${models[@]}"; do
  for c in "${concurrencies[@]}"; do cell portal "$model" "$c" "$base/v2/models/$model/infer" "$viewer"; done
done

echo "== portal, batching off (Portal__Serving__MaxBatchSize=1)"
stop "$portal_pid"; portal_pid=""
start_portal Portal__Serving__MaxBatchSize=1
for model in "${models[@]}"; do
  for c in "${concurrencies[@]}"; do cell portal-nobatch "$model" "$c" "$base/v2/models/$model/infer" "$viewer"; done
done
# The same image through the portal and (below) the peer: both run the same file, so the answers must agree.
head -1 "$work/fashion-mlp.jsonl" | curl -sS -H "X-Api-Key: $viewer" -H 'content-type: application/json' --data @- \
  "$base/v2/models/fashion-mlp/infer" > "$work/portal-answer.json"
stop "$portal_pid"; portal_pid=""

cores=$(nproc)
peer_models=()
for model in "${models[@]}"; do peer_models+=(--model "$model=$work/$model.onnx"); done
for setting in "1 $cores" "$cores 1"; do
  set -- $setting
  name="node-${1}proc-${2}thr"
  echo "== peer $name: onnxruntime-node, $1 process(es), $2 intra-op thread(s) each"
  port=$(free_port)
  node scripts/bench/peers/serve_peer.js --port "$port" --workers "$1" --threads "$2" "${peer_models[@]}" > "$out/$name.log" 2>&1 &
  peer_pid=$!
  status=""
  for _ in $(seq 100); do
    kill -0 "$peer_pid" 2>/dev/null || die "the node peer exited during start-up: $(tail -5 "$out/$name.log")"
    status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/models/fashion-mlp" || true)
    [ "$status" = 200 ] && break
    sleep 0.2
  done
  [ "$status" = 200 ] || die "the node peer did not answer within 20 s; see $out/$name.log"
  if [ "$1" = 1 ]; then
    head -1 "$work/fashion-mlp.jsonl" | curl -sS -H 'content-type: application/json' --data @- \
      "http://127.0.0.1:$port/v2/models/fashion-mlp/infer" > "$work/peer-answer.json"
    diff=$(jq -s '[.[0].outputs[0].data, .[1].outputs[0].data] | transpose | map(.[0] - .[1] | fabs) | max' \
      "$work/portal-answer.json" "$work/peer-answer.json") || die "the portal's and the peer's answers cannot be compared: $(head -c 300 "$work/portal-answer.json")"
    echo "same image, portal vs peer: max |difference| of the outputs $diff"
  fi
  for model in "${models[@]}"; do
    for c in "${concurrencies[@]}"; do cell "$name" "$model" "$c" "http://127.0.0.1:$port/v2/models/$model/infer"; done
  done
  stop "$peer_pid"; peer_pid=""
done

rps() { awk -v s="$1" -v m="$2" -v c="$3" '$1 ~ s && $2 == m && $3 == c && $4 > best { best = $4 } END { print best + 0 }' "$out/cells.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "== summary (req/s; the machine is shared, so figures are noisy)"
for model in "${models[@]}"; do
  for c in "${concurrencies[@]}"; do
    printf '%-12s c=%-3s portal %9.1f  portal-nobatch %9.1f  node best %9.1f  portal/node %s\n' "$model" "$c" \
      "$(rps '^portal$' "$model" "$c")" "$(rps '^portal-nobatch$' "$model" "$c")" "$(rps '^node-' "$model" "$c")" \
      "$(ratio "$(rps '^portal$' "$model" "$c")" "$(rps '^node-' "$model" "$c")")"
  done
done
serve_ratio=$(ratio "$(rps '^portal$' fashion-mlp 64)" "$(rps '^node-' fashion-mlp 64)")
batching_gain=$(ratio "$(rps '^portal$' fashion-cnn 64)" "$(rps '^portal-nobatch$' fashion-cnn 64)")
p99=$(awk '$1 == "portal" && $2 == "fashion-mlp" && $3 == 64 { print $6 }' "$out/cells.txt")
echo "RESULT serve_ratio_c64=$serve_ratio batching_gain_c64=$batching_gain p99_ms_c64=$p99 errors=$(errors_so_far)" | with_cpu
