#!/usr/bin/env bash
# Training benchmark: Portal.Engine (TorchSharp) against Debian's PyTorch on the same machine in the same run.
# One epoch of fashion-mlp and fashion-cnn (batch 128, Adam 1e-3, same initial weights, batch order and
# standardised data), the peer at its best thread setting; then 5-epoch accuracy runs through the engine and
# an outside-reader check of the engine's safetensors. Last line: RESULT train_ratio_mlp=… (see the issue).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$(portal_root)"

ensure_debian_packages dataset-fashion-mnist python3-torch python3-numpy libopenblas0-pthread
dotnet build scripts/bench/Portal.Bench -c Release -nologo -clp:ErrorsOnly -v:q
bench=scripts/bench/Portal.Bench/bin/Release/net10.0/linux-x64/Portal.Bench
out=scripts/bench/out/train
rm -rf "$out"; mkdir -p "$out"
log="$out/figures.txt"; : > "$log"

threads=${PORTAL_THREADS:-$(nproc)}
export PORTAL_THREADS=$threads
# The same allocator settings the engine applies to itself with mallopt, given to the peer through glibc's environment.
peer_env=(env MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=16777216)
figure() { grep -E "^FIGURE $1=" "$log" | tail -1 | cut -d= -f2; }
run() { "$@" | tee -a "$log"; }

echo "== one epoch, engine vs PyTorch ($threads threads)"
for model in fashion-mlp fashion-cnn; do
  run "$bench" train-speed "$model" "$out"
  count=$(figure train_count)
  best=0
  # The peer's few sensible settings on $threads cores: torch intra-op threads × OpenBLAS threads.
  for setting in "1 $threads" "$threads 1" "$threads $threads"; do
    set -- $setting
    line=$(OPENBLAS_NUM_THREADS=$2 OMP_NUM_THREADS=$1 "${peer_env[@]}" /usr/bin/python3 scripts/bench/peers/train_peer.py speed \
      --spec "$out/$model.spec.json" --weights "$out/$model.init.safetensors" \
      --features "$out/train.features.f32" --labels "$out/train.labels.i64" --order "$out/train.order.i64" \
      --count "$count" --torch-threads "$1")
    echo "$line openblas_threads=$2"
    sps=$(sed -E 's/.*samples_per_s=([0-9.]+).*/\1/' <<<"$line")
    best=$(awk -v a="$best" -v b="$sps" 'BEGIN { print (b > a ? b : a) }')
  done
  echo "FIGURE $model.peer_best_samples_per_s=$best" | tee -a "$log"
done

echo "== practical peak"
run "$bench" matmul

echo "== 5 epochs through the engine, then the 10 000 test images"
for model in fashion-mlp fashion-cnn; do
  run "$bench" train-accuracy "$model" 5 "$out"
  echo "outside reader (PyTorch) on the engine's $model safetensors:"
  line=$(/usr/bin/python3 scripts/bench/peers/train_peer.py check --spec "$out/$model.spec.json" \
    --weights "$out/$model.trained.safetensors" --inputs "$out/$model.check.inputs.f32" --outputs "$out/$model.check.outputs.f32")
  echo "$line"
  echo "FIGURE $model.safetensors_parity_max_abs=$(sed -E 's/.*parity_max_abs=([^ ]+).*/\1/' <<<"$line")" | tee -a "$log"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
mlp_ratio=$(ratio "$(figure fashion-mlp.engine_samples_per_s)" "$(figure fashion-mlp.peer_best_samples_per_s)")
cnn_ratio=$(ratio "$(figure fashion-cnn.engine_samples_per_s)" "$(figure fashion-cnn.peer_best_samples_per_s)")
peak_frac=$(ratio "$(figure fashion-mlp.engine_gflops)" "$(figure matmul_gflops)")
echo "engine GFLOP/s (executed multiply-adds): mlp $(figure fashion-mlp.engine_gflops), cnn $(figure fashion-cnn.engine_gflops); 6×forward convention: mlp $(figure fashion-mlp.engine_gflops_6n), cnn $(figure fashion-cnn.engine_gflops_6n); matmul 2048² $(figure matmul_gflops)"
echo "RESULT train_ratio_mlp=$mlp_ratio train_ratio_cnn=$cnn_ratio acc_mlp=$(figure fashion-mlp.test_accuracy) acc_cnn=$(figure fashion-cnn.test_accuracy) peak_rss_mb_cnn=$(figure fashion-cnn.peak_rss_mb) mlp_peak_frac=$peak_frac"
