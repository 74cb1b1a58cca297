#!/usr/bin/env bash
# Installs what Portal needs and builds it in Release. Safe to re-run: it only installs what is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(portal_root)"

command -v dotnet >/dev/null || die "the .NET SDK is missing: install dotnet 10 (see global.json) and re-run"
dotnet --version | grep -q '^10\.' || die "the .NET SDK 10 is required; found $(dotnet --version)"

# Fashion-MNIST, the demo and test dataset, comes from Debian; the C compiler builds the engine's one-function
# MKL shim (src/Portal.Engine/Platform/Native), which doubles matrix throughput on AMD CPUs.
ensure_debian_packages dataset-fashion-mnist gcc libc6-dev
# The fortunes are the built-in text dataset (fortunes-train, fortunes-test).
ensure_debian_packages fortunes
# QEMU's user-mode emulator lets the engine's tests run the int8 graph on an emulated AVX2 CPU without VNNI, whose
# int8 kernels saturate, whatever CPU runs the suite.
ensure_debian_packages qemu-user
# The portal's live chart (uPlot) comes from npm into wwwroot/lib, before the build picks up wwwroot; the
# end-to-end tests drive Debian's Chromium.
command -v npm >/dev/null || ensure_debian_packages npm
ensure_debian_packages chromium
ensure_uplot
# The PowerShell module's tests also run README's script in a real pwsh (the PowerShell .NET tool, in .tools/pwsh).
ensure_pwsh
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] \
  || die "Fashion-MNIST is not at /usr/share/datasets/fashion-mnist after installing dataset-fashion-mnist"
[ -f /usr/share/games/fortunes/computers ] \
  || die "the fortunes are not at /usr/share/games/fortunes after installing fortunes"

echo "Restoring and building Portal (Release)…"
dotnet build Portal.sln -c Release -nologo -clp:ErrorsOnly -v:q \
  || die "the Release build failed (see the errors above)"
# The PowerShell module: the Release build of src/Portal.PowerShell puts its assemblies beside modules/Portal/Portal.psd1.
[ -f modules/Portal/Portal.PowerShell.dll ] || die "the PowerShell module was not laid out in modules/Portal (see src/Portal.PowerShell)"
echo "Setup done."
