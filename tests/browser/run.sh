#!/usr/bin/env bash
# Browser interop: headless Chromium (Debian's package) against rtcscope over real UDP.
#
# Chrome ignores loopback interfaces for ICE, so both run inside a network namespace of
# our own with a veth pair (198.18.0.1/24, 198.18.0.2/24; 198.18.0.0/15 is the
# benchmarking range): no traffic leaves the namespace. Needs root (as CI is).
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../.. && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
npm ci --no-audit --no-fund --silent

cargo build -q -p rtcscope --manifest-path "$ROOT/Cargo.toml"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/rtcscope"

NS="rtcscope-web-$$"
cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip link add veth-a type veth peer name veth-b
ip netns exec "$NS" ip addr add 198.18.0.1/24 dev veth-a
ip netns exec "$NS" ip addr add 198.18.0.2/24 dev veth-b
ip netns exec "$NS" ip link set veth-a up
ip netns exec "$NS" ip link set veth-b up

OUT="$(mktemp -d)"
# rtcscope serve binds HTTP to 127.0.0.1 (a secure context for getUserMedia) and its
# media sockets to 198.18.0.2, both inside the namespace.
ip netns exec "$NS" env RTCSCOPE_BIN="$BIN" INTEROP_UDP_ADDR=198.18.0.2 \
  INTEROP_OUT="$OUT/rtcscope-reports.json" INTEROP_SCREENSHOT="${INTEROP_SCREENSHOT:-$OUT/dashboard.png}" \
  node interop.mjs
# Our reports of both calls ({"whip": ..., "whep": ...}) must pass the verifier.
"$BIN" verify "$OUT/rtcscope-reports.json"
# --strict: also every mandatory-to-implement member (webrtc-pc §8.6).
"$BIN" verify --strict "$OUT/rtcscope-reports.json"
echo "screenshot of the dashboard: ${INTEROP_SCREENSHOT:-$OUT/dashboard.png}"
