#!/usr/bin/env bash
# vigia serve with API tokens (docs/api.md "Authentication"): the bootstrap admin token (file
# mode 0600, usable), 401 with WWW-Authenticate for a missing, malformed, unknown or revoked
# token, 403 for a missing scope or another model, tokens made through the API and in the
# config (vigia token new / hash), config tokens not revocable by the API, /metrics behind read
# unless public_metrics (changed by a reload), the audit of failures, `--auth off` warned about
# and refused on a non-loopback address.
#
#   VIGIA=build/vigia bash tests/cli/serve_auth.sh
source "$(dirname "$0")/lib.bash"
SERVE_AUTH=tokens
source "$CLI_DIR/serve_lib.bash"

# tapi TOKEN METHOD PATH [curl args...]: api with a Bearer token (headers in $T/hdr)
tapi() {
    local tok=$1
    shift
    api "$@" -D "$T/hdr" ${tok:+-H "Authorization: Bearer $tok"}
}

cat >model.json <<'EOF'
{"name": "credit", "task": "binary", "features": [{"name": "x", "type": "numeric"}],
 "window": {"duration": "1h"}}
EOF
sed 's/"credit"/"fraud"/' model.json >model2.json
cat >batch.json <<'EOF'
[{"id": "1", "timestamp": "2026-02-01T00:00:01Z", "features": {"x": 1}, "prediction": 0.2}]
EOF

# ---- 1. first start: no token anywhere -> the bootstrap admin token ----
if ! start_daemon "$T/data" --log-level debug; then
    fail "start" "the daemon did not become ready"
    finish
fi
ADMIN=$(cat "$T/data/admin-token" 2>/dev/null)
check_eq "bootstrap token file is mode 0600" "$(stat -c %a "$T/data/admin-token" 2>&1)" 600
check_eq "bootstrap token has the token shape" \
    "$([[ $ADMIN =~ ^vg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$ ]] && echo yes)" yes
check_eq "the log names the file, never the secret" \
    "$(grep -c "admin-token" "$SERVE_LOG") $(grep -c -F "${ADMIN#vg_*_}" "$SERVE_LOG")" "1 0"

tapi "" GET /v1/models
check_http "no token: 401" 401
check_eq "401 code unauthorized" "$(jget resp 'd["error"]["code"]')" unauthorized
check_eq "401 carries WWW-Authenticate" \
    "$(grep -i '^WWW-Authenticate:' "$T/hdr" | tr -d '\r')" 'WWW-Authenticate: Bearer realm="vigia"'
api GET /v1/models -H "Authorization: Basic dXNlcjpwYXNz"
check_http "Basic credentials: 401" 401
tapi "not-a-token" GET /v1/models
check_http "malformed token: 401" 401
BAD="vg_${ADMIN:3:12}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
tapi "$BAD" GET /v1/models
check_http "right id, wrong secret: 401" 401
check_eq "the message never echoes the token" "$(grep -c -F "${BAD:16}" "$T/resp")" 0
tapi "" GET /healthz
check_http "/healthz is open" 200
tapi "" GET /readyz
check_http "/readyz is open" 200
tapi "" GET /metrics
check_http "/metrics without a token: 401" 401
tapi "$ADMIN" GET /v1/models
check_http "bootstrap admin token works" 200
tapi "$ADMIN" POST /v1/models -H 'Content-Type: application/json' --data-binary @model.json
check_http "admin registers a model" 201
tapi "$ADMIN" POST /v1/models -H 'Content-Type: application/json' --data-binary @model2.json
check_http "admin registers a second model" 201

# tokens through the API
mk() { # mk NAME SCOPES-JSON [MODEL]: prints the new secret
    local body="{\"name\": \"$1\", \"scopes\": $2${3:+, \"model\": \"$3\"}}"
    tapi "$ADMIN" POST /v1/tokens -H 'Content-Type: application/json' --data-binary "$body"
    [ "$HTTP" = 201 ] && jget resp 'd["token"]'
}
ING=$(mk ingester '["ingest"]')
check_eq "POST /v1/tokens: 201 with the secret" "${ING:0:3}" vg_
RD=$(mk reader '["read"]')
MOD=$(mk credit-only '["ingest", "read"]' credit)
tapi "$ADMIN" POST /v1/tokens -H 'Content-Type: application/json' \
    --data-binary '{"name": "x", "scopes": ["root"]}'
check_http "a bad scope: 400" 400
check_eq "the error names the field" "$(jget resp '"scopes" in d["error"]["message"]')" True

tapi "$ING" POST /v1/models/credit/predictions -H 'Content-Type: application/json' --data-binary @batch.json
check_http "ingest token posts predictions" 200
tapi "$ING" GET /v1/models/credit
check_http "ingest token cannot read: 403" 403
check_eq "403 code forbidden, names the scope" \
    "$(jget resp '(d["error"]["code"], "read scope" in d["error"]["message"])')" '["forbidden", true]'
tapi "$ING" GET /metrics
check_http "ingest token cannot read /metrics: 403" 403
tapi "$RD" GET /v1/models/credit
check_http "read token reads" 200
tapi "$RD" GET /metrics
check_http "read token reads /metrics" 200
tapi "$RD" POST /v1/models/credit/predictions -H 'Content-Type: application/json' --data-binary @batch.json
check_http "read token cannot ingest: 403" 403
tapi "$RD" DELETE /v1/models/credit
check_http "read token cannot delete: 403" 403
tapi "$RD" GET /v1/tokens
check_http "read token cannot list tokens: 403" 403
tapi "$MOD" POST /v1/models/credit/predictions -H 'Content-Type: application/json' --data-binary @batch.json
check_http "model-scoped token ingests into its model" 200
tapi "$MOD" GET /v1/models/credit/windows
check_http "model-scoped token reads its model" 200
tapi "$MOD" POST /v1/models/fraud/predictions -H 'Content-Type: application/json' --data-binary @batch.json
check_http "model-scoped token on another model: 403" 403
check_eq "the 403 names the model" "$(jget resp '"credit" in d["error"]["message"]')" True
tapi "$MOD" GET /v1/models
check_http "model-scoped token cannot list every model: 403" 403

tapi "$ADMIN" GET /v1/tokens
check_http "GET /v1/tokens" 200
check_eq "the list shows names and scopes, no secret or hash" \
    "$(jget resp '(sorted(t["name"] for t in d["tokens"]), any("token" in t or "hash" in t or "salt" in t for t in d["tokens"]))')" \
    '[["bootstrap-admin", "credit-only", "ingester", "reader"], false]'
check_eq "no secret anywhere in the list" "$(grep -c -F -e "${ING:16}" -e "${ADMIN:16}" "$T/resp")" 0
RID=${RD:3:12}
tapi "$ADMIN" DELETE "/v1/tokens/$RID"
check_http "DELETE /v1/tokens/{id} revokes" 200
tapi "$RD" GET /v1/models/credit
check_http "a revoked token: 401" 401
tapi "$ADMIN" DELETE /v1/tokens/000000000000
check_http "revoking an unknown id: 404" 404

# the rate gauges start at the tick after a token is loaded: wait for one (a loaded machine can
# delay the tick thread)
for _ in $(seq 50); do
    tapi "$ADMIN" GET /metrics
    grep -q "^vigia_token_rate_anomaly{token=\"${ADMIN:3:12}\"}" "$T/resp" && break
    sleep 0.1
done
check_eq "auth failures counted by reason" \
    "$(grep -E '^vigia_auth_failures_total\{reason="(missing|malformed|unknown|revoked|scope|model)"\}' "$T/resp" | awk '{printf "%s ", $2}')" \
    "2 2 1 1 5 2 "
check_eq "requests counted per token id" \
    "$(grep -c "^vigia_token_requests_total{token=\"${ING:3:12}\"} 3$" "$T/resp")" 1
check_eq "rate anomaly gauge of the admin token, none for the revoked one" \
    "$(grep -c "^vigia_token_rate_anomaly{token=\"${ADMIN:3:12}\"}" "$T/resp") $(grep -c "^vigia_token_rate_anomaly{token=\"${RD:3:12}\"}" "$T/resp")" "1 0"
"$VIGIA" audit export --data-dir "$T/data" -o "$T/audit.ndjson"
count_action() { grep -c "\"action\":\"$1\"" "$T/audit.ndjson"; }
check_eq "auth failures, forbidden requests and token changes in the audit log" \
    "$(grep '"action":"auth.failure"' "$T/audit.ndjson" | grep -c '/v1/models') $(count_action auth.forbidden) $(count_action token.create) $(count_action token.revoke)" \
    "5 7 4 1"
check_eq "no secret in the audit log" "$(grep -c -F -e "${ING:16}" -e "${MOD:16}" -e "${ADMIN:16}" "$T/audit.ndjson")" 0
check_eq "no secret in the log" "$(grep -c -F -e "${ING:16}" -e "${MOD:16}" -e "${ADMIN:16}" "$SERVE_LOG")" 0
stop_daemon
check_eq "clean stop" "$STOP_RC" 0

# ---- 2. config tokens (vigia token new / hash), on the same data directory ----
run token new --name scraper --scopes read
check_eq "token new: exit 0" "$RC" 0
CFGTOK=$(head -1 "$T/out")
sed -n '2,$p' "$T/out" | sed 's/^/    /' >entry.yaml
run_in <(echo "$ING") token hash
check_eq "token hash: exit 0, a vg1 hash" "$RC $(cut -c1-4 "$T/out")" '0 vg1$'
INGHASH=$(cat "$T/out")
{
    echo "auth:"
    echo "  tokens:"
    cat entry.yaml
} >serve.yaml
if ! start_daemon "$T/data" --config serve.yaml; then
    fail "restart with config tokens" "not ready"
    finish
fi
tapi "$CFGTOK" GET /metrics
check_http "a config token (token new) reads /metrics" 200
tapi "$ING" POST /v1/models/credit/predictions -H 'Content-Type: application/json' --data-binary @batch.json
check_http "API tokens survive a restart" 200
tapi "$RD" GET /v1/models/credit
check_http "a revoked token stays revoked after a restart" 401
tapi "$ADMIN" DELETE "/v1/tokens/${CFGTOK:3:12}"
check_http "a config token cannot be revoked by the API: 409" 409
check_eq "the 409 says to edit the config" "$(jget resp '"config" in d["error"]["message"]')" True
check_eq "no new bootstrap file when tokens exist" "$(ls "$T/data" | grep -c admin-token)" 1

# reload: public_metrics on, the scraper gone
printf 'auth:\n  public_metrics: true\n' >serve.yaml
kill -HUP "$SERVE_PID"
for _ in $(seq 50); do
    tapi "" GET /metrics
    [ "$HTTP" = 200 ] && break
    sleep 0.1
done
check_http "after a reload with public_metrics: /metrics without a token" 200
tapi "$CFGTOK" GET /v1/models
check_http "after a reload without it: the config token is gone (401)" 401
tapi "" GET /v1/models
check_http "public_metrics opens /metrics only" 401
stop_daemon

# a bad hash in the config is refused at start, naming the field
printf 'auth:\n  tokens:\n    - {name: x, hash: "vg1$zz", scopes: [read]}\n' >bad.yaml
run serve --config bad.yaml --listen 127.0.0.1:0 --data-dir "$T/data3"
expect "a bad token hash in the config: exit 2" 2 "auth.tokens[0].hash"

# ---- 3. --auth off ----
run serve --auth off --listen 0.0.0.0:0 --data-dir "$T/data4"
expect "--auth off on 0.0.0.0 is refused" 2 "refusing to listen on 0.0.0.0 with authentication off"
printf 'auth: {mode: "off"}\nlisten: 0.0.0.0:0\n' >off.yaml
run serve --config off.yaml --data-dir "$T/data4"
expect "auth.mode off in the config on 0.0.0.0 is refused" 2 "authentication off"
SERVE_AUTH=off
if start_daemon "$T/data5"; then
    check_eq "--auth off warns at start" \
        "$(grep -c 'WARN .*authentication is off: anyone who can reach' "$SERVE_LOG")" 1
    api GET /v1/models
    check_http "--auth off: no token needed" 200
    check_eq "--auth off: no bootstrap file" "$(ls "$T/data5" | grep -c admin-token)" 0
    stop_daemon
else
    fail "--auth off on loopback starts" "not ready"
fi

# ---- 4. token_rate_anomaly drives an alert rule (daemon-level, label token) ----
cat >anomaly.yaml <<'EOF'
alerts:
  evaluation_interval: 200ms
  rules:
    - name: token_burst
      metric: token_rate_anomaly
      op: ">"
      threshold: 0.5
EOF
SERVE_AUTH=tokens
if start_daemon "$T/data6" --config anomaly.yaml; then
    A6=$(cat "$T/data6/admin-token")
    # 100 requests at once: the 1-minute EWMA jumps to about 100 (1 - e^(-1/60)) = 1.65 per
    # second against the 1/s floor of the baseline
    curl -s -m 60 -H "Authorization: Bearer $A6" -w '%{http_code}\n' \
        $(for _ in $(seq 100); do echo "-o /dev/null http://127.0.0.1:$SERVE_PORT/v1/models"; done) >codes6
    check_eq "100 requests answered" "$(grep -c '^200$' codes6)" 100
    got=
    for _ in $(seq 50); do
        tapi "$A6" GET /v1/alerts
        got=$(jget resp '[(a["rule"], a["model"], a["labels"].get("token")) for a in d["alerts"]]')
        [ "$got" != "[]" ] && break
        sleep 0.2
    done
    check_eq "a token_rate_anomaly rule fires for the token, model (daemon)" "$got" \
        "[[\"token_burst\", \"(daemon)\", \"${A6:3:12}\"]]"
    stop_daemon
else
    fail "start with an anomaly rule" "not ready"
fi
check_logs_clean "daemon logs free of sanitizer reports"
finish
