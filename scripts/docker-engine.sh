#!/usr/bin/env bash
# Starts (or stops) a real Docker engine, a local image registry and nothing else, for the
# tests, benchmarks and demo; as root, touching no firewall rule (no iptables, no forwarding:
# containers on one network reach each other and ports published on 127.0.0.1 work).
#   docker-engine.sh start   prints `export DOCKER_HOST=...` and `export GALAOS_TEST_REGISTRY=...`
#   docker-engine.sh stop    removes every container, stops both, deletes their state
# GALAOS_DOCKER_DIR (default /tmp/galaos-docker) holds the engine's data, socket and logs;
# GALAOS_REGISTRY_PORT (default 5000) is the registry's port on 127.0.0.1.
# GALAOS_DOCKER_OWNER_FILE, when set: `start` creates it only if it started the engine (not
# when one was already running), and `stop` stops only if the file exists — so a test run
# never stops an engine someone else started.
set -euo pipefail
dir=${GALAOS_DOCKER_DIR:-/tmp/galaos-docker}
port=${GALAOS_REGISTRY_PORT:-5000}
owner_file=${GALAOS_DOCKER_OWNER_FILE:-}
sock=$dir/docker.sock
docker_cli=/usr/bin/docker

stop_pidfile() {
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
start)
  if [ -S "$sock" ] && "$docker_cli" -H "unix://$sock" version >/dev/null 2>&1; then
    echo "export DOCKER_HOST=unix://$sock"
    echo "export GALAOS_TEST_REGISTRY=127.0.0.1:$port"
    exit 0
  fi
  for tool in dockerd docker-registry docker-compose busybox; do
    command -v "$tool" >/dev/null || { echo "docker-engine.sh: $tool missing: run scripts/install-deps.sh" >&2; exit 1; }
  done
  mkdir -p "$dir/data" "$dir/exec" "$dir/registry/data"
  setsid dockerd --iptables=false --ip-masq=false --ip-forward=false --storage-driver=overlay2 \
    --data-root "$dir/data" --exec-root "$dir/exec" -H "unix://$sock" --pidfile "$dir/docker.pid" \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  cat >"$dir/registry/config.yml" <<EOC
version: 0.1
storage: {filesystem: {rootdirectory: $dir/registry/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
EOC
  setsid docker-registry serve "$dir/registry/config.yml" >"$dir/registry/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry/registry.pid"
  for _ in $(seq 150); do
    if "$docker_cli" -H "unix://$sock" version >/dev/null 2>&1 &&
       curl -fs "http://127.0.0.1:$port/v2/" >/dev/null; then
      [ -z "$owner_file" ] || touch "$owner_file"
      echo "export DOCKER_HOST=unix://$sock"
      echo "export GALAOS_TEST_REGISTRY=127.0.0.1:$port"
      exit 0
    fi
    sleep 0.2
  done
  echo "docker-engine.sh: the engine or the registry did not start; logs:" >&2
  tail -n 20 "$dir/dockerd.log" "$dir/registry/registry.log" >&2 || true
  exit 1 ;;
stop)
  if [ -n "$owner_file" ]; then
    [ -f "$owner_file" ] || exit 0
    rm -f "$owner_file"
  fi
  if [ -S "$sock" ]; then
    ids=$("$docker_cli" -H "unix://$sock" ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || "$docker_cli" -H "unix://$sock" rm -f $ids >/dev/null 2>&1 || true
  fi
  stop_pidfile "$dir/docker.pid"
  stop_pidfile "$dir/registry/registry.pid"
  umount "$dir"/exec/netns/* 2>/dev/null || true
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(docker0|br-)' || true); do
    ip link del "$link" 2>/dev/null || true
  done
  umount -R "$dir/data" 2>/dev/null || true
  rm -rf "$dir" ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
