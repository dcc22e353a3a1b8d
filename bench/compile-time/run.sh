#!/usr/bin/env bash
# Compile-time cost of `lua_script!`: builds a crate embedding N distinct scripts (20-60 lines each)
# through the macro, the same crate embedding them through the const constructor directly, and one
# embedding them declared (`---@key` / `---@arg`, the item form, a struct per script), with
# dependencies already built (dev profile, as `cargo build`). Prints the times and the differences.
#
# Usage: bench/compile-time/run.sh [N=200] [RUNS=3]
# Env: BENCH_DIR (default: a temp dir), CARGO_TARGET_DIR (default: $BENCH_DIR/target).
set -euo pipefail

count=${1:-200}
runs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${BENCH_DIR:-$(mktemp -d -t lua-script-bench.XXXXXX)}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$dir/target}

python3 "$here/gen.py" "$dir" "$root/redis-script" "$count"
cp "$root/Cargo.lock" "$dir/Cargo.lock"
cd "$dir"

echo "warming dependencies in $CARGO_TARGET_DIR ..."
cargo build --quiet --bins

time_build() { # bin -> seconds of a rebuild of that binary only
    touch "src/bin/$1.rs"
    local start end
    start=$(date +%s.%N)
    cargo build --quiet --bin "$1"
    end=$(date +%s.%N)
    python3 -c "print(round($end - $start, 3))"
}

best() { sort -n | head -1; }

macro_times=(); base_times=(); declared_times=()
for ((run = 1; run <= runs; run++)); do
    base_times+=("$(time_build baseline)")
    macro_times+=("$(time_build with_macro)")
    declared_times+=("$(time_build declared)")
done
base=$(printf '%s\n' "${base_times[@]}" | best)
with=$(printf '%s\n' "${macro_times[@]}" | best)
declared=$(printf '%s\n' "${declared_times[@]}" | best)
lines=$(cat lua/*.lua | wc -l)

echo "scripts: $count ($lines lines of Lua), dev profile, best of $runs"
echo "baseline (include_str! + const constructor): ${base} s   runs: ${base_times[*]}"
echo "lua_script! (read, check, hash, embed):      ${with} s   runs: ${macro_times[*]}"
echo "declared (---@key/---@arg, item form):     ${declared} s   runs: ${declared_times[*]}"
echo "added by lua_script!: $(python3 -c "print(round($with - $base, 3))") s (target < 2 s)"
echo "added by lua_script! on declared scripts: $(python3 -c "print(round($declared - $base, 3))") s (target < 2 s)"
echo "added by declaring them: $(python3 -c "print(round($declared - $with, 3))") s"
"$CARGO_TARGET_DIR/debug/with_macro" >/dev/null
