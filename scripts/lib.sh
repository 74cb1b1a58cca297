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
