#!/usr/bin/env bash
# Where a call's cost goes: the throughput scenario (100 closed-loop charge points, with its two
# baselines in the same run) against three builds of Tomada, in turns:
#   full     Tomada as it is;
#   journal  the bench's session calls (Start, MeterValues, Heartbeat, Stop) answered without the
#            domain: only the CALL and its answer are journaled, committed and synced before the
#            answer leaves (the floor of any design that stores the raw frame before it answers);
#   edge     the same calls answered storing nothing: WebSocket, framing, schema validation, the
#            connection's session and the answer's validation (the floor of Tomada's edge).
# The two floors come from bench/floors.patch, applied to a throwaway git worktree of HEAD beside
# this one: the switch that stores nothing never enters the product. Prints each run, then the
# medians per build: calls/s, server CPU per call and the ratios to the same run's baselines.
#
#   bash bench/floors.sh [ROUNDS] [-- extra options for the throughput scenario]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
here=$(pwd)
there="$(dirname "$here")/tomada-floors-$(git rev-parse --short HEAD)"
cleanup() { git worktree remove --force "$there" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
git worktree add --detach "$there" HEAD >/dev/null
ln -s "$here/node_modules" "$there/node_modules"
if ! (cd "$there" && git apply "$here/bench/floors.patch"); then
  echo "bench/floors.patch no longer applies to HEAD: remake it (see its comments) where dispatch.ts and journal.ts moved" >&2
  exit 1
fi
(cd "$there" && npm run --silent build)

results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for build in full journal edge; do
    floor=$([ "$build" = full ] && echo "" || echo "$build")
    output=$(cd "$there" && TOMADA_FLOOR="$floor" npm run --silent bench -- throughput --closed-only --duration 10 "$@")
    rm -f "$(echo "$output" | sed -n 's/^results: //p')"
    # Columns: server mode cps calls/s p50 p99 p999 cpu% cpu-us/call ...
    bare=$(echo "$output" | awk '$1 == "bare-ws" {print $4}')
    rpc=$(echo "$output" | awk '$1 == "ocpp-rpc" {print $4, $9}')
    line=$(echo "$output" | awk '$1 == "tomada" && $2 == "closed" {print $4, $9}')
    echo "round $round $build: tomada $line; ocpp-rpc $rpc (calls/s, µs of server CPU per call); bare ws $bare calls/s; load average $(cut -d' ' -f1 /proc/loadavg)"
    echo "$build $line $rpc $bare" >>"$results"
  done
done
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" "));
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  console.log("\nbuild    calls/s  µs/call  × ocpp-rpc  × bare ws   (medians; ratios within each run; ocpp-rpc took a median " + median(rows.map((r) => Number(r[4]))) + " µs per call)");
  for (const build of ["full", "journal", "edge"]) {
    const of = rows.filter((r) => r[0] === build).map((r) => r.slice(1).map(Number));
    const col = (f) => median(of.map(f));
    console.log(`${build.padEnd(8)} ${String(col((r) => r[0])).padStart(7)}  ${String(col((r) => r[1])).padStart(7)}  ${col((r) => r[0] / r[2]).toFixed(2).padStart(10)}  ${col((r) => r[0] / r[4]).toFixed(2).padStart(9)}`);
  }
' "$results"
rm -f "$results"
