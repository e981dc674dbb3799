#!/usr/bin/env bash
# Puts the real market data shipped inside two PyPI wheels into data/ as canonical CSVs
# (timestamp,open,high,low,close,volume; ISO-8601 UTC), without installing either package:
#   EURUSD_1h, GOOG_1d  from backtesting (backtesting.py, AGPL-3.0: extracted here, never committed)
#   SP500_1d, NASDAQ_1d from arch (NCSA)
# Provenance, licences and row counts: data/README.md.
#
#   scripts/fetch-market-data.sh [--force]     (--force re-creates files that already exist)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data_dir="$root/data"

# Pinned by version and hash, and by one platform tag for arch (a compiled package): every machine
# gets the same wheel file, so the data cannot change under us. The data files are the same in
# every arch wheel; the tag only decides which one is fetched.
BACKTESTING='backtesting==0.6.6 --hash=sha256:d2fc29ab6e10fbf44b05570720cef144d6d0d2ec8e183977114f2be9c5089b78'
ARCH='arch==8.0.0 --hash=sha256:13cbf04d45ecbee7578704a232f897cd02794d845f877158fb2838e6fb637887'
OUTPUTS=(EURUSD_1h GOOG_1d SP500_1d NASDAQ_1d)

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument '$arg'." >&2; usage >&2; exit 2 ;;
  esac
done

missing=()
for name in "${OUTPUTS[@]}"; do
  if [[ $force -eq 1 || ! -s "$data_dir/$name.csv" ]]; then missing+=("$name"); fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "market data: data/ already has ${OUTPUTS[*]} (use --force to re-create)."
  exit 0
fi

if ! command -v python3 >/dev/null 2>&1; then
  echo "error: python3 is needed to download the wheels that ship the market data; install Python 3 with pip." >&2
  exit 1
fi

# Scratch space stays inside the project (git-ignored .tools/), removed on exit.
mkdir -p "$root/.tools" "$data_dir"
work="$(mktemp -d "$root/.tools/market-data.XXXXXX")"
trap 'rm -rf "$work"' EXIT

printf '%s\n' "$BACKTESTING" "$ARCH" > "$work/requirements.txt"
echo "market data: downloading backtesting 0.6.6 and arch 8.0.0 wheels from PyPI (about 1.2 MB)…"
if ! pip_log="$(python3 -m pip download --quiet --no-deps --only-binary=:all: --no-cache-dir \
    --disable-pip-version-check --platform manylinux2014_x86_64 --python-version 3.12 \
    --implementation cp --abi cp312 --require-hashes -r "$work/requirements.txt" -d "$work" 2>&1)"; then
  echo "error: could not download the pinned wheels with python3 -m pip:" >&2
  echo "$pip_log" | tail -n 5 >&2
  echo "Check that this machine can reach PyPI (or set PIP_INDEX_URL to a mirror that has them), then run $0 again." >&2
  exit 1
fi

# Conversion with the Python standard library only (zipfile instead of the unzip command, which
# may be missing). Numbers are copied as text, so no value is rounded on the way.
python3 - "$work" "$data_dir" "${missing[@]}" <<'PY'
import csv, glob, gzip, io, os, sys, zipfile
from datetime import datetime

work, data_dir, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]

def wheel(prefix):
    return zipfile.ZipFile(glob.glob(os.path.join(work, prefix + '-*.whl'))[0])

# name: (wheel, member, gzipped, timestamp format of the source, rows expected)
SOURCES = {
    'EURUSD_1h': ('backtesting', 'backtesting/test/EURUSD.csv', False, '%Y-%m-%d %H:%M:%S', 5000),
    'GOOG_1d': ('backtesting', 'backtesting/test/GOOG.csv', False, '%Y-%m-%d', 2148),
    'SP500_1d': ('arch', 'arch/data/sp500/sp500.csv.gz', True, '%m/%d/%Y', 5031),
    'NASDAQ_1d': ('arch', 'arch/data/nasdaq/nasdaq.csv.gz', True, '%m/%d/%Y', 5031),
}

for name in wanted:
    package, member, gzipped, time_format, expected = SOURCES[name]
    raw = wheel(package).read(member)
    text = (gzip.decompress(raw) if gzipped else raw).decode('utf-8')
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip().lower() for h in rows[0]]
    # backtesting.py's files are pandas exports: the unnamed first column is the time index.
    columns = [0] + [header.index(c) for c in ('open', 'high', 'low', 'close', 'volume')]
    out_rows = []
    for row in rows[1:]:
        if not row:
            continue
        when = datetime.strptime(row[0], time_format)
        out_rows.append([when.strftime('%Y-%m-%dT%H:%M:%SZ')] + [row[i] for i in columns[1:]])
    if len(out_rows) != expected:
        sys.exit(f'error: {member} has {len(out_rows)} rows, expected {expected}: the pinned wheel changed?')
    target = os.path.join(data_dir, name + '.csv')
    with open(target + '.partial.csv', 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['timestamp', 'open', 'high', 'low', 'close', 'volume'])
        w.writerows(out_rows)
    os.replace(target + '.partial.csv', target)
    print(f'market data: data/{name}.csv  {len(out_rows)} bars  {out_rows[0][0]} → {out_rows[-1][0]}  (from {package} {member})')
PY
