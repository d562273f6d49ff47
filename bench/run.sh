#!/usr/bin/env bash
# Load benchmark: builds the release binary, installs wrk and nginx if they
# are missing (Debian packages), then runs bench/bench.py. Arguments are
# passed on (see `python3 bench/bench.py --help`), e.g.
#   bench/run.sh --db sqlite --duration 5
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v psql >/dev/null || missing+=(postgresql-client)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y "${missing[@]}" || { $sudo apt-get update && $sudo apt-get install -y "${missing[@]}"; }
fi

cargo build --release --bin lotse
exec python3 bench/bench.py "$@"
