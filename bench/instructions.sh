#!/usr/bin/env bash
# Client instructions per call, counted by callgrind (repeatable, whatever else the machine runs):
# Script::exec against redis::Script::invoke_async (one warm call), and a Pipeline of 100 exec against
# redis::pipe() with load_script + 100 invoke_script; Script::exec_blocking against the blocking
# redis::Script::invoke. Each mode runs twice, with N and 2N calls; the
# difference divided by N is the cost of one call, without start-up.
#
# Run: bench/instructions.sh [N]   (needs valgrind and redis-server; default N = 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install -y valgrind" >&2; exit 1; }
# `-p`: the example package alone, so that only its features apply (the tests crate turns on
# `tracing` for the whole workspace otherwise).
cargo build --release -p redis-script-examples --example bench_instructions -q
bin=target/release/examples/bench_instructions
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Instructions of one run: callgrind's "Collected" total.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" 2>"$out/log" >/dev/null
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/log"
}
per_call() {
    local calls=$1 mode=$2
    local one two
    one=$(count "$mode" "$calls")
    two=$(count "$mode" $((2 * calls)))
    echo $(((two - one) / calls))
}

# One warm call of mode $3 (named $4) against the anchor's mode $1 (named $2), with the ratio.
one_call() {
    local anchor ours
    anchor=$(per_call "$n" "$1")
    ours=$(per_call "$n" "$3")
    printf '  anchor: %-32s %s\n  %-40s %s\n' "$2" "$anchor" "$4" "$ours"
    awk -v a="$ours" -v b="$anchor" 'BEGIN { r = a / b; printf "  ratio %.3f (target <= 1.0): %s\n", r, (r <= 1.0 ? "met" : "NOT met") }'
}

"$bin" sizes
echo "one warm call, instructions in the client:"
one_call invoke redis::Script::invoke_async exec redis_script::Script::exec
echo "one warm blocking call, instructions in the client:"
one_call invoke_blocking redis::Script::invoke exec_blocking redis_script::Script::exec_blocking
pipes=$((n / 20))
pipe=$(per_call "$pipes" pipe)
pipeline=$(per_call "$pipes" pipeline)
echo "a pipeline of 100 calls, instructions in the client:"
echo "  anchor: redis::pipe() load_script + 100 invoke_script  $pipe"
echo "  redis_script::Pipeline of 100 exec                      $pipeline"
awk -v a="$pipeline" -v b="$pipe" 'BEGIN { printf "  ratio %.3f\n", a / b }'
