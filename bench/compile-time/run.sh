#!/usr/bin/env bash
# Compile-time cost of `lua_script!`: builds a crate embedding N distinct scripts (20-60 lines each)
# through the macro, and the same crate embedding them through the const constructor directly, with
# dependencies already built (dev profile, as `cargo build`). Prints both times and the difference.
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

macro_times=(); base_times=()
for ((run = 1; run <= runs; run++)); do
    base_times+=("$(time_build baseline)")
    macro_times+=("$(time_build with_macro)")
done
base=$(printf '%s\n' "${base_times[@]}" | best)
with=$(printf '%s\n' "${macro_times[@]}" | best)
lines=$(cat lua/*.lua | wc -l)

echo "scripts: $count ($lines lines of Lua), dev profile, best of $runs"
echo "baseline (include_str! + const constructor): ${base} s   runs: ${base_times[*]}"
echo "lua_script! (read, check, hash, embed):      ${with} s   runs: ${macro_times[*]}"
echo "added by lua_script!: $(python3 -c "print(round($with - $base, 3))") s"
"$CARGO_TARGET_DIR/debug/with_macro" >/dev/null
