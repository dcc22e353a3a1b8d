#!/usr/bin/env bash
# What redis-script adds to a user's cold build: two scratch crates, one RESP-only program calling one
# script through `lua_script!` (redis-script with its default features) and the same program on the
# `redis` crate alone (`redis::Script`), each built from an empty target dir (`cargo build`, dev
# profile), alternating, in the same run. Prints wall and CPU seconds (best of RUNS each), the crates
# compiled, and the ratio of wall time against the target (at most +25%).
#
# Usage: bench/build-cost.sh [RUNS=2]
# Env: FEATURES="resp,rest" builds redis-script with these features instead of its defaults;
#      TIMINGS=1 writes cargo's --timings report of the last build of each crate (path printed);
#      FRESH=1 resolves the newest compatible versions instead of copying the workspace's Cargo.lock;
#      REDIS_DEP='redis = { ... }' replaces the `redis` dependency of both crates (default: version 1.8,
#      its default features and `tokio-comp`, as a user writes it);
#      CHECKOUT=<dir> measures the redis-script of another checkout (e.g. an older commit, to compare);
#      BENCH_DIR (default: a temp dir).
# CARGO_INCREMENTAL=0 for both, as for dependencies from a registry; crates are fetched before timing.
set -euo pipefail

runs=${1:-2}
root=$(cd "${CHECKOUT:-$(dirname "$0")/..}" && pwd)
dir=${BENCH_DIR:-$(mktemp -d -t build-cost.XXXXXX)}
unset CARGO_TARGET_DIR RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER
export CARGO_INCREMENTAL=0

if [[ -n ${FEATURES:-} ]]; then
    ours_dep="redis-script = { path = \"$root/redis-script\", default-features = false, features = [$(
        sed 's/[^,][^,]*/"&"/g' <<<"$FEATURES")] }"
else
    ours_dep="redis-script = { path = \"$root/redis-script\" }"
fi

redis_dep=${REDIS_DEP:-'redis = { version = "1.8", features = ["tokio-comp"] }'}

# crate NAME DEPENDENCY MAIN: a binary crate in $dir/NAME.
crate() {
    mkdir -p "$dir/$1/src" "$dir/$1/lua"
    cp "$root/examples/lua/incr_ttl.lua" "$dir/$1/lua/"
    cat >"$dir/$1/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$2
$redis_dep
tokio = { version = "1.48", features = ["macros", "rt-multi-thread"] }

[workspace]
EOF
    printf '%s\n' "$3" >"$dir/$1/src/main.rs"
    if [[ -z ${FRESH:-} ]]; then cp "$root/Cargo.lock" "$dir/$1/Cargo.lock"; fi
}

crate anchor "" '
static INCR_TTL: &str = include_str!("../lua/incr_ttl.lua");

#[tokio::main]
async fn main() -> redis::RedisResult<()> {
    let client = redis::Client::open("redis://127.0.0.1:6379")?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let script = redis::Script::new(INCR_TTL);
    let views: i64 = script.key("page:views").arg(3600).invoke_async(&mut conn).await?;
    println!("{views}");
    Ok(())
}'

crate ours "$ours_dep" '
use redis_script::{Script, lua_script};

static INCR_TTL: Script<i64> = lua_script!("../lua/incr_ttl.lua");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = redis::Client::open("redis://127.0.0.1:6379")?;
    let conn = client.get_multiplexed_async_connection().await?;
    let views = INCR_TTL.exec(&conn, ["page:views"], [3600]).await?;
    println!("{views}");
    Ok(())
}'

for name in anchor ours; do (cd "$dir/$name" && cargo fetch --quiet); done

# build NAME -> "wall cpu crates" of a build from an empty target dir.
build() {
    local target="$dir/$1/target" log="$dir/$1/build.log" times="$dir/$1/time"
    rm -rf "$target"
    local timings=()
    if [[ -n ${TIMINGS:-} ]]; then timings=(--timings); fi
    (cd "$dir/$1" && /usr/bin/time -f '%e %U %S' -o "$times" cargo build --offline "${timings[@]}" 2>"$log") || {
        cat "$log" >&2
        exit 1
    }
    read -r wall user sys <"$times"
    echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $(grep -c '^ *Compiling ' "$log")"
}

declare -A walls cpus crates
for ((run = 1; run <= runs; run++)); do
    # Alternate the order, so that neither build always runs first on a machine others share.
    order=(anchor ours)
    if ((run % 2 == 0)); then order=(ours anchor); fi
    for name in "${order[@]}"; do
        read -r wall cpu count < <(build "$name")
        echo "run $run: $name  wall $wall s  cpu $cpu s  crates $count"
        walls[$name]+="$wall "
        cpus[$name]+="$cpu "
        crates[$name]=$count
    done
done

best() { tr ' ' '\n' | grep . | sort -n | head -1; }
a_wall=$(best <<<"${walls[anchor]}"); a_cpu=$(best <<<"${cpus[anchor]}")
o_wall=$(best <<<"${walls[ours]}"); o_cpu=$(best <<<"${cpus[ours]}")
echo
echo "cold debug build of a RESP-only program with one script, best of $runs (features: ${FEATURES:-default})"
printf '  anchor: redis::Script        %6.1f s wall  %6.1f s CPU  %3d crates\n' "$a_wall" "$a_cpu" "${crates[anchor]}"
printf '  redis-script lua_script!     %6.1f s wall  %6.1f s CPU  %3d crates\n' "$o_wall" "$o_cpu" "${crates[ours]}"
awk -v ow="$o_wall" -v aw="$a_wall" -v oc="$o_cpu" -v ac="$a_cpu" 'BEGIN {
    w = (ow / aw - 1) * 100; c = (oc / ac - 1) * 100
    printf "  added: %+.0f%% wall (target <= +25%%: %s), %+.0f%% CPU\n", w, (w <= 25 ? "met" : "NOT met"), c
}'
if [[ -n ${TIMINGS:-} ]]; then echo "  timings: $dir/anchor/target/cargo-timings, $dir/ours/target/cargo-timings"; fi
