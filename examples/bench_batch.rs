//! Batch benchmarks over RESP, each against an anchor measured in the same run on the same throwaway
//! `redis-server`:
//!
//! 1. throughput: script calls per second through `Pipeline` (batches of 16, many in flight) against
//!    `redis-benchmark -P 16` running EVALSHA (target: at least 0.8x);
//! 2. a pipeline of N script calls (N = 100, 1,000, 3,000 and 10,000, the default limit) against the
//!    `redis` crate's `pipe()` with `load_script` and `invoke_script`: time per entry at each size
//!    (target: at least 1.0x at every size; `BENCH_SIZES=200,500` for other sizes);
//! 3. bytes: what a warm pipeline of 100 calls of a 4 KiB script sends, against the same calls as EVAL
//!    (target: at most 5%), and what it sends cold.
//!
//! Run: `cargo run --release -p redis-script-examples --example bench_batch [throughput|sizes|bytes]..`
//! (needs `redis-server` and `redis-benchmark`).
//! Rounds are interleaved so that a noisy machine affects both sides alike (in benchmark 2 each side
//! goes first in every other round); medians are shown, and in benchmark 2 the median of the rounds'
//! ratios with the lowest and highest.

use std::process::Command;
use std::time::Instant;

use redis::aio::MultiplexedConnection;
use redis_script::{Pipeline, Script, ScriptLoading, lua_script};
use redis_script_examples::{
    BoxError, Redis, median, pipe_per_key, pipeline_per_key, report, throwaway,
};

static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");

const ROUNDS: usize = 5;
/// Rounds of the pipeline-size benchmark: even, so that each side goes first as often.
const SIZE_ROUNDS: usize = 16;
/// Calls per round of the throughput benchmark.
const CALLS: usize = 160_000;
/// Commands per pipeline in the throughput benchmark, as `redis-benchmark -P 16`.
const DEPTH: usize = 16;
/// Pipelines in flight at once, on `CONNECTIONS` multiplexed connections.
const IN_FLIGHT: usize = 32;
const CONNECTIONS: usize = 4;
/// Pipeline sizes of the second benchmark, up to the default limit of entries (`Limits::DEFAULT`).
const SIZES: [usize; 4] = [100, 1_000, 3_000, 10_000];
/// Entries per round of the second benchmark, at every size.
const ENTRIES_PER_ROUND: usize = 30_000;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let redis = throwaway().await?;
    INCR_TTL.exec(&redis.conn, ["bench:warm"], [3600]).await?;
    // Sections named on the command line (throughput, sizes, bytes), or all of them.
    let only: Vec<String> = std::env::args().skip(1).collect();
    let runs = |section: &str| only.is_empty() || only.iter().any(|s| s == section);
    if runs("throughput") {
        throughput(&redis).await?;
    }
    if runs("sizes") {
        sizes(&redis).await?;
    }
    if runs("bytes") {
        bytes(&redis).await?;
    }
    Ok(())
}

/// 1. Calls per second: batches of 16 against `redis-benchmark -P 16 EVALSHA`.
async fn throughput(redis: &Redis) -> Result<(), BoxError> {
    let port = redis.port().ok_or("no port in the server's URL")?;
    let mut conns = Vec::new();
    for _ in 0..CONNECTIONS {
        conns.push(redis.another_connection().await?);
    }
    let (mut anchor, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        anchor.push(redis_benchmark(port)?);
        ours.push(batches(&conns).await?);
    }
    let (anchor, ours) = (median(anchor), median(ours));
    println!("\n1. script calls per second, {CALLS} calls per round, median of {ROUNDS} rounds");
    println!("   anchor: redis-benchmark -P {DEPTH} -c 50 EVALSHA   {anchor:>10.0}/s");
    println!(
        "   Pipeline of {DEPTH} exec, {IN_FLIGHT} in flight on {CONNECTIONS} connections {ours:>10.0}/s"
    );
    verdict(ours / anchor, ">=", 0.8);
    Ok(())
}

/// What `redis-benchmark` measures for pipelined EVALSHA of the same script on the same server.
fn redis_benchmark(port: u16) -> Result<f64, BoxError> {
    let output = Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args([
            "-P",
            &DEPTH.to_string(),
            "-c",
            "50",
            "-n",
            &CALLS.to_string(),
        ])
        .args([
            "--csv",
            "EVALSHA",
            INCR_TTL.sha1(),
            "1",
            "bench:anchor",
            "3600",
        ])
        .output()
        .map_err(|e| format!("redis-benchmark could not be run ({e}); install redis-tools"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    // `"EVALSHA ...","268817.20",...` after the header line.
    let rate = text
        .lines()
        .filter_map(|line| line.split("\",\"").nth(1))
        .find_map(|field| field.trim_matches('"').parse::<f64>().ok())
        .ok_or_else(|| format!("no rate in the output of redis-benchmark: {text}"))?;
    Ok(rate)
}

/// Calls per second through `Pipeline`: `IN_FLIGHT` tasks each sending batches of `DEPTH` calls.
async fn batches(conns: &[MultiplexedConnection]) -> Result<f64, BoxError> {
    let per_task = CALLS / IN_FLIGHT / DEPTH;
    let start = Instant::now();
    let tasks = (0..IN_FLIGHT).map(|t| {
        let conn = &conns[t % conns.len()];
        async move {
            let key = format!("bench:batch:{t}");
            for _ in 0..per_task {
                let mut pipe = Pipeline::new();
                let calls: Vec<_> = (0..DEPTH)
                    .map(|_| pipe.exec(&INCR_TTL, [&key], [3600]))
                    .collect();
                let mut replies = pipe.run(conn).await?;
                for call in calls {
                    replies.take(call)?;
                }
            }
            Ok::<_, BoxError>(())
        }
    });
    for result in futures_util::future::join_all(tasks).await {
        result?;
    }
    Ok((per_task * IN_FLIGHT * DEPTH) as f64 / start.elapsed().as_secs_f64())
}

/// Benchmark 2: one pipeline of N calls at a time, N up to the default limit of entries, ours against
/// the `redis` crate's: time per entry at each size. Each round measures both sides back to back, so
/// its ratio compares them under the same load; the median of the rounds' ratios is the figure, and the
/// lowest and highest show the spread.
async fn sizes(redis: &Redis) -> Result<(), BoxError> {
    let conn = &redis.conn;
    let anchor_script = redis::Script::new(INCR_TTL.script());
    println!(
        "\n2. one pipeline of N script calls at a time, time per entry, {SIZE_ROUNDS} rounds of \
         {ENTRIES_PER_ROUND} entries a side: medians, and the median of the rounds' ratios (lowest-highest)"
    );
    println!(
        "   {:>6}  {:>22}  {:>22}  ratio (target >= 1.0 at every size)",
        "N", "anchor: redis::pipe()", "redis_script::Pipeline"
    );
    let sizes: Vec<usize> = match std::env::var("BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("BENCH_SIZES: {e}"))?,
        Err(_) => SIZES.to_vec(),
    };
    let keys: Vec<String> = (0..sizes.iter().copied().max().unwrap_or(0))
        .map(|i| format!("bench:n:{i}"))
        .collect();
    for size in sizes {
        let keys = &keys[..size];
        let pipelines = (ENTRIES_PER_ROUND / size).max(1);
        let (mut anchor, mut ours, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..SIZE_ROUNDS {
            // Each side goes first in every other round: whatever the one before leaves behind
            // (the server's memory, the machine's load) falls on both alike.
            let (a, o) = if round % 2 == 0 {
                let a = anchor_pipelines(conn, &anchor_script, keys, pipelines).await?;
                (a, our_pipelines(conn, keys, pipelines).await?)
            } else {
                let o = our_pipelines(conn, keys, pipelines).await?;
                (
                    anchor_pipelines(conn, &anchor_script, keys, pipelines).await?,
                    o,
                )
            };
            anchor.push(a);
            ours.push(o);
            ratios.push(a / o);
        }
        let (low, high) = ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &r| (l.min(r), h.max(r)));
        let (anchor, ours, ratio) = (median(anchor), median(ours), median(ratios));
        println!(
            "   {size:>6}  {:>19.2} us  {:>19.2} us  {ratio:.3} ({low:.2}-{high:.2}): {}",
            anchor * 1e6,
            ours * 1e6,
            if ratio >= 1.0 { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// Seconds per entry of `pipelines` pipelines through the `redis` crate's `pipe()`, one call per key.
async fn anchor_pipelines(
    conn: &MultiplexedConnection,
    script: &redis::Script,
    keys: &[String],
    pipelines: usize,
) -> Result<f64, BoxError> {
    let start = Instant::now();
    for _ in 0..pipelines {
        assert_eq!(pipe_per_key(conn, script, keys).await?.len(), keys.len());
    }
    Ok(start.elapsed().as_secs_f64() / (pipelines * keys.len()) as f64)
}

/// Seconds per entry of `pipelines` pipelines through `Pipeline`, one call per key.
async fn our_pipelines(
    conn: &MultiplexedConnection,
    keys: &[String],
    pipelines: usize,
) -> Result<f64, BoxError> {
    let start = Instant::now();
    for _ in 0..pipelines {
        assert_eq!(
            pipeline_per_key(conn, &INCR_TTL, keys).await?.len(),
            keys.len()
        );
    }
    Ok(start.elapsed().as_secs_f64() / (pipelines * keys.len()) as f64)
}

/// 3. Bytes the server reads for 100 calls of a 4 KiB script.
async fn bytes(redis: &Redis) -> Result<(), BoxError> {
    let conn = &redis.conn;
    let mut text = String::from("-- 4 KiB of comment, as a long script has\n");
    while text.len() < 4096 {
        text.push_str("-- lorem ipsum dolor sit amet, consectetur adipiscing elit\n");
    }
    text.push_str(INCR_TTL.script());
    let script = Script::<i64>::new(text);
    let keys: Vec<String> = (0..100).map(|i| format!("bench:bytes:{i}")).collect();

    // The same 100 calls as EVAL, in one pipeline.
    let as_eval = measure(redis, async {
        let mut pipe = Pipeline::new();
        for key in &keys {
            let _ = pipe.cmd::<()>(("EVAL", script.script(), 1, key, 3600));
        }
        pipe.run(conn).await?;
        Ok(())
    })
    .await?;
    let cold = measure(redis, async {
        redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async::<()>(&mut conn.clone())
            .await?;
        run_100(conn, &script, &keys, ScriptLoading::InBatch).await
    })
    .await?;
    let warm = measure(redis, run_100(conn, &script, &keys, ScriptLoading::InBatch)).await?;
    let warm_after = measure(
        redis,
        run_100(conn, &script, &keys, ScriptLoading::AfterBatch),
    )
    .await?;
    let cold_after = measure(redis, async {
        redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async::<()>(&mut conn.clone())
            .await?;
        run_100(conn, &script, &keys, ScriptLoading::AfterBatch).await
    })
    .await?;
    println!(
        "\n3. bytes the server read for 100 calls of a {} byte script",
        script.script().len()
    );
    println!("   anchor: 100 EVAL                          {as_eval:>8} bytes");
    let share = |b: u64| 100.0 * b as f64 / as_eval as f64;
    println!(
        "   Pipeline, warm (SCRIPT LOAD + 100 EVALSHA) {warm:>8} bytes  {:>5.1}%",
        share(warm)
    );
    println!(
        "   Pipeline, cold (the same commands)         {cold:>8} bytes  {:>5.1}%",
        share(cold)
    );
    println!(
        "   AfterBatch, warm (100 EVALSHA)             {warm_after:>8} bytes  {:>5.1}%",
        share(warm_after)
    );
    println!(
        "   AfterBatch, cold (+ 100 EVALSHA again)     {cold_after:>8} bytes  {:>5.1}%",
        share(cold_after)
    );
    verdict(warm as f64 / as_eval as f64, "<=", 0.05);
    Ok(())
}

async fn run_100(
    conn: &MultiplexedConnection,
    script: &Script<i64>,
    keys: &[String],
    loading: ScriptLoading,
) -> Result<(), BoxError> {
    let mut pipe = Pipeline::new();
    pipe.script_loading(loading);
    let calls: Vec<_> = keys
        .iter()
        .map(|key| pipe.exec(script, [key], [3600]))
        .collect();
    let mut replies = pipe.run(conn).await?;
    for call in calls {
        replies.take(call)?;
    }
    Ok(())
}

/// The bytes the server read from clients while `work` ran (`total_net_input_bytes`), without the
/// INFO commands that measure it.
async fn measure(
    redis: &Redis,
    work: impl Future<Output = Result<(), BoxError>>,
) -> Result<u64, BoxError> {
    let mut admin = redis.another_connection().await?;
    let read = |info: String| -> u64 {
        info.lines()
            .find_map(|l| l.strip_prefix("total_net_input_bytes:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    let info = redis::cmd("INFO").arg("stats").clone();
    let before = read(info.query_async(&mut admin).await?);
    let nothing = read(info.query_async(&mut admin).await?) - before;
    let before = read(info.query_async(&mut admin).await?);
    work.await?;
    let after = read(info.query_async(&mut admin).await?);
    Ok(after - before - nothing)
}

fn verdict(ratio: f64, relation: &str, target: f64) {
    let met = match relation {
        ">=" => ratio >= target,
        _ => ratio <= target,
    };
    println!(
        "   ratio {ratio:.3} (target {relation} {target}): {}",
        if met { "met" } else { "NOT met" }
    );
}
