#!/usr/bin/env bash
# vigia serve over TLS (tls: {cert, key} in the config): a self-signed certificate made here
# with the openssl CLI; curl --cacert talks to it, plain HTTP to the same port fails, /metrics
# says vigia_tls_enabled 1; a reload that changes the files says it needs a restart; an
# unreadable or invalid certificate or key refuses the start with an error naming the file.
#
#   VIGIA=build/vigia bash tests/cli/serve_tls.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

if ! command -v openssl >/dev/null; then
    echo "SKIP tls: the openssl CLI is not installed (make deps)"
    finish
fi
if ! openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>openssl.err; then
    fail "openssl makes a self-signed certificate" "$(tr '\n' ' ' <openssl.err | cut -c1-200)"
    finish
fi
chmod 600 key.pem
printf 'tls:\n  cert: %s/cert.pem\n  key: %s/key.pem\n' "$T" "$T" >tls.yaml

# start_daemon polls /readyz over http: started by hand here, polled over https
SERVE_LOG=$T/serve.tls.log
SERVE_LOGS+=("$SERVE_LOG")
"$VIGIA" serve --auth off --listen 127.0.0.1:0 --data-dir "$T/data" --config tls.yaml 2>"$SERVE_LOG" &
SERVE_PID=$!
SERVE_PORT=
for _ in $(seq 100); do
    SERVE_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (TLS).*/\1/p' "$SERVE_LOG" | head -1)
    [ -n "$SERVE_PORT" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
done
check_eq "the start-up line says TLS" "$([ -n "$SERVE_PORT" ] && echo yes)" yes "$(tail -2 "$SERVE_LOG")"
HTTPS=https://127.0.0.1:$SERVE_PORT
code=000
for _ in $(seq 100); do
    code=$(curl -s -m 5 --cacert cert.pem -o "$T/resp" -w '%{http_code}' "$HTTPS/readyz")
    [ "$code" = 200 ] && break
    sleep 0.1
done
check_eq "curl --cacert: /readyz over https" "$code" 200
code=$(curl -s -m 5 --cacert cert.pem -o "$T/resp" -w '%{http_code}' "$HTTPS/v1/models")
check_eq "curl --cacert: the API over https" "$code $(jget resp 'd["models"]')" "200 []"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$HTTPS/healthz")
check_eq "without the CA the certificate is not trusted" "$code" 000
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVE_PORT/healthz")
check_eq "plain http to the TLS port fails" "$code" 000
curl -s -m 5 --cacert cert.pem "$HTTPS/metrics" >"$T/metrics"
check_eq "/metrics: vigia_tls_enabled 1" "$(grep -c '^vigia_tls_enabled 1$' "$T/metrics")" 1

# a reload that changes the paths says it needs a restart, and TLS stays up
printf 'tls:\n  cert: %s/other.pem\n  key: %s/key.pem\n' "$T" "$T" >tls.yaml
kill -HUP "$SERVE_PID"
for _ in $(seq 50); do
    grep -q 'tls (cert, key) changed: needs a restart' "$SERVE_LOG" && break
    sleep 0.1
done
check_eq "reload: a tls change needs a restart" \
    "$(grep -c 'tls (cert, key) changed: needs a restart' "$SERVE_LOG")" 1
code=$(curl -s -m 5 --cacert cert.pem -o /dev/null -w '%{http_code}' "$HTTPS/healthz")
check_eq "still https after the reload" "$code" 200
stop_daemon
check_eq "clean stop" "$STOP_RC" 0

# refusals at start, naming the file
printf 'tls:\n  cert: %s/missing.pem\n  key: %s/key.pem\n' "$T" "$T" >bad1.yaml
run serve --auth off --listen 127.0.0.1:0 --data-dir "$T/d1" --config bad1.yaml
expect "a missing certificate refuses the start" 2 "tls.cert: cannot read $T/missing.pem"
echo "not a certificate" >junk.pem
printf 'tls:\n  cert: %s/junk.pem\n  key: %s/key.pem\n' "$T" "$T" >bad2.yaml
run serve --auth off --listen 127.0.0.1:0 --data-dir "$T/d2" --config bad2.yaml
expect "an invalid certificate refuses the start" 2 "tls.cert: $T/junk.pem is not a PEM certificate"
printf 'tls:\n  cert: %s/cert.pem\n  key: %s/cert.pem\n' "$T" "$T" >bad3.yaml
run serve --auth off --listen 127.0.0.1:0 --data-dir "$T/d3" --config bad3.yaml
expect "a certificate given as the key refuses the start" 2 "tls.key: $T/cert.pem is not a PEM private key"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key2.pem -out cert2.pem -days 2 -subj "/CN=x" 2>/dev/null
printf 'tls:\n  cert: %s/cert.pem\n  key: %s/key2.pem\n' "$T" "$T" >bad4.yaml
run serve --auth off --listen 127.0.0.1:0 --data-dir "$T/d4" --config bad4.yaml
expect "a key that does not go with the certificate refuses the start" 2 "do not go together"
check_logs_clean "daemon log free of sanitizer reports"
finish
