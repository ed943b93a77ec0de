#!/usr/bin/env bash
# vigia serve's request limits (limits: in the config): a token bucket per API token (per
# address without one) answering 429 rate_limited with Retry-After, passing again once refilled;
# max_connections answering the extra connection's request with 429 rather than dropping it;
# max_records_per_batch (413 too_many_records) and max_body_bytes (413 too_large); all counted
# in vigia_http_limited_total.
#
#   VIGIA=build/vigia bash tests/cli/serve_limits.sh
source "$(dirname "$0")/lib.bash"
SERVE_AUTH=tokens
source "$CLI_DIR/serve_lib.bash"

# ---- 1. rate 5/s, burst 5, per token ----
printf 'limits:\n  rate: 5\n  burst: 5\n' >rate.yaml
if ! start_daemon "$T/data" --config rate.yaml; then
    fail "start" "the daemon did not become ready"
    finish
fi
ADMIN=$(cat "$T/data/admin-token")
URL=http://127.0.0.1:$SERVE_PORT
# ten requests at once on one connection: the bucket holds five
curl -s -m 30 -H "Authorization: Bearer $ADMIN" -D "$T/hdr" -w '%{http_code}\n' \
    $(for _ in $(seq 10); do echo "-o /dev/null $URL/v1/models"; done) >codes
check_eq "burst 5: five pass, the sixth is 429" "$(head -6 codes | tr '\n' ' ')" "200 200 200 200 200 429 "
check_eq "the 429 carries Retry-After: 1 (one request back in 0.2 s, rounded up)" \
    "$(grep -i '^Retry-After:' "$T/hdr" | head -1 | tr -d '\r')" "Retry-After: 1"
tapi_code() { curl -s -m 10 -o "$T/resp" -w '%{http_code}' "$@"; }
check_eq "429 body: code rate_limited" \
    "$(tapi_code -H "Authorization: Bearer $ADMIN" "$URL/v1/models") $(jget resp 'd["error"]["code"]')" \
    "429 rate_limited"
check_eq "another client (no token, its address's bucket) is not limited by the token's" \
    "$(tapi_code "$URL/v1/models")" 401
code=
for _ in $(seq 30); do
    code=$(tapi_code -H "Authorization: Bearer $ADMIN" "$URL/v1/models")
    [ "$code" = 200 ] && break
    sleep 0.2
done
check_eq "after waiting, the token passes again" "$code" 200
sleep 0.4
curl -s -m 10 -H "Authorization: Bearer $ADMIN" "$URL/metrics" >metrics
n=$(sed -n 's/^vigia_http_limited_total{reason="rate"} \([0-9]*\)$/\1/p' metrics)
check_eq "rate refusals counted on /metrics (at least 5)" "$([ "${n:-0}" -ge 5 ] && echo yes)" yes "got $n"
stop_daemon

# ---- 2. max_connections 3, max_records_per_batch 2, max_body_bytes 2048 ----
printf 'limits:\n  max_connections: 3\nmax_records_per_batch: 2\nmax_body_bytes: 2048\n' >conn.yaml
SERVE_AUTH=off
if ! start_daemon "$T/data2" --config conn.yaml; then
    fail "start (max_connections)" "not ready"
    finish
fi
URL=http://127.0.0.1:$SERVE_PORT
"$PY" - "$SERVE_PORT" >conn.out 2>&1 <<'PYEOF'
import socket, sys, time
port = int(sys.argv[1])
def request(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode("latin-1")
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
time.sleep(0.5)
extra = socket.create_connection(("127.0.0.1", port))
answer = request(extra)
status = answer.split(" ")[1] if " " in answer else "none"
retry = [l for l in answer.split("\r\n") if l.lower().startswith("retry-after:")]
print("extra", status, retry[0] if retry else "no-retry-after")
extra.close()
print("held", request(held[0]).split(" ")[1])
for s in held:
    s.close()
time.sleep(0.5)
again = socket.create_connection(("127.0.0.1", port))
print("after", request(again).split(" ")[1])
again.close()
PYEOF
check_eq "over max_connections: the extra connection gets 429 with Retry-After" \
    "$(grep '^extra' conn.out)" "extra 429 Retry-After: 1"
check_eq "the held connections are served" "$(grep '^held' conn.out)" "held 200"
check_eq "once they close, a new connection is served" "$(grep '^after' conn.out)" "after 200"

cat >model.json <<'EOF'
{"name": "m", "task": "regression", "features": [{"name": "x", "type": "numeric"}]}
EOF
post_json /v1/models model.json
check_http "model registered" 201
cat >three.json <<'EOF'
[{"id": "1", "timestamp": "2026-02-01T00:00:01Z", "features": {"x": 1}, "prediction": 1},
 {"id": "2", "timestamp": "2026-02-01T00:00:02Z", "features": {"x": 2}, "prediction": 2},
 {"id": "3", "timestamp": "2026-02-01T00:00:03Z", "features": {"x": 3}, "prediction": 3}]
EOF
post_json /v1/models/m/predictions three.json
check_http "3 records over max_records_per_batch 2: 413" 413
check_eq "413 code too_many_records" "$(jget resp 'd["error"]["code"]')" too_many_records
"$PY" -c 'print("[" + ",".join(["{\"id\": \"%d\", \"features\": {\"x\": 1}, \"prediction\": 1}" % i for i in range(60)]) + "]")' >big.json
post_json /v1/models/m/predictions big.json
check_http "a body over max_body_bytes: 413" 413
check_eq "413 code too_large" "$(jget resp 'd["error"]["code"]')" too_large
api GET /metrics
check_eq "limits counted by reason" \
    "$(grep '^vigia_http_limited_total' "$T/resp" | sed 's/^vigia_http_limited_total{reason="\(.*\)"} /\1=/' | tr '\n' ' ')" \
    "body=1 records=1 rate=0 connections=1 "
stop_daemon
check_eq "clean stop" "$STOP_RC" 0
check_logs_clean "daemon logs free of sanitizer reports"
finish
