#!/usr/bin/env bash
# Runs the benchmarks of bench/ on a release build (method and results: docs/BENCHMARKS.md):
# the Google Benchmark programs, the image update check against skopeo (bench/docker/run.sh,
# on the engine and registry of scripts/docker-engine.sh; results in OUT/image-check), the
# rollout gaps (bench/docker/rollout.sh; OUT/rollout), then the
# end-to-end code-update benchmark against its shell-script baseline (bench/code-update/run.sh).
# Raw results go to OUT, default build/bench-results/<UTC time>; OUT/summary.md sums up the
# code-update benchmark.
# Usage: scripts/bench.sh [OUT]   (environment: RUNS, STEP_RUNS as in bench/code-update/run.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}

"$root/scripts/install-deps.sh"
# hyperfine is needed by the benchmarks only, so it is installed here, not by install-deps.sh.
if ! command -v hyperfine >/dev/null 2>&1; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    hyperfine >/dev/null
fi
"$root/scripts/build.sh" release -DGALAOS_BUILD_BENCHMARKS=ON

mkdir -p "$out"
for program in "$root"/build/bench/bench_*; do
  basename "$program"
  "$program" --benchmark_out="$out/$(basename "$program").json" --benchmark_out_format=json
done
"$root/bench/docker/run.sh" "$root/build/bench/galaos-digest-check" "$out/image-check"
"$root/bench/docker/rollout.sh" "$root/build/galaos-updater" "$out/rollout"
"$root/bench/code-update/run.sh" "$root/build/galaos-updater" "$out"
echo "results: $out"
