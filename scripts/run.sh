#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh), publishes the server in Release and starts the portal on
# http://127.0.0.1:$PORTAL_PORT (default 5080) with its SQLite database and artifacts in $PORTAL_DATA (default
# ./data). On the first start with an empty data folder it creates the user admin and prints a one-time password
# (or uses $PORTAL_ADMIN_PASSWORD). PostgreSQL instead of SQLite: Portal__Database__Provider=postgres and
# Portal__Database__ConnectionString="Host=…;Database=…;Username=…;Password=…".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(portal_root)
# Resolved before moving to the repository root, so a relative PORTAL_DATA means relative to where you are.
data=$(realpath -m "${PORTAL_DATA:-$root/data}")
port=${PORTAL_PORT:-5080}
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "PORTAL_PORT must be a port number, not '$port'"
cd "$root"

if [ -n "${PORTAL_ADMIN_PASSWORD:-}" ] && [ ${#PORTAL_ADMIN_PASSWORD} -lt 12 ]; then
  die "PORTAL_ADMIN_PASSWORD must be at least 12 characters (the portal's password rule)"
fi
provider=${Portal__Database__Provider:-sqlite}
if [ "${provider,,}" != sqlite ]; then
  first="On a new database the admin's one-time password is printed below, once (or PORTAL_ADMIN_PASSWORD is used)."
elif [ -f "$data/portal.db" ]; then
  first="Sign in as admin with the password you were given on the first start."
  [ -z "${PORTAL_ADMIN_PASSWORD:-}" ] || first="$first (PORTAL_ADMIN_PASSWORD counts only on the first start.)"
elif [ -n "${PORTAL_ADMIN_PASSWORD:-}" ]; then
  first="First start: sign in as admin with PORTAL_ADMIN_PASSWORD."
else
  first="First start: the admin's one-time password is printed below, once. Note it."
fi

scripts/setup.sh

out=artifacts/server
echo "Publishing the server (Release) to $out…"
dotnet publish src/Portal.Server -c Release -o "$out" -nologo -clp:ErrorsOnly -v:q \
  || die "dotnet publish failed (see the errors above)"

# The build marks TorchSharp's GLIBCXX_3.4.32 requirement weak where the system's libstdc++ lacks that version
# (Debian 12); a published copy without the mark could not load libtorch.
native="$out/libLibTorchSharp.so"
libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF}' | head -1)
if [ -f "$native" ] && [ -n "$libstdcxx" ] && ! grep -qa 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  requirements=$(readelf -V "$native")
  grep -q 'Name: GLIBCXX_3\.4\.32 *Flags: WEAK' <<<"$requirements" \
    || die "$native still requires GLIBCXX_3.4.32, which this system's libstdc++ lacks; the publish step should have marked it weak (Directory.Build.targets)"
fi

# ONNX Runtime's natives come from the package src/Portal.Server picks (PortalOnnxRuntimeNative=gpu).
[ -f "$out/libonnxruntime.so" ] \
  || die "$out lacks libonnxruntime.so; the publish step should have copied ONNX Runtime's natives (src/Portal.Engine/OnnxRuntimeNative.targets)"

# Private to this account from the start, as the portal keeps everything in it.
(umask 077; mkdir -p "$data")
cat <<MSG

  Portal        http://127.0.0.1:$port
  API reference http://127.0.0.1:$port/reference   (OpenAPI: /openapi/v1.json)
  Data          $data
  $first
  Sign in from a script:
    curl -c cookies -H 'Content-Type: application/json' \\
         -d '{"userName":"admin","password":"…"}' http://127.0.0.1:$port/api/v1/auth/sign-in
  Stop with Ctrl+C.

MSG
export PORTAL_DATA="$data" PORTAL_PORT="$port"
exec dotnet "$out/Portal.Server.dll" --contentRoot "$root/$out"
