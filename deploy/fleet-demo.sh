#!/usr/bin/env bash
# A fleet on one machine, for trying the coordinator without a cluster: N agents (the built server),
# each in its own network namespace (10.233.<i>.2, port 7070, own data dir), a coordinator on
# 127.0.0.1:7171 over the static list, and ping-pong traffic on port 9471 in every namespace.
# Runs "$@" (default: a shell) with SONDE_FLEET_URL/SONDE_FLEET_TOKEN set, then removes everything.
#
#   sudo bash deploy/fleet-demo.sh                      # explore with curl
#   sudo bash deploy/fleet-demo.sh bash my-session.sh   # scripted
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-3}
TOKEN=${TOKEN:-demo-fleet-token-0123456789}
TMP=$(mktemp -d /tmp/sonde-fleet-demo.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for i in $(seq 0 $((N - 1))); do ip netns del "sdemo$i" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
AGENTS=()
for i in $(seq 0 $((N - 1))); do
  ns="sdemo$i"; net="10.233.$((i + 1))"
  ip netns add "$ns"
  ip link add "sdemo${i}r" type veth peer name "sdemo${i}p" netns "$ns"
  ip addr add "$net.1/24" dev "sdemo${i}r"; ip link set "sdemo${i}r" up
  ip -n "$ns" addr add "$net.2/24" dev "sdemo${i}p"; ip -n "$ns" link set "sdemo${i}p" up; ip -n "$ns" link set lo up
  mkdir -p "$TMP/agent$i"
  ip netns exec "$ns" env SONDE_HOST="$net.2" SONDE_PORT=7070 SONDE_DATA_DIR="$TMP/agent$i" \
    SONDE_TOKENS="fleet:operator:$TOKEN" node packages/control-api/dist/main.js >"$TMP/agent$i.log" 2>&1 &
  PIDS+=($!)
  echo "$!" >"$TMP/agent$i.pid"
  AGENTS+=("http://$net.2:7070;node=node-$i;zone=zone-$((i % 2))")
done
export SONDE_FLEET_AGENTS=$(IFS=,; echo "${AGENTS[*]}")
SONDE_HOST=127.0.0.1 SONDE_TOKENS= SONDE_FLEET_TOKEN="$TOKEN" node packages/cli/dist/main.js serve --fleet --port 7171 >"$TMP/coordinator.log" 2>&1 &
PIDS+=($!)
for i in $(seq 0 $((N - 1))); do
  until curl -sf "http://10.233.$((i + 1)).2:7070/healthz" >/dev/null; do sleep 0.2; done
done
until curl -sf http://127.0.0.1:7171/healthz >/dev/null; do sleep 0.2; done
# traffic: an echo server and 3 ping-pong connections on 127.0.0.1:9471 in every namespace, for 60 s
for i in $(seq 0 $((N - 1))); do
  ip netns exec "sdemo$i" node -e '
    const net = require("node:net"); const until = Date.now() + 60000;
    net.createServer((s) => { s.on("data", (d) => s.write(d)); s.on("error", () => {}); }).listen(9471, "127.0.0.1", () => {
      for (let k = 0; k < 3; k++) { const c = net.connect(9471, "127.0.0.1", () => c.write("x".repeat(64)));
        c.on("data", () => { if (Date.now() < until) setTimeout(() => c.write("x".repeat(64)), 1); else process.exit(0); }); }
    });' &
  PIDS+=($!)
done
export SONDE_FLEET_URL=http://127.0.0.1:7171 SONDE_FLEET_TOKEN="$TOKEN" SONDE_DEMO_DIR="$TMP"
echo "fleet-demo: coordinator $SONDE_FLEET_URL, agents: $SONDE_FLEET_AGENTS (agent pids in $TMP/agent*.pid)"
"${@:-bash}"
