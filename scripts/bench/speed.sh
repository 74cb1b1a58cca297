# Shared by train.sh and models.sh (source it after lib.sh, with $bench, $out, $threads and $peer_env set).
# speed_rounds MODEL REPEATS [ARGS…]: REPEATS interleaved rounds, each one engine epoch (Portal.Bench train-speed, which also
# writes the spec, initial weights, data and batch order for the peer) and then one peer epoch at each of the peer's few
# sensible settings on $threads cores: torch intra-op threads × OpenBLAS threads × OpenMP's wait policy, libgomp's
# default or the engine's own (a short bounded spin, then sleep; the peer gets both). Each side keeps its best.
# ARGS go to train-speed (--train N: a shorter epoch). Prints every line, then sets SPEED_ENGINE_BEST and SPEED_PEER_BEST (samples/s).
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; }
speed_rounds() {
  local model=$1 repeats=$2 count line setting
  shift 2
  local speed_args=("$@")
  SPEED_ENGINE_BEST=0; SPEED_PEER_BEST=0
  for r in $(seq "$repeats"); do
    "$bench" train-speed "$model" "$out" "${speed_args[@]}" > "$out/speed.txt"
    cat "$out/speed.txt"
    SPEED_ENGINE_BEST=$(max "$SPEED_ENGINE_BEST" "$(grep -E "^FIGURE $model.engine_samples_per_s=" "$out/speed.txt" | cut -d= -f2)")
    count=$(grep -E "^FIGURE train_count=" "$out/speed.txt" | cut -d= -f2)
    for setting in "1 $threads default" "$threads 1 default" "$threads $threads default" "$threads 1 bounded-spin" "$threads $threads bounded-spin"; do
      set -- $setting
      local waiting=(); [ "$3" = default ] || waiting=(OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=20000)
      line=$(OPENBLAS_NUM_THREADS=$2 OMP_NUM_THREADS=$1 "${peer_env[@]}" "${waiting[@]}" /usr/bin/python3 scripts/bench/peers/train_peer.py speed \
        --spec "$out/$model.spec.json" --weights "$out/$model.init.safetensors" \
        --features "$out/train.features.f32" --labels "$out/train.labels.i64" --order "$out/train.order.i64" \
        --count "$count" --torch-threads "$1")
      echo "$line openblas_threads=$2 omp_wait_policy=$3"
      SPEED_PEER_BEST=$(max "$SPEED_PEER_BEST" "$(sed -E 's/.*samples_per_s=([0-9.]+).*/\1/' <<<"$line")")
    done
  done
}
