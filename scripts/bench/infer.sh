#!/usr/bin/env bash
# Inference benchmark (issue 11): exports fashion-mlp and fashion-cnn through Portal.Engine, checks them with
# onnx.checker, times them in-process (Portal.Engine over ONNX Runtime 1.31.1) and in onnxruntime-node@1.30.0
# on the same files with the same thread counts, measures parity with TorchSharp, and checks memory growth.
# Prints every figure; the last line is the RESULT line.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
/usr/bin/python3 -c "import onnx" >/dev/null 2>&1 || missing+=(python3-onnx)
if ((${#missing[@]} > 0)); then
  echo "installing ${missing[*]} from Debian"
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y "${missing[@]}"; else sudo apt-get install -y "${missing[@]}"; fi
fi

echo "== build (Release)"
dotnet build -c Release scripts/bench/Portal.Bench -v quiet -nologo

echo "== node peer (onnxruntime-node@1.30.0, CPU binaries only)"
(cd scripts/bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)

bench="scripts/bench/Portal.Bench/bin/Release/net10.0/linux-x64/Portal.Bench.dll"
out="scripts/bench/out/infer"

echo "== memory: 100 000 create-input/run/dispose cycles, 1 000 session load/dispose cycles"
dotnet "$bench" infer --memory --out "$out"

echo "== latency, throughput and parity"
dotnet "$bench" infer --out "$out" --peers scripts/bench/peers "$@"
