#!/usr/bin/env bash
# Cold `make run`: clone this repository afresh, run `make run` and time it to the first 200
# answered on / (followed to the sign-in page), printing make's lines with their times.
#
#   bench/cold_run.sh               # a fresh clone, virtualenv and all (pip included)
#   bench/cold_run.sh --keep-venv   # a fresh clone reusing the last run's .venv: the time
#                                   # once the dependencies are installed
#
# The clone lives in $COLD_RUN_DIR (default /tmp/talentdesk-cold-run), so the kept .venv
# (whose editable install points there) still fits. PORT defaults to 8717. Runs on the
# embedded default (SQLite): DATABASE_URL and the broker variables are unset.
set -euo pipefail

dir=${COLD_RUN_DIR:-/tmp/talentdesk-cold-run}
port=${PORT:-8717}
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
log=$(mktemp)

if [ "${1:-}" = --keep-venv ]; then
    [ -x "$dir/.venv/bin/python" ] || { echo "no $dir/.venv to keep: run without --keep-venv first"; exit 1; }
    kept=$(mktemp -d)
    mv "$dir/.venv" "$kept/.venv"
    rm -rf "$dir"
    git clone -q "$repo" "$dir"
    mv "$kept/.venv" "$dir/.venv"
    rmdir "$kept"
    touch "$dir/.venv/.installed" "$dir/.venv/.installed-dev"
else
    rm -rf "$dir"
    git clone -q "$repo" "$dir"
fi

cd "$dir"
unset DATABASE_URL DATABASE_OWNER_URL REDIS_URL CELERY_BROKER_URL
started=$(date +%s.%N)
setsid make run PORT="$port" > >(while IFS= read -r line; do
    printf '[%6.1f s] %s\n' "$(echo "$(date +%s.%N) - $started" | bc)" "$line"
done > "$log") 2>&1 &
make_pid=$!

result="make run ended before answering"
while kill -0 "$make_pid" 2>/dev/null; do
    code=$(curl -s -L -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" || true)
    if [ "$code" = 200 ]; then
        result=$(printf 'first 200 after %.1f s' "$(echo "$(date +%s.%N) - $started" | bc)")
        break
    fi
    sleep 0.2
done
# make and runserver share the process group setsid gave them.
kill -TERM -- "-$make_pid" 2>/dev/null || true
sleep 1
kill -KILL -- "-$make_pid" 2>/dev/null || true
sleep 0.5
cut -c1-140 "$log"
rm -f "$log"
echo "$result (load average $(cut -d' ' -f1-3 /proc/loadavg))"
