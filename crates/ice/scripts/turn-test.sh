#!/usr/bin/env bash
# Runs the TURN relay test against a real coturn on loopback: installs Debian's coturn if
# missing, starts it with long-term credentials, runs the ignored `turn` test, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v turnserver >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq coturn
fi
PORT="${RTCSCOPE_TURN_PORT:-34780}"
LOG="$(mktemp)"
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$PORT" \
  --min-port=49160 --max-port=49200 --lt-cred-mech --user=rtcscope:turn-secret \
  --realm=rtcscope.test --no-tls --no-dtls --no-cli --allow-loopback-peers \
  --log-file=stdout --simple-log >"$LOG" 2>&1 &
TURN_PID=$!
trap 'kill "$TURN_PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
# Wait until coturn listens.
for _ in $(seq 1 50); do
  if grep -q "Total UDP servers" "$LOG" 2>/dev/null || ss -lun 2>/dev/null | grep -q ":$PORT "; then break; fi
  sleep 0.1
done
RTCSCOPE_TURN="127.0.0.1:$PORT" cargo test -p rtcscope-ice --test turn -- --ignored --nocapture
