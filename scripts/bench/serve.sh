#!/usr/bin/env bash
# Serving benchmark (Open Inference Protocol v2 over HTTP on loopback). Publishes the portal and starts it with a
# fresh data folder, trains fashion-mlp and fashion-cnn for one epoch and text-transformer on the built-in
# fortunes-train with its ready recipe (BENCH_TEXT_EPOCHS, default its 6 epochs) through the REST API, registers
# them as versions and puts them on `production` (requested by a Contributor, approved by an Approver), downloads
# their ONNX files for the peer — a Node server running the same files through onnxruntime-node@1.30.0
# (peers/serve_peer.js) — and drives each server with Debian's wrk (load/v2_infer.lua) at concurrency 1, 16 and 64
# for BENCH_SECONDS (10) after BENCH_WARMUP (3) seconds: the portal with batching on (its defaults), the portal
# with batching off (Portal__Serving__MaxBatchSize=1), and the peer as one process with $(nproc) ORT threads and
# as $(nproc) processes with one thread each (its best per cell counts). The workloads (peers/*_bodies.js):
#   fashion-mlp, fashion-cnn  single Fashion-MNIST test images as V2 JSON FP32;
#   fashion-mlp-binary        the same images with the binary tensor data extension (raw float32 in, the output
#                             asked for as binary), portal with batching on, c=64 only;
#   fashion-mlp-fp64          the same images as FP64 to fashion-mlp's file with an FP64 input (peers/fp64_variant.py,
#                             imported through the API): the typed path, which runs every request alone; portal only;
#   text-tokens               the 967 fortunes-test texts as INT64 token ids [1, L], split and tokenized by the
#                             model's own tokenizer (checked against the portal's text statistics of fortunes-test):
#                             each text's own length up to the model's 64 where its sequence is dynamic (the model
#                             masks padding, and the portal runs a text so), else padded to the fixed length;
#   text-bytes                the same texts as V2 BYTES [1] on the deployment's text input (model metadata's
#                             parameters.text_input), portal only; skipped, saying why, when it has none.
# The int8 figures come from the portal's own compression report: an int8 job (quantize-int8, its defaults) on the
# text-transformer version through the API, whose report times parent and child at batch 1 and measures both on
# fortunes-test. Prints every cell; the last line is
#   RESULT serve_ratio_c64=… p99_ms_c64=… text_serve_ratio_c64=… text_bytes_overhead=… binary_vs_json_c64=…
#     int8_transformer_speedup_b1=… int8_transformer_acc_drop=… batching_gain_mlp_c64=… batching_gain_text_c64=…
#     typed_fp64_vs_fp32_c64=… errors=…
# (serve_ratio and text_serve_ratio: portal with batching on ÷ the peer's best; batching gains: on ÷ off;
# text_bytes_overhead: token ids ÷ text, req/s; typed_fp64_vs_fp32: fashion-mlp-fp64 ÷ fashion-mlp unbatched, req/s;
# all at c=64.) errors counts every failed request of every run,
# warm-ups included: status ≥ 400 and socket errors/timeouts.
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
    -h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (usage: scripts/bench/serve.sh [--soak [MINUTES]])" ;;
  esac
  shift
done
[[ "$soak_minutes" =~ ^[0-9]+$ ]] && [ "$soak_minutes" -ge 1 ] || die "--soak takes whole minutes (≥ 1), not '$soak_minutes'"
seconds=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-3}
text_epochs=${BENCH_TEXT_EPOCHS:-6}
[[ "$seconds" =~ ^[0-9]+$ && "$warmup" =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] || die "BENCH_SECONDS and BENCH_WARMUP must be whole seconds"
[[ "$text_epochs" =~ ^[0-9]+$ ]] && [ "$text_epochs" -ge 1 ] || die "BENCH_TEXT_EPOCHS must be a whole number of epochs (≥ 1), not '$text_epochs'"

command -v dotnet >/dev/null || die "the .NET SDK is missing: install dotnet 10 (see global.json)"
ensure_debian_packages dataset-fashion-mnist fortunes gcc libc6-dev wrk curl jq python3-onnx
command -v node >/dev/null && command -v npm >/dev/null || ensure_debian_packages nodejs npm
images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
[ -f "$images" ] || die "Fashion-MNIST test images are not at $images after installing dataset-fashion-mnist"
fortunes=/usr/share/games/fortunes
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

# text_bodies METADATA VERSION_JSON: the text-tokens and text-bytes request bodies of the fortunes test texts, the
# split and tokenization checked against the portal's own statistics of fortunes-test; sets text_input ("" when the
# deployment takes no text, text_skip then saying why).
text_input=""
text_skip=""
text_bodies() {
  local metadata=$1 version_json=$2 tokens_input length rows mine theirs
  tokens_input=$(jq -r '[.inputs[] | select(.datatype == "INT64")][0].name // empty' <<<"$metadata")
  [ -n "$tokens_input" ] || die "GET /v2/models/text-transformer lists no INT64 token-id input: $(jq -c .inputs <<<"$metadata")"
  text_input=$(jq -r '.parameters.text_input | select(.datatype == "BYTES") | .name // empty' <<<"$metadata")
  [ -n "$text_input" ] || text_skip="GET /v2/models/text-transformer names no BYTES text input (parameters: $(jq -c .parameters <<<"$metadata"))"
  length=$(jq -r '.spec.inputShape[0] // empty' <<<"$version_json")
  [[ "$length" =~ ^[0-9]+$ ]] || die "the text-transformer version's spec has no input length: $(jq -c .spec <<<"$version_json" | head -c 300)"
  case "$(jq -r --arg name "$tokens_input" '.inputs[] | select(.name == $name) | .shape[1]' <<<"$metadata")" in
    -1) rows=own ;;
    "$length") rows=padded ;;
    *) die "GET /v2/models/text-transformer: input '$tokens_input' is neither of dynamic length nor of the spec's $length tokens: $(jq -c .inputs <<<"$metadata")" ;;
  esac
  mine=$(node scripts/bench/peers/text_bodies.js "$fortunes" "$work/text-transformer.onnx" "$tokens_input" "$length" "$rows" "${text_input:-text}" \
    "$work/text-tokens.jsonl" "$work/text-bytes.jsonl") || die "peers/text_bodies.js could not write the text requests"
  theirs=$(call "$viewer" GET "/api/v1/datasets/$(dataset_id fortunes-test)/text-statistics" \
    | jq -c '{texts, classes: [.classes[].count], tokens, unknownTokens, distinctWords, vocabularySize}')
  expect 200 "GET the text statistics of fortunes-test"
  [ "$(jq -cS . <<<"$mine")" = "$(jq -cS . <<<"$theirs")" ] \
    || die "the fortunes test texts as peers/text_bodies.js splits and tokenizes them ($mine) are not the portal's fortunes-test ($theirs)"
  echo "text-transformer: $(jq -r .texts <<<"$mine") fortunes-test texts, $(jq -r .tokens <<<"$mine") tokens as the portal counts them; requests of input '$tokens_input' INT64 [1,$([ "$rows" = own ] && echo "each text's tokens up to $length" || echo "$length")], ${text_input:+and of input '$text_input' BYTES [1], }cycled"
  [ -z "$text_skip" ] || echo "text-transformer: the text-bytes cells are skipped: $text_skip"
}

# answer URL WORKLOAD INDEX FILE: the answer to the workload's INDEX-th request (from 1), as V2 JSON, into FILE.
answer() {
  if [ "$2" = fashion-mlp-binary ]; then
    sed -n "${3}p" "$work/$2.jsonl" | node scripts/bench/peers/binary_infer.js "$1" "$viewer" > "$4" \
      || die "the binary tensor data extension's answer could not be read"
  else
    sed -n "${3}p" "$work/$2.jsonl" | curl -sS -H "X-Api-Key: $viewer" -H 'content-type: application/json' --data @- "$1" > "$4"
  fi
}
# max_difference A B: the largest |difference| between A's first output and B's output of the same name.
max_difference() {
  local d
  d=$(jq -s '.[0].outputs[0] as $a | [.[1].outputs[] | select(.name == $a.name)][0] as $b
    | if $b == null or ($a.data | length) != ($b.data | length) then empty
      else [$a.data, $b.data] | transpose | map(.[0] - .[1] | fabs) | max end' "$1" "$2" 2>/dev/null) || d=""
  [ -n "$d" ] || die "the answers cannot be compared: $(head -c 300 "$1") / $(head -c 300 "$2")"
  echo "$d"
}

# wait_succeeded PATH WHAT: polls GET PATH (a run or a compression) each second, up to 20 minutes, until its state is
# Succeeded; its last body stays in $work/body.
wait_succeeded() {
  local state=""
  for _ in $(seq 1200); do
    state=$(call "$viewer" GET "$1" | jq -r .state)
    case "$state" in
      Succeeded) return 0 ;;
      Failed|Cancelled|Interrupted) die "$2 ended $state: $(jq -r .error "$work/body")" ;;
    esac
    sleep 1
  done
  die "$2 did not finish within 20 minutes (state $state)"
}

# int8_report: an int8 compression job of the text-transformer version through the API; sets the int8 figures from
# its report (parent and child timed at batch 1 and measured on fortunes-test by the same job).
int8_speedup=""
int8_drop=""
int8_report() {
  local id report
  echo "== int8 compression of text-transformer v${version_of[text-transformer]} (quantize-int8, the recipe's defaults) through the API"
  id=$(call "$contributor" POST "/api/v1/models/text-transformer/versions/${version_of[text-transformer]}/compressions" '{"recipe":{"method":"quantize-int8"}}' | jq -r .id)
  expect 202 "requesting an int8 compression of text-transformer"
  wait_succeeded "/api/v1/compressions/$id" "the int8 compression of text-transformer"
  report=$(call "$viewer" GET "/api/v1/models/text-transformer/versions/$(jq -r .resultVersion "$work/body")" | jq -c .evidence.compression)
  expect 200 "reading the int8 version of text-transformer"
  read -r int8_speedup int8_drop < <(jq -r '
    if (.parent.latencyP50Ms > 0 and .compressed.latencyP50Ms > 0 and .parent.testAccuracy != null and .compressed.testAccuracy != null)
    then "\(.parent.latencyP50Ms / .compressed.latencyP50Ms) \((.parent.testAccuracy - .compressed.testAccuracy) * 100)" else empty end' <<<"$report" \
    | awk '{ printf "%.3f %.2f\n", $1, $2 }') || true
  [ -n "$int8_speedup" ] || die "the int8 compression report has no batch-1 latency or accuracy of parent and child: $(head -c 500 <<<"$report")"
  echo "$report" > "$out/int8-report.json"
  echo "int8: batch-1 p50 $(jq -r '.parent.latencyP50Ms * 1000 | round' <<<"$report") → $(jq -r '.compressed.latencyP50Ms * 1000 | round' <<<"$report") µs (×$int8_speedup), test accuracy $(jq -r .parent.testAccuracy <<<"$report") → $(jq -r .compressed.testAccuracy <<<"$report") (drop $int8_drop points); report in $out/int8-report.json"
}

# on_production MODEL VERSION: a Contributor requests VERSION on production and an Approver approves it; returns once
# the portal has loaded and warmed it (GET /v2/models/MODEL/ready answers 200).
on_production() {
  local request
  request=$(call "$contributor" POST /api/v1/promotions "{\"model\":\"$1\",\"alias\":\"production\",\"version\":$2,\"comment\":\"serve benchmark\"}" | jq -r .id)
  expect 201 "requesting $1 v$2 on production"
  call "$approver" POST "/api/v1/promotions/$request/approve" '{"comment":"serve benchmark"}' > /dev/null
  expect 200 "approving $1 v$2 on production"
  # The approval moves the alias; the portal then loads and warms the version before serving it.
  for _ in $(seq 120); do
    call "$viewer" GET "/v2/models/$1/ready" > /dev/null
    [ "$(cat "$work/status")" = 200 ] && break
    sleep 0.5
  done
  expect 200 "GET /v2/models/$1/ready (a minute after the promotion)"
}

# typed_version: fashion-mlp's file with an FP64 input cast to float32 first (peers/fp64_variant.py), imported through
# the API as the model fashion-mlp-fp64 and put on production; its requests are fashion-mlp's as FP64. No request to it
# can take the pooled float32 path, so its cells measure the typed path on the same model and images.
typed_version() {
  local import_id version
  echo "== fashion-mlp-fp64: fashion-mlp's file taking FP64, imported through the API (the typed path's cells)"
  /usr/bin/python3 scripts/bench/peers/fp64_variant.py "$work/fashion-mlp.onnx" "$work/fashion-mlp-fp64.onnx" \
    || die "peers/fp64_variant.py could not write fashion-mlp's FP64 variant"
  call "$contributor" POST /api/v1/models '{"name":"fashion-mlp-fp64","description":"scripts/bench/serve.sh"}' > /dev/null
  expect 201 "creating the model fashion-mlp-fp64"
  curl -sS -o "$work/body" -w '%{http_code}' -H "X-Api-Key: $contributor" -F "file=@$work/fashion-mlp-fp64.onnx" \
    -F classNames=T-shirt/top -F classNames=Trouser -F classNames=Pullover -F classNames=Dress -F classNames=Coat \
    -F classNames=Sandal -F classNames=Shirt -F classNames=Sneaker -F classNames=Bag -F "classNames=Ankle boot" \
    "$base/api/v1/models/fashion-mlp-fp64/versions/import" > "$work/status"
  expect 202 "importing fashion-mlp-fp64"
  import_id=$(jq -r .id "$work/body")
  wait_succeeded "/api/v1/models/fashion-mlp-fp64/imports/$import_id" "the import of fashion-mlp-fp64"
  version=$(jq -r .version "$work/body")
  on_production fashion-mlp-fp64 "$version"
  echo "fashion-mlp-fp64 v$version: batching $(call "$viewer" GET /v2/models/fashion-mlp-fp64 | jq -r '.parameters.batching // "(not stated)"')"
  sed 's/"datatype":"FP32"/"datatype":"FP64"/' "$work/fashion-mlp.jsonl" > "$work/fashion-mlp-fp64.jsonl"
  grep -q '"FP64"' "$work/fashion-mlp-fp64.jsonl" || die "fashion-mlp's requests name no FP32 datatype to turn into FP64: $(head -c 200 "$work/fashion-mlp.jsonl")"
  answer "$base/v2/models/fashion-mlp-fp64/infer" fashion-mlp-fp64 1 "$work/fp64-answer.json"
  echo "fashion-mlp-fp64: the same image as FP64 on the typed path and as FP32 on the pooled path: max |difference| of the outputs $(max_difference "$work/json-answer.json" "$work/fp64-answer.json")"
}

models=(fashion-mlp fashion-cnn text-transformer)
[ "$mode" = bench ] || models=(fashion-mlp)
# The training set and options of each model: the fashion models for one epoch, text-transformer with its ready
# recipe (ReadyTraining.TextTransformer: AdamW under a one-cycle schedule, batch 64).
declare -A train_set_of=([fashion-mlp]=fashion-mnist-train [fashion-cnn]=fashion-mnist-train [text-transformer]=fortunes-train)
fashion_options='{"epochs":1,"batchSize":128,"optimizer":"Adam","learningRate":0.001}'
declare -A options_of=([fashion-mlp]=$fashion_options [fashion-cnn]=$fashion_options
  [text-transformer]="{\"epochs\":$text_epochs,\"batchSize\":64,\"optimizer\":\"AdamW\",\"learningRate\":0.005,\"weightDecay\":0.01,\"schedule\":{\"kind\":\"OneCycle\"}}")

echo "== portal with a fresh data folder"
start_portal
contributor=$(user_with_key Contributor)
approver=$(user_with_key Approver)
viewer=$(user_with_key Viewer)
call "$contributor" GET "/api/v1/datasets?limit=500" > "$work/datasets.json"
expect 200 "listing the datasets"
dataset_id() { # NAME → the dataset's id, or fails naming the Debian package that brings it
  local id
  id=$(jq -r --arg name "$1" '.items[] | select(.name == $name) | .id' "$work/datasets.json")
  [ -n "$id" ] || die "the ready dataset $1 is not registered (are Debian's dataset-fashion-mnist and fortunes installed?)"
  echo "$id"
}

echo "== training ${models[*]} through the API, then versions on production"
declare -A run_of version_of
for model in "${models[@]}"; do
  run_of[$model]=$(call "$contributor" POST /api/v1/runs "{\"name\":\"serve-bench-$model\",\"datasetId\":\"$(dataset_id "${train_set_of[$model]}")\",\"spec\":\"$model\",\"options\":${options_of[$model]}}" | jq -r .id)
  expect 201 "starting a training run of $model"
done
for model in "${models[@]}"; do
  wait_succeeded "/api/v1/runs/${run_of[$model]}" "training $model"
  call "$contributor" POST /api/v1/models "{\"name\":\"$model\",\"description\":\"scripts/bench/serve.sh\"}" > /dev/null
  expect 201 "creating the model $model"
  version_json=$(call "$contributor" POST "/api/v1/models/$model/versions" "{\"runId\":\"${run_of[$model]}\"}")
  expect 201 "registering the $model run as a version"
  version_of[$model]=$(jq -r .number <<<"$version_json")
  on_production "$model" "${version_of[$model]}"
  echo "$model v${version_of[$model]}: test accuracy $(jq -r .evidence.accuracy <<<"$version_json"), on production"
  call "$viewer" GET "/api/v1/models/$model/versions/${version_of[$model]}/artifacts/onnx" > "$work/$model.onnx"
  expect 200 "downloading the ONNX file of $model v${version_of[$model]}"
  metadata=$(call "$viewer" GET "/v2/models/$model")
  expect 200 "GET /v2/models/$model"
  echo "$model: batching $(jq -r '.parameters.batching // "(not stated)"' <<<"$metadata")"
  if [ "$model" = text-transformer ]; then text_bodies "$metadata" "$version_json"; continue; fi
  input=$(jq -r '.inputs[0].name' <<<"$metadata")
  shape=$(jq -r '.inputs[0].shape | .[0] = 1 | map(tostring) | join(",")' <<<"$metadata")
  [[ "$shape" =~ ^1(,[0-9]+)+$ ]] || die "GET /v2/models/$model reports input shape $(jq -c '.inputs[0].shape' <<<"$metadata"); expected [-1, fixed sizes…]"
  node scripts/bench/peers/v2_bodies.js "$images" "$input" "$shape" 64 > "$work/$model.jsonl"
  echo "$model: requests of input '$input' [$shape], $(head -1 "$work/$model.jsonl" | wc -c) bytes each (64 test images, cycled)"
  if [ "$model" = fashion-mlp ] && [ "$mode" = bench ]; then
    output=$(jq -r '.outputs[0].name' <<<"$metadata")
    node scripts/bench/peers/v2_bodies.js "$images" "$input" "$shape" 64 --binary "$output" > "$work/fashion-mlp-binary.jsonl"
    answer "$base/v2/models/fashion-mlp/infer" fashion-mlp 1 "$work/json-answer.json"
    answer "$base/v2/models/fashion-mlp/infer" fashion-mlp-binary 1 "$work/binary-answer.json"
    diff=$(max_difference "$work/json-answer.json" "$work/binary-answer.json")
    echo "fashion-mlp-binary: the same image as JSON and with binary tensors: max |difference| of the outputs $diff"
  fi
done
if [ "$mode" = bench ]; then int8_report; typed_version; fi

# The model each workload's requests ($work/WORKLOAD.jsonl) go to.
declare -A model_of=([fashion-mlp]=fashion-mlp [fashion-cnn]=fashion-cnn [fashion-mlp-binary]=fashion-mlp [fashion-mlp-fp64]=fashion-mlp-fp64
  [text-tokens]=text-transformer [text-bytes]=text-transformer)
infer_url() { echo "$1/v2/models/${model_of[$2]}/infer"; } # BASE WORKLOAD
# drive LABEL WORKLOAD CONCURRENCY SECONDS URL [API_KEY]: one wrk run; appends its CELL line, labelled, to $out/runs.txt.
drive() {
  local label=$1 workload=$2 c=$3 duration=$4 url=$5 key=${6:-} line
  line=$(SERVE_BODIES="$work/$workload.jsonl" SERVE_API_KEY="$key" \
    wrk -t1 -c"$c" -d"${duration}s" --timeout 10s -s scripts/bench/load/v2_infer.lua "$url" | grep '^CELL ') \
    || die "wrk against $url gave no result line"
  echo "$label workload=$workload c=$c $line" >> "$out/runs.txt"
  echo "$line"
}
field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$2"; }
# CPU time (user + system, clock ticks) of the server under test: the portal, or the peer and its worker processes.
server_pids() { if [ -n "$peer_pid" ]; then echo "$peer_pid" $(pgrep -P "$peer_pid" || true); else echo "$portal_pid"; fi; }
cpu_ticks() { local t=0 pid; for pid in $(server_pids); do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$pid/stat"))); done; echo "$t"; }
ticks_per_s=$(getconf CLK_TCK)
# cell SERVER WORKLOAD C BASE [API_KEY]: warm-up run, then the measured run, printed and recorded in $out/cells.txt.
# The server's CPU time per request is printed too: on a shared machine it is steadier than req/s.
cell() {
  local server=$1 workload=$2 c=$3 url key=${5:-} line before cpu_us
  url=$(infer_url "$4" "$workload")
  [ "$warmup" -eq 0 ] || drive "warmup $server" "$workload" "$c" "$warmup" "$url" "$key" > /dev/null
  before=$(cpu_ticks)
  line=$(drive "measure $server" "$workload" "$c" "$seconds" "$url" "$key")
  cpu_us=$(awk -v t=$(($(cpu_ticks) - before)) -v hz="$ticks_per_s" -v n="$(field requests "$line")" 'BEGIN { printf "%.0f", (n > 0 ? t / hz * 1e6 / n : 0) }')
  printf '%-22s %-18s c=%-3s %9.1f req/s  p50 %8.3f ms  p99 %8.3f ms  server CPU %5s µs/req  non-2xx %s  socket errors %s\n' \
    "$server" "$workload" "$c" "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$cpu_us" \
    "$(field non2xx "$line")" "$(field socket_errors "$line")"
  echo "$server $workload $c $(field rps "$line") $(field p50_ms "$line") $(field p99_ms "$line")" >> "$out/cells.txt"
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
# The workloads each server is driven with at every concurrency; the binary one runs once, at c=64.
portal_workloads=(fashion-mlp fashion-mlp-fp64 fashion-cnn text-tokens)
[ -n "$text_skip" ] || portal_workloads+=(text-bytes)
peer_workloads=(fashion-mlp fashion-cnn text-tokens)
portal_cells() { # SERVER
  local workload c
  for workload in "${portal_workloads[@]}"; do
    for c in "${concurrencies[@]}"; do cell "$1" "$workload" "$c" "$base" "$viewer"; done
    if [ "$1" = portal ] && [ "$workload" = fashion-mlp ]; then cell "$1" fashion-mlp-binary 64 "$base" "$viewer"; fi
  done
}
echo "== portal, batching on (its defaults): ${seconds}s per cell after ${warmup}s warm-up"
[ -z "$text_skip" ] || echo "text-bytes cells skipped: $text_skip"
portal_cells portal

echo "== portal, batching off (Portal__Serving__MaxBatchSize=1)"
stop "$portal_pid"; portal_pid=""
start_portal Portal__Serving__MaxBatchSize=1
portal_cells portal-nobatch
# The same request through the portal and (below) the peer: both run the same file, so the answers must agree.
answer "$(infer_url "$base" fashion-mlp)" fashion-mlp 1 "$work/portal-answer.json"
for i in 1 2 3; do answer "$(infer_url "$base" text-tokens)" text-tokens "$i" "$work/portal-tokens-$i.json"; done
if [ -z "$text_skip" ]; then
  # A text sent as BYTES is tokenized by the portal as training did: the same answer as its token ids.
  for i in 1 2 3; do
    answer "$(infer_url "$base" text-bytes)" text-bytes "$i" "$work/portal-text-$i.json"
    diff=$(max_difference "$work/portal-tokens-$i.json" "$work/portal-text-$i.json")
    echo "text $i, portal, as token ids vs as text: max |difference| of the outputs $diff"
  done
fi
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
  peer="http://127.0.0.1:$port"
  status=""
  for _ in $(seq 100); do
    kill -0 "$peer_pid" 2>/dev/null || die "the node peer exited during start-up: $(tail -5 "$out/$name.log")"
    status=$(curl -s -o /dev/null -w '%{http_code}' "$peer/v2/models/fashion-mlp" || true)
    [ "$status" = 200 ] && break
    sleep 0.2
  done
  [ "$status" = 200 ] || die "the node peer did not answer within 20 s; see $out/$name.log"
  if [ "$1" = 1 ]; then
    answer "$(infer_url "$peer" fashion-mlp)" fashion-mlp 1 "$work/peer-answer.json"
    diff=$(max_difference "$work/portal-answer.json" "$work/peer-answer.json")
    echo "same image, portal vs peer: max |difference| of the outputs $diff"
    for i in 1 2 3; do
      answer "$(infer_url "$peer" text-tokens)" text-tokens "$i" "$work/peer-tokens-$i.json"
      diff=$(max_difference "$work/portal-tokens-$i.json" "$work/peer-tokens-$i.json")
      echo "text $i as token ids, portal vs peer: max |difference| of the outputs $diff"
    done
  fi
  for workload in "${peer_workloads[@]}"; do
    for c in "${concurrencies[@]}"; do cell "$name" "$workload" "$c" "$peer"; done
  done
  stop "$peer_pid"; peer_pid=""
done

rps() { awk -v s="$1" -v w="$2" -v c="$3" '$1 ~ s && $2 == w && $3 == c && $4 > best { best = $4 } END { print best + 0 }' "$out/cells.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "== summary (req/s; the machine is shared, so figures are noisy)"
for workload in "${portal_workloads[@]}"; do
  for c in "${concurrencies[@]}"; do
    printf '%-18s c=%-3s portal %9.1f  portal-nobatch %9.1f' "$workload" "$c" "$(rps '^portal$' "$workload" "$c")" "$(rps '^portal-nobatch$' "$workload" "$c")"
    if [[ " ${peer_workloads[*]} " == *" $workload "* ]]; then
      printf '  node best %9.1f  portal/node %s' "$(rps '^node-' "$workload" "$c")" "$(ratio "$(rps '^portal$' "$workload" "$c")" "$(rps '^node-' "$workload" "$c")")"
    fi
    echo
  done
done
printf '%-18s c=%-3s portal %9.1f  (JSON %9.1f)\n' fashion-mlp-binary 64 "$(rps '^portal$' fashion-mlp-binary 64)" "$(rps '^portal$' fashion-mlp 64)"
serve_ratio=$(ratio "$(rps '^portal$' fashion-mlp 64)" "$(rps '^node-' fashion-mlp 64)")
p99=$(awk '$1 == "portal" && $2 == "fashion-mlp" && $3 == 64 { print $6 }' "$out/cells.txt")
text_serve_ratio=$(ratio "$(rps '^portal$' text-tokens 64)" "$(rps '^node-' text-tokens 64)")
text_bytes_overhead=skipped
[ -n "$text_skip" ] || text_bytes_overhead=$(ratio "$(rps '^portal$' text-tokens 64)" "$(rps '^portal$' text-bytes 64)")
binary_vs_json=$(ratio "$(rps '^portal$' fashion-mlp-binary 64)" "$(rps '^portal$' fashion-mlp 64)")
batching_gain_mlp=$(ratio "$(rps '^portal$' fashion-mlp 64)" "$(rps '^portal-nobatch$' fashion-mlp 64)")
batching_gain_text=$(ratio "$(rps '^portal$' text-tokens 64)" "$(rps '^portal-nobatch$' text-tokens 64)")
# The typed path runs every request alone, so it is set against the pooled float32 path unbatched.
typed_vs_pooled=$(ratio "$(rps '^portal$' fashion-mlp-fp64 64)" "$(rps '^portal-nobatch$' fashion-mlp 64)")
printf '%-18s c=%-3s portal %9.1f  (FP32 unbatched %9.1f)\n' fashion-mlp-fp64 64 "$(rps '^portal$' fashion-mlp-fp64 64)" "$(rps '^portal-nobatch$' fashion-mlp 64)"
echo "RESULT serve_ratio_c64=$serve_ratio p99_ms_c64=$p99 text_serve_ratio_c64=$text_serve_ratio text_bytes_overhead=$text_bytes_overhead binary_vs_json_c64=$binary_vs_json int8_transformer_speedup_b1=$int8_speedup int8_transformer_acc_drop=$int8_drop batching_gain_mlp_c64=$batching_gain_mlp batching_gain_text_c64=$batching_gain_text typed_fp64_vs_fp32_c64=$typed_vs_pooled errors=$(errors_so_far)" | with_cpu
