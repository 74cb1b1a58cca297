#!/usr/bin/env bash
# Regenerates or adds EF Core migrations for both providers: scripts/migrations.sh add <Name>
# (one migration set per provider, in src/Portal.Server/Persistence/Migrations/{Sqlite,Postgres}).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(portal_root)"
[ "${1:-}" = "add" ] && [ -n "${2:-}" ] || die "usage: scripts/migrations.sh add <MigrationName>"
dotnet tool restore >/dev/null
dotnet build src/Portal.Server -c Debug -nologo -clp:ErrorsOnly -v:q
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$2" --no-build --configuration Debug --project src/Portal.Server \
    --context "${provider}PortalDbContext" --output-dir "Persistence/Migrations/$provider"
done
