#!/usr/bin/env bash
# API benchmark (issue 6, "Performance"): galaos-updater `serve` against a minimal
# @trpc/server v11 standalone server on Node 20 (server.mjs), both serving
# systemUpdates.getCurrentVersion for the same sample app, measured in the same run with wrk.
#   - ROUNDS rounds (default 5), each running wrk (-t2 -c64, DURATION s, default 10) against
#     both, in alternating order, after a warm-up of each;
#   - idle RSS: VmRSS of each server process after start and a few requests.
# Usage: bench/api/run.sh [OUT]   (OUT defaults to $BUILD/bench-results/api-<UTC time>)
# BUILD: the build tree with galaos-updater (default build/, from `scripts/build.sh release`:
# RelWithDebInfo, see docs/BENCHMARKS.md). Needs wrk, node 20, npm (the npm registry), curl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
binary=$build/galaos-updater
rounds=${ROUNDS:-5}
duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
out=${1:-$build/bench-results/api-$(date -u +%Y%m%dT%H%M%SZ)}
trpc_version=${TRPC_VERSION:-11.25.2}
semver_version=${SEMVER_VERSION:-7.7.3}

for tool in wrk node npm curl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing" >&2; exit 2; }
done
[[ -x $binary ]] || { echo "run.sh: no $binary (build it first)" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d /tmp/galaos-bench-api.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# The peer's packages, pinned.
mkdir -p "$work/peer"
(cd "$work/peer" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --loglevel=error "@trpc/server@$trpc_version" \
    "semver@$semver_version" >/dev/null)

# The sample app both serve the version of.
mkdir -p "$work/app" "$work/state"
printf '{\n  "name": "sample-app",\n  "version": "1.4.2"\n}\n' >"$work/app/package.json"
git -C "$work/app" init -q && git -C "$work/app" add package.json &&
  git -C "$work/app" -c user.name=bench -c user.email=bench@example.com commit -qm v1.4.2 &&
  git -C "$work/app" tag v1.4.2

ours_port=$(free_port)
peer_port=$(free_port)
cat >"$work/updater.toml" <<TOML
[app]
root = "$work/app"
[state]
dir = "$work/state"
[docker]
enabled = false
[api]
listen = "127.0.0.1:$ours_port"
web_root = "$root/web"
TOML

"$binary" --config "$work/updater.toml" serve >"$out/ours.log" 2>&1 &
pids+=($!)
ours_pid=$!
node "$root/bench/api/server.mjs" "$work/peer" "$work/app" "$peer_port" >"$out/peer.log" 2>&1 &
pids+=($!)
peer_pid=$!

path=/trpc/systemUpdates.getCurrentVersion
ours_url=http://127.0.0.1:$ours_port$path
peer_url=http://127.0.0.1:$peer_port$path
for url in "$ours_url" "$peer_url"; do
  for _ in $(seq 1 300); do
    curl -fsS "$url" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
ours_body=$(curl -fsS "$ours_url")
peer_body=$(curl -fsS "$peer_url")
echo "ours: $ours_body"
echo "peer: $peer_body"
# The same JSON (ours writes object keys sorted, so compare parsed).
node -e 'const [a, b] = process.argv.slice(1).map(JSON.parse);
  process.exit(require("util").isDeepStrictEqual(a, b) ? 0 : 1)' "$ours_body" "$peer_body" ||
  { echo "run.sh: the two servers answer differently" >&2; exit 1; }

# Idle RSS: after start and a few requests, before any load.
for _ in $(seq 1 20); do curl -fsS "$ours_url" "$peer_url" >/dev/null; done
sleep 2
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
printf '{"ours_kb":%s,"peer_kb":%s}\n' "$(rss "$ours_pid")" "$(rss "$peer_pid")" >"$out/rss.json"

load() {  # NAME URL SECONDS ROUND
  wrk -t2 -c"$connections" -d"$3s" --latency -s "$root/bench/api/report.lua" "$2" >"$out/wrk-$1-$4.txt"
  printf '{"server":"%s","round":"%s","wrk":%s}\n' "$1" "$4" "$(tail -n 1 "$out/wrk-$1-$4.txt")" \
    >>"$out/runs.jsonl"
}
: >"$out/runs.jsonl"
load ours "$ours_url" 3 warmup
load peer "$peer_url" 3 warmup
for round in $(seq 1 "$rounds"); do
  if ((round % 2)); then
    load ours "$ours_url" "$duration" "$round"
    load peer "$peer_url" "$duration" "$round"
  else
    load peer "$peer_url" "$duration" "$round"
    load ours "$ours_url" "$duration" "$round"
  fi
done
printf '{"ours_kb":%s,"peer_kb":%s}\n' "$(rss "$ours_pid")" "$(rss "$peer_pid")" >"$out/rss-after-load.json"

{
  echo "trpc_version=$trpc_version node=$(node --version) wrk=$(wrk --version 2>&1 | head -n 1)"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/environment.txt"
node "$root/bench/api/summarize.js" "$out" | tee "$out/summary.md"
