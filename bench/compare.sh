#!/usr/bin/env bash
# Before/after on a shared, noisy machine: Tomada at an earlier revision and Tomada as it is in this
# work tree, measured in turns by the same throughput scenario (closed loop, Tomada only), so both
# see the same neighbours. Prints one line per run, then the ratio of the medians.
#
#   bash bench/compare.sh REV [ROUNDS] [-- extra options for the throughput scenario]
#
# The earlier revision is checked out once into a git worktree beside this one (../tomada-REV),
# with its own npm ci, and reused by later calls.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bash bench/compare.sh REV [ROUNDS] [-- scenario options]}
shift
rounds=${1:-3}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
here=$(pwd)
short=$(git rev-parse --short "$rev")
there="$(dirname "$here")/tomada-$short"
if [ ! -d "$there" ]; then
  git worktree add --detach "$there" "$rev" >/dev/null
  (cd "$there" && npm ci --no-audit --no-fund >/dev/null)
fi
# The scenario, the charge points' script, the load (its WebSocket client too) and its measurement (its --closed-only,
# --meter-values, its units/batch column, how calls/s and CPU are counted) come from this tree;
# how the earlier revision is started stays its own.
cp bench/run.ts "$there/bench/run.ts"
mkdir -p "$there/scripts" && cp scripts/dist-freshness.ts "$there/scripts/"   # run.ts's build check
cp bench/scenarios/throughput.ts "$there/bench/scenarios/throughput.ts"
cp bench/lib/charge-point-script.ts bench/lib/load-protocol.ts bench/lib/load-worker.ts bench/lib/load.ts bench/lib/measure.ts bench/lib/bench-client.ts bench/lib/lean-websocket.ts "$there/bench/lib/"

# With --rate N both sides get the same fixed load, and their latency is compared; otherwise the
# closed loop, and their calls/s. At a fixed rate the warm-up is 5 s, not 2: a freshly started node
# is slow at first, and the calls it falls behind on are due in the warm-up, left out of the
# measurement, only if the warm-up is long enough to catch up too. A --warmup given after -- wins.
rate=false
for arg in "$@"; do [ "$arg" = --rate ] && rate=true; done
if $rate; then
  mode=(); warmup=5; pattern='^tomada  rate'; fields='{print $7, $10}'; errors='{print $12}'; labels='p99 ms,server CPU per call (us)'
else
  mode=(--closed-only); warmup=2; pattern='^tomada  closed'; fields='{print $4, $9}'; errors='{print $11}'; labels='calls/s,server CPU per call (us)'
fi

results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for side in "$short:$there" "work tree:$here"; do
    name=${side%%:*}
    dir=${side#*:}
    status=0
    output=$(cd "$dir" && npm run --silent bench -- throughput --only tomada "${mode[@]}" --duration 8 --warmup "$warmup" "$@") || status=$?
    line=$(echo "$output" | grep "$pattern" || true)
    # These runs are a comparison, not results to keep.
    kept=$(echo "$output" | sed -n 's/^results: //p')
    [ -z "$kept" ] || rm -f "$kept"
    echo "$name | $line"
    # A run with errors is no comparison: a revision that refuses calls quickly would read as faster.
    if [ -z "$line" ]; then
      echo "compare.sh: stopped: the bench printed no '$pattern' line for $name (exit $status):" >&2
      echo "$output" >&2
      exit 1
    fi
    if [ "$(echo "$line" | awk "$errors")" != 0 ]; then
      echo "compare.sh: stopped: $name answered calls with errors in its measured run (the errors column is $(echo "$line" | awk "$errors"), not 0); its figures are not compared:" >&2
      echo "$output" | sed -n '/^FAIL/,/^$/p' >&2
      exit 1
    fi
    if [ "$status" != 0 ]; then
      echo "compare.sh: stopped: the bench exited $status for $name:" >&2
      echo "$output" | sed -n '/^FAIL/,/^$/p' >&2
      exit 1
    fi
    echo "$name $(echo "$line" | awk "$fields")" >>"$results"
  done
done
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" "));
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const of = (name, col) => median(lines.filter((l) => l.slice(0, -2).join(" ") === name).map((l) => Number(l.at(col))));
  const [a, b] = [process.argv[2], "work tree"];
  process.argv[3].split(",").forEach((label, i) => {
    const col = i - 2;
    console.log(`median ${label}: ${a} ${of(a, col)}, work tree ${of(b, col)} (x${(of(b, col) / of(a, col)).toFixed(2)})`);
  });
' "$results" "$short" "$labels"
rm -f "$results"
