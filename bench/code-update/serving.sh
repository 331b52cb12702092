#!/usr/bin/env bash
# Returns once the sample app on 127.0.0.1:PORT answers GET /version with VERSION; fails
# after 10 s. Both contestants end with it, so both pay the same "serving the new version" wait.
# Usage: serving.sh PORT VERSION
set -euo pipefail
port=$1
version=$2
for _ in $(seq 200); do
  [[ $(curl -fsS "http://127.0.0.1:$port/version" 2>/dev/null) == "$version" ]] && exit 0
  sleep 0.05
done
echo "serving.sh: 127.0.0.1:$port does not serve $version" >&2
exit 1
