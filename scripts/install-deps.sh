#!/usr/bin/env bash
# Installs every Debian package galaos-updater needs to build, test and run its demo.
# Idempotent; runs apt-get only when something is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git clang-format
  # libraries
  libspdlog-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libsqlite3-dev libsodium-dev libgit2-dev libssh2-1-dev libcurl4-openssl-dev libhiredis-dev libpq-dev
  libyaml-cpp-dev libhowardhinnant-date-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev sqlite3 curl
  # the HTTP load generator of the API benchmark (bench/api/run.sh)
  wrk
  # systemd-analyze verifies packaging/galaos-updater.service (no systemd runs here)
  systemd
  # the reference parser of the Prometheus text format (tests/api/prometheus-parse.py)
  python3-prometheus-client
  # real services the integration tests start themselves
  postgresql-15 redis-server
  # sshd, ssh-keygen and ssh-agent for the git-over-ssh tests (tests/support/SshServer)
  openssh-server openssh-client
  # a real Docker engine, image registry and docker-compose v1 (scripts/docker-engine.sh);
  # test images are imported from a busybox-static rootfs
  docker.io docker-registry docker-compose busybox-static
  # the dashboard's browser test: Debian's Chromium, driven by playwright-core from npm
  chromium fonts-dejavu-core
)
# Node.js and npm run the reference implementations the tests compare against; a machine
# may already have them from another source, which is fine.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
