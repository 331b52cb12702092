#!/usr/bin/env bash
# End-to-end benchmark of issue 3's code update on the sample app (scripts/sample-app):
#   update    `galaos-updater apply code` v1.0.0 -> v1.1.0 against baseline.sh, the same
#             steps as a plain shell script: RUNS pairs, each one run of both contestants back
#             to back (their order alternating), so that a load that changes over minutes
#             weighs on both alike
#   rollback  RUNS runs of `apply code` to v1.2.0, whose build fails and is rolled back
#   steps     STEP_RUNS more runs of each, to record per-step times: the updater's from its
#             store (`history --json`), the baseline's from STEP_LOG
# Every measured run starts from the same saved state (reset.sh as hyperfine's --prepare).
# Writes raw hyperfine JSON/markdown, step records and summary.md (summarize.js) to OUT.
# Usage: run.sh BIN OUT   (environment: RUNS=15, STEP_RUNS=5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "$1")
out=$2
runs=${RUNS:-15}
step_runs=${STEP_RUNS:-5}
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d /tmp/galaos-bench-XXXXXX)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cleanup() {
  if [[ -f $work/app/run/server.pid ]]; then (cd "$work/app" && node scripts/restart.js stop); fi
  rm -rf "$work"
}
trap cleanup EXIT

# The sample app's own configuration (state.dir, backups with the database dump, the migrate
# and restart commands, the http health check), with the health waits an operator whose
# restart command returns once the app listens would choose: no grace period, short retries.
updater="$bin --config $work/updater.toml --set health.grace_period=0s --set health.interval=100ms --set health.retries=20"
echo "updater: $updater" >"$out/contestants.txt"
echo "baseline: $here/baseline.sh $work/app $port v1.1.0" >>"$out/contestants.txt"

{
  echo "- date: $(date -u +%FT%TZ); galaos-updater $(git -C "$root" describe --always --dirty) ($bin)"
  echo "- machine: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(uname -sr)"
  echo "- tools: node $(node --version), npm $(npm --version), $(git --version), $(hyperfine --version)"
  echo "- load average (1, 5, 15 min) before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/environment.md"

echo "creating the sample app in $work (port $port)"
"$root/scripts/sample-app/create.sh" "$work" "$port" >/dev/null
# snapshot NAME: saves app and state as WORK/NAME (without the running server's pid file).
snapshot() {
  mkdir "$work/$1"
  cp -a "$work/app" "$work/state" "$work/$1/"
  rm -rf "$work/$1/app/run"
}
(cd "$work/app" && node scripts/restart.js >/dev/null)
$updater check >/dev/null  # an operator's store exists before the first update
snapshot v1.0.0
"$here/reset.sh" "$work" v1.0.0 "$port" 1.0.0
$updater apply code --target v1.1.0 >/dev/null
snapshot v1.1.0

reset_v1_0="$here/reset.sh $work v1.0.0 $port 1.0.0"
baseline=("baseline" "$here/baseline.sh $work/app $port v1.1.0")
galaos=("galaos-updater" "$updater apply code --target v1.1.0 && $here/serving.sh $port 1.1.0")
warmup=(--warmup 1)  # before the first pair only
for run in $(seq "$runs"); do
  if ((run % 2)); then order=("${baseline[@]}" "${galaos[@]}"); else order=("${galaos[@]}" "${baseline[@]}"); fi
  echo "update pair $run of $runs"
  hyperfine --style basic --runs 1 "${warmup[@]}" --prepare "$reset_v1_0" \
    --export-json "$out/update-pair$run.json" --export-markdown "$out/update-pair$run.md" \
    -n "${order[0]}" "${order[1]}" -n "${order[2]}" "${order[3]}"
  warmup=()
done

echo "rollback"
hyperfine --runs "$runs" --warmup 1 --prepare "$here/reset.sh $work v1.1.0 $port 1.1.0" \
  --export-json "$out/rollback.json" --export-markdown "$out/rollback.md" \
  -n "galaos-updater (v1.2.0 fails, rolled back)" \
  "$updater apply code --target v1.2.0 --json >$work/result.json; grep -q '\"state\": \"RolledBack\"' $work/result.json && $here/serving.sh $port 1.1.0"

# profile KIND TAG RUN: one `apply code --target TAG` (which must fail only for KIND
# rollback); its history entry (steps with their durations) and the process's wall time
# (processMs) saved as OUT/KIND-historyRUN.json.
profile() {
  local started=${EPOCHREALTIME/./}
  $updater apply code --target "$2" >/dev/null 2>&1 || [[ $1 == rollback ]]
  local process_ms=$(((${EPOCHREALTIME/./} - started) / 1000))
  $updater history --json -n 1 |
    node -e 'const h = JSON.parse(require("fs").readFileSync(0, "utf8"))[0];
console.log(JSON.stringify({...h, processMs: Number(process.argv[1])}));' "$process_ms" \
      >"$out/$1-history$3.json"
}
echo "per-step times"
: >"$out/baseline-steps.txt"
for run in $(seq "$step_runs"); do
  $reset_v1_0
  STEP_LOG=$out/baseline-steps.txt "$here/baseline.sh" "$work/app" "$port" v1.1.0 >/dev/null 2>&1
  $reset_v1_0
  profile update v1.1.0 "$run"
  "$here/reset.sh" "$work" v1.1.0 "$port" 1.1.0
  profile rollback v1.2.0 "$run"
done
echo "- load average (1, 5, 15 min) after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/environment.md"
{ cat "$out/environment.md"; echo; node "$here/summarize.js" "$out"; } >"$out/summary.md"
cat "$out/summary.md"
