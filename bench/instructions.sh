#!/usr/bin/env bash
# Client instructions per call, counted by callgrind (repeatable, whatever else the machine runs):
# Script::exec against redis::Script::invoke_async (one warm call); Script::exec_blocking against the
# blocking redis::Script::invoke; and a Pipeline of 100 exec, then one of 10,000 (the default limit of
# entries), against redis::pipe() with load_script + as many invoke_script. Each mode runs twice, with N
# and 2N calls (pipelines); the difference divided by N is the cost of one, without start-up.
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

# Instructions of one run of mode $1 making $2 calls (pipelines of $3 entries): callgrind's "Collected" total.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$@" 2>"$out/log" >/dev/null
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/log"
}
# Instructions of one call (one pipeline of $3 entries) in mode $2, from runs of $1 and 2 x $1.
per_call() {
    local calls=$1 mode=$2 size=${3:-100}
    local one two
    one=$(count "$mode" "$calls" "$size")
    two=$(count "$mode" $((2 * calls)) "$size")
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

# One pipeline of $1 entries, from runs of $2 and 2 x $2 of them (after a first one, a large pipeline
# reuses memory the one before freed), against the anchor's, with the ratio.
one_pipeline() {
    local size=$1 runs=$2 anchor ours
    anchor=$(per_call "$runs" pipe "$size")
    ours=$(per_call "$runs" pipeline "$size")
    echo "a pipeline of $size calls, instructions in the client (per entry):"
    printf '  anchor: redis::pipe() load_script + %-6s invoke_script %10s (%s)\n' "$size" "$anchor" $((anchor / size))
    printf '  redis_script::Pipeline of %-6s exec %23s (%s)\n' "$size" "$ours" $((ours / size))
    awk -v a="$ours" -v b="$anchor" 'BEGIN { r = a / b; printf "  ratio %.3f (target <= 1.0): %s\n", r, (r <= 1.0 ? "met" : "NOT met") }'
}

"$bin" sizes
echo "one warm call, instructions in the client:"
one_call invoke redis::Script::invoke_async exec redis_script::Script::exec
echo "one warm blocking call, instructions in the client:"
one_call invoke_blocking redis::Script::invoke exec_blocking redis_script::Script::exec_blocking
one_pipeline 100 $((n / 20))
one_pipeline 10000 2
