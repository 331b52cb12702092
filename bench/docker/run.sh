#!/usr/bin/env bash
# Issue 4's image-check benchmark: the update check's registry lookups for 50 images on the
# local registry (scripts/docker-engine.sh, 127.0.0.1:5000), timed with hyperfine:
#   galaos     galaos-digest-check: RegistryClient::ManifestDigests over the 50 references
#   skopeo     `skopeo inspect --raw` of each reference in a sequential shell loop (the target:
#              galaos at least 10x faster)
#   skopeo-p8  the same through `xargs -P 8`, a fair parallel baseline
# The 50 images (one small file each, so 50 different digests) are pushed first, under
# 127.0.0.1:5000/galaos-bench/app-NN:latest. Starts the engine if none runs (and then stops it).
# Writes hyperfine JSON and Markdown to OUT.
# Usage: run.sh DIGEST_CHECK_BIN OUT   (environment: RUNS=10, IMAGES=50)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "$1")
out=$2
runs=${RUNS:-10}
images=${IMAGES:-50}
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d /tmp/galaos-bench-docker-XXXXXX)
export GALAOS_DOCKER_OWNER_FILE=$work/engine.started
cleanup() {
  "$root/scripts/docker-engine.sh" stop >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
eval "$("$root/scripts/docker-engine.sh" start)"
registry=$GALAOS_TEST_REGISTRY
# The docker CLI with a configuration of its own, never ~/.docker.
docker() { DOCKER_CONFIG=$work/docker-config /usr/bin/docker -H "$DOCKER_HOST" "$@"; }

refs=$work/references.txt
for i in $(seq -w 1 "$images"); do
  ref=$registry/galaos-bench/app-$i:latest
  mkdir -p "$work/rootfs-$i"
  echo "galaos bench image $i" >"$work/rootfs-$i/version"
  tar -C "$work/rootfs-$i" -c . | docker import - "$ref" >/dev/null
  docker push -q "$ref" >/dev/null
  docker rmi "$ref" >/dev/null
  echo "$ref" >>"$refs"
done
echo "pushed $images images to $registry"

# Every contestant must succeed before it is timed.
mapfile -t references <"$refs"
"$bin" "${references[@]}" >/dev/null
skopeo_one="skopeo inspect --raw --tls-verify=false"
$skopeo_one "docker://$(head -1 "$refs")" >/dev/null

{
  echo "- date: $(date -u +%FT%TZ); galaos-updater $(git -C "$root" describe --always --dirty) ($bin)"
  echo "- machine: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- tools: $(skopeo --version), $(hyperfine --version), registry $registry"
} >"$out/environment.md"

hyperfine --warmup 1 --runs "$runs" --export-json "$out/image-check.json" \
  --export-markdown "$out/image-check.md" \
  -n galaos "$bin ${references[*]}" \
  -n skopeo "while read -r ref; do $skopeo_one docker://\$ref >/dev/null; done <$refs" \
  -n skopeo-p8 "xargs -P 8 -I{} $skopeo_one docker://{} <$refs >/dev/null"
echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/environment.md"
cat "$out/environment.md" "$out/image-check.md"
