#!/usr/bin/env bash
# Inference benchmark: fashion-mlp and fashion-cnn exported by Portal.Engine, checked by onnx.checker, run
# in-process through Portal.Engine (ONNX Runtime 1.31.1) and by onnxruntime-node@1.30.0 on the same files with
# the same thread counts in the same run; parity with TorchSharp; memory growth over many runs and loads.
# Prints every figure; the last line is RESULT infer_ratio_b1=… infer_ratio_b64=… infer_ratio_b64_cnn=… parity_max_abs=…
# Extra arguments go to the driver (e.g. --calls 40000 --slices 12 --batch-threads 1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$(portal_root)"

ensure_debian_packages python3-onnx
# Node may come from Debian (nodejs + npm) or from a vendor package that bundles npm; only install when absent.
command -v node >/dev/null && command -v npm >/dev/null || ensure_debian_packages nodejs npm

dotnet build scripts/bench/Portal.Bench -c Release -nologo -clp:ErrorsOnly -v:q
bench=scripts/bench/Portal.Bench/bin/Release/net10.0/linux-x64/Portal.Bench
bench_machine
out=scripts/bench/out/infer
rm -rf "$out"; mkdir -p "$out"

echo "== node peer: onnxruntime-node@1.30.0 (CPU binaries in the package; the CUDA download is skipped)"
(cd scripts/bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)

echo "== memory: 100 000 create-input/run/dispose cycles, 1 000 session load/run/dispose cycles"
"$bench" infer --memory --out "$out" | with_cpu

echo "== latency, throughput and parity"
"$bench" infer --out "$out" --peers scripts/bench/peers "$@" | with_cpu
