#!/usr/bin/env bash
# A tour of the REST API against a running portal, with curl: sign in as the admin, create a Contributor and an
# Approver with API keys, train fashion-mlp for one epoch, register the version, request its promotion to
# production as the Contributor, see the Contributor's own approval refused, approve as the Approver, then read
# and verify the audit trail.   Usage: PORTAL_ADMIN_PASSWORD=… scripts/demo.sh [BASE_URL]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_debian_packages curl jq

base=${1:-http://127.0.0.1:${PORTAL_PORT:-5080}}
[ -n "${PORTAL_ADMIN_PASSWORD:-}" ] || die "set PORTAL_ADMIN_PASSWORD to the admin's password (printed by scripts/run.sh on first start)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
suffix=$(date +%s)

# The shared expect, saying what passed: the demo is read by people.
expect() {
  expect_status "$@"
  echo "ok  $2 (HTTP $(cat "$work/status"))"
}

call admin POST /api/v1/auth/sign-in "{\"userName\":\"admin\",\"password\":\"$PORTAL_ADMIN_PASSWORD\"}" > /dev/null
expect 200 "admin signs in"

user_with_key() { # ROLE → prints the new user's API key
  local role=$1 name; name="$(tr 'A-Z' 'a-z' <<<"$1")-$suffix"
  local id; id=$(call admin POST /api/v1/users "{\"userName\":\"$name\",\"password\":\"demo-password-$suffix\",\"role\":\"$role\"}" | jq -r .id)
  expect 201 "admin creates $role $name" >&2
  call admin POST /api/v1/api-keys "{\"name\":\"demo\",\"expiresInDays\":1,\"userId\":\"$id\"}" | jq -r .secret
  expect 201 "admin creates an API key for $name" >&2
}
contributor=$(user_with_key Contributor)
approver=$(user_with_key Approver)

dataset=$(call "$contributor" GET "/api/v1/datasets?limit=500" | jq -r '.items[] | select(.name == "fashion-mnist-train") | .id')
expect 200 "contributor lists the datasets"
[ -n "$dataset" ] || die "the ready dataset fashion-mnist-train is not registered (is Debian's dataset-fashion-mnist installed?)"

run=$(call "$contributor" POST /api/v1/runs "{\"name\":\"demo-$suffix\",\"datasetId\":\"$dataset\",\"spec\":\"fashion-mlp\",\"options\":{\"epochs\":1,\"batchSize\":128,\"optimizer\":\"Adam\",\"learningRate\":0.001}}" | jq -r .id)
expect 201 "contributor starts training fashion-mlp for 1 epoch"
for _ in $(seq 600); do
  state=$(call "$contributor" GET "/api/v1/runs/$run" | jq -r .state)
  case "$state" in
    Succeeded) break ;;
    Failed|Cancelled|Interrupted) die "the run ended $state: $(jq -r .error "$work/body")" ;;
  esac
  sleep 1
done
[ "$state" = Succeeded ] || die "the run did not finish within 10 minutes (state $state)"
echo "ok  run $run succeeded"

model="fashion-demo-$suffix"
call "$contributor" POST /api/v1/models "{\"name\":\"$model\",\"description\":\"scripts/demo.sh\"}" > /dev/null
expect 201 "contributor creates model $model"
version_json=$(call "$contributor" POST "/api/v1/models/$model/versions" "{\"runId\":\"$run\"}")
expect 201 "contributor registers the run as a version (evaluated on fashion-mnist-test, latency measured)"
version=$(jq -r .number <<<"$version_json")
accuracy=$(jq -r .evidence.accuracy <<<"$version_json")
echo "    version $version: test accuracy $accuracy, p50 $(jq -r .evidence.latencyP50Ms <<<"$version_json") ms at batch 1"

request=$(call "$contributor" POST /api/v1/promotions "{\"model\":\"$model\",\"alias\":\"production\",\"version\":$version,\"comment\":\"first production model\"}" | jq -r .id)
expect 201 "contributor requests promotion of version $version to production"
call "$contributor" POST "/api/v1/promotions/$request/approve" '{"comment":"looks good to me"}' > /dev/null
expect 403 "contributor cannot approve their own request"
call "$approver" POST "/api/v1/promotions/$request/approve" '{"comment":"evidence reviewed"}' > /dev/null
expect 200 "approver approves"
holder=$(call "$approver" GET "/api/v1/models/$model/aliases" | jq -r '.[] | select(.alias == "production") | .version')
[ "$holder" = "$version" ] || die "production holds version $holder, expected $version"
echo "ok  production now holds version $version"

echo "audit trail (newest first):"
call admin GET "/api/v1/audit?limit=12" | jq -r '.items[] | "    #\(.sequence) \(.time) \(.actor) \(.action) \(.subjectType)"'
chain=$(call admin GET /api/v1/audit/verify | jq -r 'if .valid then "valid" else "broken" end')
expect 200 "audit chain verified: $chain"
echo "RESULT demo=ok accuracy=$accuracy audit_chain=$chain"
