#!/usr/bin/env bash
# vigia serve scraped by a real Prometheus (/usr/bin/prometheus): the daemon gets a model and a
# batch of predictions, Prometheus scrapes /metrics every second, and its HTTP API is queried
# until vigia_records_accepted_total comes back with the right value (30 s at most).
#
#   VIGIA=build/vigia bash tests/cli/serve_prometheus.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

PROM=${PROMETHEUS:-/usr/bin/prometheus}
if [ ! -x "$PROM" ]; then
    fail "setup" "$PROM not found (scripts/install-deps installs prometheus)"
    finish
fi

if ! start_daemon "$T/data"; then
    fail "start" "the daemon did not become ready"
    finish
fi
cat >spec.json <<'EOF'
{"name": "scraped", "task": "regression", "features": [{"name": "x", "type": "numeric"}],
 "window": {"count": 50}}
EOF
post_json /v1/models spec.json
check_http "model registered" 201
"$PY" -c 'import json; json.dump([{"id": str(i), "features": {"x": i}, "prediction": i * 0.5} for i in range(120)], open("batch.json", "w"))'
post_json /v1/models/scraped/predictions batch.json
check_http "batch accepted" 200

# a free port for Prometheus
PROM_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >prometheus.yml <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vigia
    scrape_interval: 1s
    static_configs:
      - targets: ['127.0.0.1:$SERVE_PORT']
EOF
"$PROM" --config.file=prometheus.yml --storage.tsdb.path="$T/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >prometheus.log 2>&1 &
EXTRA_PIDS+=($!)

got=
for i in $(seq 1 60); do
    curl -s -m 2 -o q.json \
        "http://127.0.0.1:$PROM_PORT/api/v1/query?query=vigia_records_accepted_total" 2>/dev/null
    if [ -s q.json ]; then
        got=$(jget q.json '[(r["metric"].get("model"), r["value"][1]) for r in d["data"]["result"]]')
        [ "$got" = '[["scraped", "120"]]' ] && break
    fi
    sleep 0.5
done
check_eq "Prometheus scraped vigia_records_accepted_total" "$got" '[["scraped", "120"]]'
curl -s -m 2 -o t.json "http://127.0.0.1:$PROM_PORT/api/v1/targets" 2>/dev/null
check_eq "scrape target healthy" "$(jget t.json '[t["health"] for t in d["data"]["activeTargets"]]')" \
    '["up"]'
curl -s -m 2 -o w.json \
    "http://127.0.0.1:$PROM_PORT/api/v1/query?query=vigia_windows_closed_total" 2>/dev/null
check_eq "windows closed seen by Prometheus" "$(jget w.json 'd["data"]["result"][0]["value"][1]')" 2

for p in "${EXTRA_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
EXTRA_PIDS=()
stop_daemon TERM
check_eq "SIGTERM exits 0" "$STOP_RC" 0
check_logs_clean "no sanitizer report in the daemon log"
finish
