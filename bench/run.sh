#!/usr/bin/env bash
# The benchmark, in one command: bash bench/run.sh [--sizes 10000,100000]
# Builds the engine, creates the peers' venv on first use (about 3 minutes and 6 GB, mostly
# torch's CUDA libraries), then runs every measurement and writes bench/results.json.
# Not part of the tests or .ci/run: it takes minutes and its figures depend on the machine.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
VENV="$BENCH/.venv"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$BENCH/requirements.txt" "$VENV/requirements.txt"; then
  # The peers need this much free space; better to say so now than to fail half-way through pip.
  free_gb=$(df -Pk "$BENCH" | awk 'NR == 2 { print int($4 / 1048576) }')
  if [ "$free_gb" -lt 8 ]; then
    echo "bench: ${free_gb} GB free under $BENCH; the peers' venv needs about 6 GB (8 to be safe)." >&2
    exit 1
  fi
  echo "bench: installing the peers into bench/.venv (first run only: about 3 minutes, 6 GB)…"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$BENCH/requirements.txt"
  # Kept beside the venv: a changed pin rebuilds it on the next run.
  cp "$BENCH/requirements.txt" "$VENV/requirements.txt"
fi

# Measures the engine as the sources are now, never a stale dist/.
if ! build_log=$(cd "$ROOT" && npm run --silent build 2>&1); then
  echo "$build_log" >&2
  echo "bench: npm run build failed, so there is no current engine to measure." >&2
  exit 1
fi
exec node "$BENCH/main.js" "$@"
