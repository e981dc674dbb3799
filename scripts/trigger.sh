#!/usr/bin/env bash
# Starts a research cycle with the official `temporal` CLI, the way an operator would
# without this project's CLI. The server comes from TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE
# (or the temporal CLI's own config), as for any `temporal` command.
#
#   scripts/trigger.sh [--brief TEXT] [--model MODEL] [--symbol SYM] [--timeframe TF] [--bypass-gates] [--offline]
#   scripts/trigger.sh --strategy NAME [--model MODEL] [--bypass-gates] [--offline]   (skips the design)
#   scripts/trigger.sh --input '{"brief": "…", "gates": {"training": {"minAccuracy": 0.5}}}'
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

temporal_cli() {
  if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then echo "$TEMPORAL_CLI_PATH"
  elif command -v temporal >/dev/null 2>&1; then command -v temporal
  elif [[ -x "$root/.tools/temporal/bin/temporal" ]]; then echo "$root/.tools/temporal/bin/temporal"
  else
    echo "error: no temporal CLI: set TEMPORAL_CLI_PATH, put temporal on PATH, or run \`npx ktrdr-agent setup\`." >&2
    exit 1
  fi
}

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

# JSON string literal: escapes backslashes, quotes and control characters.
json_string() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\r'/\\r}; s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

fields=()
input=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --brief|--model|--symbol|--timeframe|--strategy)
      [[ $# -ge 2 ]] || { echo "error: $1 needs a value" >&2; exit 2; }
      fields+=("$(json_string "${1#--}"): $(json_string "$2")"); shift 2 ;;
    --bypass-gates) fields+=('"bypassGates": true'); shift ;;
    --offline) fields+=('"offline": true'); shift ;;
    --input)
      [[ $# -ge 2 ]] || { echo "error: --input needs a JSON object" >&2; exit 2; }
      input=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ -z "$input" ]]; then
  input="{$(IFS=,; echo "${fields[*]:-}")}"
fi

cli="$(temporal_cli)"
id="research-$(date -u +%Y%m%d-%H%M%S)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
"$cli" workflow start \
  --type researchCycle \
  --task-queue ktrdr-research \
  --workflow-id "$id" \
  --input "$input" \
  --static-summary "Research cycle started by scripts/trigger.sh" >/dev/null

echo "Research cycle started: $id"
echo "  Input:  $input"
echo "  Watch:  npx ktrdr-agent status $id --watch"
echo "          $cli workflow describe --workflow-id $id"
echo "  Cancel: npx ktrdr-agent cancel $id"
echo "          $cli workflow cancel --workflow-id $id"
