# Shared by train.sh and models.sh (source it after lib.sh, with $bench, $out and $log set).
# The peer tries its settings on this many cores; the engine chooses its own threads unless PORTAL_THREADS is set.
threads=${PORTAL_THREADS:-$(nproc)}
# The same allocator settings the engine applies to itself with mallopt, given to the peer through glibc's environment.
peer_env=(env MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=16777216)
# figure KEY: the last FIGURE KEY=value in $log.
figure() { grep -E "^FIGURE $1=" "$log" | tail -1 | cut -d= -f2; }

# speed_rounds MODEL REPEATS DATA COMMAND…: REPEATS interleaved rounds, each one engine run ("$bench" COMMAND…, which
# prints FIGURE MODEL.engine_samples_per_s, FIGURE train_count and, for more than one epoch, FIGURE train_epochs, and
# writes the spec, initial weights, and DATA.features.f32, DATA.labels.i64 and DATA.order.i64 for the peer) and then
# the same epochs through the peer at each of its few sensible settings on $threads cores: torch intra-op threads ×
# OpenBLAS threads × OpenMP's wait policy, libgomp's default or the engine's own (a short bounded spin, then sleep; the
# peer gets both). Each side keeps its best. Prints every line (the peer's also to $out/peer.txt), then sets
# SPEED_ENGINE_BEST and SPEED_PEER_BEST.
# ratio A B: A / B to three places.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; }
speed_rounds() {
  local model=$1 repeats=$2 data=$3 count epochs line setting
  shift 3
  local command=("$@")
  SPEED_ENGINE_BEST=0; SPEED_PEER_BEST=0
  for r in $(seq "$repeats"); do
    "$bench" "${command[@]}" > "$out/speed.txt"
    cat "$out/speed.txt"
    SPEED_ENGINE_BEST=$(max "$SPEED_ENGINE_BEST" "$(grep -E "^FIGURE $model.engine_samples_per_s=" "$out/speed.txt" | cut -d= -f2)")
    count=$(grep -E "^FIGURE train_count=" "$out/speed.txt" | cut -d= -f2)
    epochs=$(grep -E "^FIGURE train_epochs=" "$out/speed.txt" | cut -d= -f2 || true)
    for setting in "1 $threads default" "$threads 1 default" "$threads $threads default" "$threads 1 bounded-spin" "$threads $threads bounded-spin"; do
      set -- $setting
      local waiting=(); [ "$3" = default ] || waiting=(OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=20000)
      line=$(OPENBLAS_NUM_THREADS=$2 OMP_NUM_THREADS=$1 "${peer_env[@]}" "${waiting[@]}" /usr/bin/python3 scripts/bench/peers/train_peer.py speed \
        --spec "$out/$model.spec.json" --weights "$out/$model.init.safetensors" \
        --features "$out/$data.features.f32" --labels "$out/$data.labels.i64" --order "$out/$data.order.i64" \
        --count "$count" --epochs "${epochs:-1}" --torch-threads "$1")
      echo "$line openblas_threads=$2 omp_wait_policy=$3" | tee -a "$out/peer.txt"
      SPEED_PEER_BEST=$(max "$SPEED_PEER_BEST" "$(sed -E 's/.*samples_per_s=([0-9.]+).*/\1/' <<<"$line")")
    done
  done
}
