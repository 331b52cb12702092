#!/usr/bin/env bash
# Issue 4's rollout benchmark, whole processes against the engine of scripts/docker-engine.sh:
#   minimal   a container publishing 127.0.0.1:PORT updated by `galaos-updater docker update`
#             (pull first, stop, start, health-gate): the gap in ms during which the host port
#             does not answer, seen by probe.js asking every 2 ms
#   compose   the same service in a compose file, recreated by `docker-compose up -d` after its
#             image changed (the original approach; docker-compose v1, the image pulled first
#             with `docker-compose pull` so neither side counts the pull): the same gap
#   zerodt    a service without host ports on a network, reached as "svc" by a client
#             container asking in a loop (busybox wget), updated by `galaos-updater docker update
#             --zero-downtime`: the client's requests and failed requests during the update
# Each run pushes the other of two images (v1, v2) under the same tag, so every update is real.
# Starts the engine if none runs (and then stops it). Writes rollout.md (per run and medians) to
# OUT. Usage: rollout.sh GALAOS_UPDATER_BIN OUT   (environment: RUNS=5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "$1")
out=$2
runs=${RUNS:-5}
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d /tmp/galaos-bench-rollout-XXXXXX)
tag=gbr$$
export GALAOS_DOCKER_OWNER_FILE=$work/engine.started
docker() { DOCKER_CONFIG=$work/docker-config /usr/bin/docker -H "$DOCKER_HOST" "$@"; }
compose() { DOCKER_CONFIG=$work/docker-config /usr/bin/docker-compose -p "$tag" -f "$work/compose.yml" "$@"; }
cleanup() {
  compose down -t 1 >/dev/null 2>&1 || true
  docker rm -f "$tag-web" "$tag-web-galaos-old" "$tag-svc" "$tag-svc-galaos-old" \
    "$tag-svc-galaos-new" "$tag-client" >/dev/null 2>&1 || true
  docker network rm "$tag-net" >/dev/null 2>&1 || true
  docker images --format '{{.Repository}}:{{.Tag}}' |
    grep -E "$tag|galaos-rollback/$tag" | xargs -r docker rmi >/dev/null 2>&1 || true
  "$root/scripts/docker-engine.sh" stop >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
eval "$("$root/scripts/docker-engine.sh" start)"
registry=$GALAOS_TEST_REGISTRY
ref=$registry/$tag/web:latest
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

# Two versions of a busybox httpd serving /www/index.html ("v1", "v2"); a client image.
for v in v1 v2; do
  mkdir -p "$work/$v/bin" "$work/$v/www" "$work/$v/tmp"
  cp /bin/busybox "$work/$v/bin/busybox"
  ln -sf busybox "$work/$v/bin/sh"
  echo "$v" >"$work/$v/www/index.html"
  tar -C "$work/$v" -c . | docker import -c 'CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]' - "$tag/web:$v" >/dev/null
done
cat >"$work/v1/client.sh" <<'EOF'
#!/bin/sh
n=0; fail=0
while true; do
  timeout 20 wget -q -O /dev/null "http://svc:8080/" || fail=$((fail+1))
  n=$((n+1))
  echo "$n $fail" >/tmp/counts.new && mv /tmp/counts.new /tmp/counts
done
EOF
tar -C "$work/v1" -c . | docker import -c 'CMD ["/bin/sh", "/client.sh"]' - "$tag/client:1" >/dev/null
publish() {  # publish v1|v2 under $ref
  docker tag "$tag/web:$1" "$ref"
  docker push -q "$ref" >/dev/null
}
publish v1

health=(--health-cmd "/bin/busybox wget -q -O /dev/null http://127.0.0.1:8080/" --health-interval 300ms
  --health-timeout 3s --health-retries 2)
updater() {
  GALAOS_UPDATER_CONFIG= "$bin" --state-dir "$work/state" --app-root "$work" \
    --set "docker.host=$DOCKER_HOST" --set "docker.managed_label=com.galaos.bench=$tag" "$@"
}
# Runs the probe while "$@" runs and until the port answers again; prints the probe's JSON.
probe_during() {
  local port=$1
  shift
  node "$here/probe.js" "$port" >"$work/probe.json" &
  local probe=$!
  sleep 0.5
  "$@" >"$work/command.log" 2>&1 || { cat "$work/command.log" >&2; kill "$probe"; return 1; }
  for _ in $(seq 300); do
    busybox wget -q -O /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.5
  kill -TERM "$probe"
  wait "$probe" || true
  cat "$work/probe.json"
}

web_port=$(free_port)
docker run -d --name "$tag-web" --init --label "com.galaos.bench=$tag" "${health[@]}" \
  -p "127.0.0.1:$web_port:8080" "$ref" >/dev/null 2>&1
compose_port=$(free_port)
cat >"$work/compose.yml" <<EOF
version: "2.4"
services:
  web:
    image: $ref
    init: true
    ports: ["127.0.0.1:$compose_port:8080"]
    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 300ms
      timeout: 3s
      retries: 2
EOF
compose up -d >/dev/null 2>&1
docker network create "$tag-net" >/dev/null
docker run -d --name "$tag-svc" --init --label "com.galaos.bench=$tag" "${health[@]}" \
  --network "$tag-net" --network-alias svc "$ref" >/dev/null 2>&1
docker run -d --name "$tag-client" --init --network "$tag-net" "$tag/client:1" >/dev/null 2>&1
for _ in $(seq 100); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$tag-web")" = healthy ] &&
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$tag-svc")" = healthy ] && break
  sleep 0.2
done

counts() { docker exec "$tag-client" /bin/busybox cat /tmp/counts; }
results=$work/results.tsv
version=v1
for run in $(seq "$runs"); do
  [ "$version" = v1 ] && version=v2 || version=v1
  publish "$version"
  minimal=$(probe_during "$web_port" updater docker update --container "$tag-web")
  compose pull -q >/dev/null 2>&1
  composed=$(probe_during "$compose_port" compose up -d)
  read -r before_n before_fail <<<"$(counts)"
  start=$(date +%s%N)
  updater docker update --container "$tag-svc" --zero-downtime >"$work/zerodt.log" 2>&1 ||
    { cat "$work/zerodt.log" >&2; exit 1; }
  took=$((($(date +%s%N) - start) / 1000000))
  read -r after_n after_fail <<<"$(counts)"
  gap() { sed -E 's/.*"gapMs":([0-9]+).*/\1/' <<<"$1"; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$(gap "$minimal")" "$(gap "$composed")" \
    "$((after_n - before_n))" "$((after_fail - before_fail))" "$took" | tee -a "$results"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
{
  echo "- date: $(date -u +%FT%TZ); galaos-updater $(git -C "$root" describe --always --dirty) ($bin)"
  echo "- machine: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(uname -sr); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- tools: $(docker-compose version --short 2>/dev/null || docker-compose --version), engine $(docker version -f '{{.Server.Version}}'), node $(node --version)"
  echo
  echo "| run | minimal-downtime gap (ms) | docker-compose up -d gap (ms) | zero-downtime requests | zero-downtime failed | zero-downtime update (ms) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  while IFS=$'\t' read -r r a b c d e; do echo "| $r | $a | $b | $c | $d | $e |"; done <"$results"
  echo "| median | $(cut -f2 "$results" | median) | $(cut -f3 "$results" | median) | $(cut -f4 "$results" | median) | $(cut -f5 "$results" | median) | $(cut -f6 "$results" | median) |"
} >"$out/rollout.md"
cat "$out/rollout.md"
