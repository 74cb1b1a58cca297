# Shared shell helpers for Portal's scripts. Source it; don't run it.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

portal_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

die() { echo "error: $*" >&2; exit 1; }

# ensure_debian_packages PKG... installs the Debian packages that are not installed yet, or fails naming them.
ensure_debian_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    die "missing Debian packages: ${missing[*]} (no apt-get here; install them by hand)"
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing Debian packages: ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
    sudo="sudo"
  fi
  echo "Installing Debian packages: ${missing[*]}"
  if [ -z "${PORTAL_APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq || die "apt-get update failed; cannot install ${missing[*]}"
    export PORTAL_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
}

# ensure_uplot copies uPlot (the one JavaScript chart of the portal) from npm into wwwroot/lib/uplot, once.
ensure_uplot() {
  local version=1.6.32 target
  target="$(portal_root)/wwwroot/lib/uplot"
  [ -f "$target/uPlot.iife.min.js" ] && grep -qx "$version" "$target/VERSION" 2>/dev/null && return 0
  echo "Installing uPlot $version from npm into wwwroot/lib/uplot"
  local tmp
  tmp=$(mktemp -d)
  npm install --prefix "$tmp" --no-audit --no-fund --silent "uplot@$version" >/dev/null \
    || { rm -rf "$tmp"; die "npm install uplot@$version failed"; }
  mkdir -p "$target"
  cp "$tmp/node_modules/uplot/dist/uPlot.iife.min.js" "$tmp/node_modules/uplot/dist/uPlot.min.css" "$tmp/node_modules/uplot/LICENSE" "$target/"
  echo "$version" > "$target/VERSION"
  rm -rf "$tmp"
}

# bench_machine prints the machine a benchmark runs on (CPU model, logical cores, the ISA flags that pick kernels,
# as the engine reads them) and sets BENCH_CPU, the token with_cpu appends to the RESULT line as cpu=….
bench_machine() {
  local root tool lines
  root=$(portal_root)
  dotnet build "$root/scripts/bench/Portal.Bench" -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null \
    || die "building scripts/bench/Portal.Bench failed"
  tool="$root/scripts/bench/Portal.Bench/bin/Release/net10.0/linux-x64/Portal.Bench"
  lines=$("$tool" machine) || die "Portal.Bench machine failed"
  echo "== machine: $(sed -n 's/^MACHINE //p' <<<"$lines")"
  BENCH_CPU=$(sed -n 's/^CPU_TOKEN //p' <<<"$lines")
  export BENCH_CPU
}

# with_cpu copies its input, appending cpu=$BENCH_CPU to RESULT lines (call bench_machine first).
with_cpu() { sed -u -E "s|^RESULT .*|& cpu=${BENCH_CPU:?call bench_machine first}|"; }

# stop PID: TERM, then KILL after 15 s; waits so nothing outlives the script.
stop() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# call WHO METHOD PATH [JSON]: the portal at $base; prints the body, the status goes to $work/status.
# WHO is admin (the cookie jar in $work) or an API key.
call() {
  local who=$1 method=$2 path=$3 body=${4:-}
  local auth=(-b "$work/cookies" -c "$work/cookies")
  [ "$who" = admin ] || auth=(-H "X-Api-Key: $who")
  local payload=(); [ -z "$body" ] || payload=(-H 'content-type: application/json' --data "$body")
  curl -sS -o "$work/body" -w '%{http_code}' -X "$method" "${auth[@]}" "${payload[@]}" "$base$path" > "$work/status"
  cat "$work/body"
}

# expect_status STATUS WHAT: fails naming WHAT unless the last call answered STATUS.
expect_status() {
  local want=$1 what=$2 got
  got=$(cat "$work/status")
  [ "$got" = "$want" ] || die "$what: HTTP $got, expected $want: $(cat "$work/body")"
}
expect() { expect_status "$@"; }

# ensure_pwsh installs PowerShell (the PowerShell .NET tool, from NuGet) into .tools/pwsh, where the module's tests
# run README's script in a real pwsh; once, or again when another version is there.
ensure_pwsh() {
  local version=7.6.10 target
  target="$(portal_root)/.tools/pwsh"
  [ -x "$target/pwsh" ] && [ -d "$target/.store/powershell/$version" ] && return 0
  echo "Installing PowerShell $version (the PowerShell .NET tool) into .tools/pwsh"
  if [ -e "$target/pwsh" ]; then
    dotnet tool uninstall PowerShell --tool-path "$target" >/dev/null || die "could not remove the PowerShell tool in $target"
  fi
  dotnet tool install PowerShell --version "$version" --tool-path "$target" >/dev/null \
    || die "dotnet tool install PowerShell --version $version failed"
}
