//! Hot-path benchmark: `Script::exec` against the `redis` crate's own `Script::invoke_async` (the anchor)
//! and against a hand-written `EVALSHA` (the floor: what the connection allows).
//!
//! Run: `cargo run --release -p redis-script-examples --example bench_exec` (uses `REDIS_URL` or a throwaway `redis-server`).
//! Prints calls per second, heap allocations and bytes per call, and each result as a ratio to the
//! anchor. Rounds are interleaved so that a noisy machine affects all alike; the median is shown.
//!
//! Functions the same way: `Function::call` against a hand-written `FCALL` of the same function (its
//! floor), printed as a ratio to that floor.
//!
//! With `--features tracing` the library is built with its spans, and one more client runs `exec`
//! under a subscriber that keeps every span (`tracing_subscriber::registry()`): the cost of tracing
//! compiled in but not listened to (the `exec` line), and listened to (the `traced` line).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use redis::aio::MultiplexedConnection;
use redis_script::{Function, Library, Script, lua_library, lua_script};
use redis_script_examples::{BoxError, connect, median, report};

/// Counts allocations so that the per-call cost in memory is measured, not guessed.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");

lua_library! {
    static SEED: Library = "lua/seed_library.lua";
    static INCR_TTL_FN: Function<i64> = "incr_ttl";
}

const CALLS_PER_ROUND: u64 = 2_000;
const ROUNDS: usize = 7;
const CONCURRENCY: usize = 32;

#[derive(Clone, Copy, Debug)]
enum Client {
    Floor,
    Anchor,
    RedisScript,
    #[cfg(feature = "tracing")]
    Traced,
    FcallFloor,
    Function,
}

#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    calls_per_sec: f64,
    allocs_per_call: f64,
    bytes_per_call: f64,
}

async fn one_call(
    client: Client,
    conn: &MultiplexedConnection,
    anchor: &redis::Script,
    key: &str,
) -> Result<i64, BoxError> {
    Ok(match client {
        Client::Floor => {
            redis::cmd("EVALSHA")
                .arg(INCR_TTL.sha1())
                .arg(1)
                .arg(key)
                .arg(3600)
                .query_async(&mut conn.clone())
                .await?
        }
        Client::Anchor => {
            anchor
                .key(key)
                .arg(3600)
                .invoke_async(&mut conn.clone())
                .await?
        }
        Client::RedisScript => INCR_TTL.exec(conn, [key], [3600]).await?,
        Client::FcallFloor => {
            redis::cmd("FCALL")
                .arg(INCR_TTL_FN.called_name())
                .arg(1)
                .arg(key)
                .arg(3600)
                .query_async(&mut conn.clone())
                .await?
        }
        Client::Function => INCR_TTL_FN.call(conn, [key], [3600]).await?,
        #[cfg(feature = "tracing")]
        Client::Traced => {
            use tracing::instrument::WithSubscriber;
            // One subscriber for all calls, as a service has.
            static RECORDING: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
            let recording =
                RECORDING.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
            INCR_TTL
                .exec(conn, [key], [3600])
                .with_subscriber(recording.clone())
                .await?
        }
    })
}

async fn round(
    client: Client,
    conn: &MultiplexedConnection,
    anchor: &redis::Script,
    concurrency: usize,
) -> Result<Sample, BoxError> {
    let per_task = CALLS_PER_ROUND / concurrency as u64;
    let (a0, b0) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for t in 0..concurrency {
        let key = format!("bench:exec:{t}");
        tasks.push(async move {
            for _ in 0..per_task {
                one_call(client, conn, anchor, &key).await?;
            }
            Ok::<_, BoxError>(())
        });
    }
    for result in futures_util::future::join_all(tasks).await {
        result?;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let calls = (per_task * concurrency as u64) as f64;
    Ok(Sample {
        calls_per_sec: calls / elapsed,
        allocs_per_call: (ALLOCATIONS.load(Ordering::Relaxed) - a0) as f64 / calls,
        bytes_per_call: (BYTES.load(Ordering::Relaxed) - b0) as f64 / calls,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let redis = connect().await?;
    let conn = &redis.conn;
    let anchor = redis::Script::new(INCR_TTL.script());
    // Cache the script once so every client measures its steady state (EVALSHA hits).
    INCR_TTL.exec(conn, ["bench:exec:warmup"], [3600]).await?;
    SEED.load(conn).await?;
    let clients = [
        Client::Floor,
        Client::Anchor,
        Client::RedisScript,
        #[cfg(feature = "tracing")]
        Client::Traced,
        Client::FcallFloor,
        Client::Function,
    ];
    for concurrency in [1, CONCURRENCY] {
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); clients.len()];
        for _ in 0..ROUNDS {
            for (i, client) in clients.iter().enumerate() {
                samples[i].push(round(*client, conn, &anchor, concurrency).await?);
            }
        }
        println!(
            "\n{CALLS_PER_ROUND} calls x {ROUNDS} rounds, {concurrency} in flight (median of rounds)"
        );
        println!(
            "{:<34} {:>12} {:>8} {:>12} {:>12}",
            "client", "calls/s", "ratio", "allocs/call", "bytes/call"
        );
        let anchor_rate = median(samples[1].iter().map(|s| s.calls_per_sec).collect());
        for (client, samples) in clients.iter().zip(&samples) {
            let rate = median(samples.iter().map(|s| s.calls_per_sec).collect());
            let allocs = median(samples.iter().map(|s| s.allocs_per_call).collect());
            let bytes = median(samples.iter().map(|s| s.bytes_per_call).collect());
            let name = match client {
                Client::Floor => "floor: hand-written EVALSHA",
                Client::Anchor => "anchor: redis::Script::invoke_async",
                Client::RedisScript => "redis_script::Script::exec",
                #[cfg(feature = "tracing")]
                Client::Traced => "exec, traced (recording subscriber)",
                Client::FcallFloor => "floor: hand-written FCALL",
                Client::Function => "redis_script::Function::call",
            };
            println!(
                "{name:<34} {rate:>12.0} {:>8.3} {allocs:>12.1} {bytes:>12.0}",
                rate / anchor_rate
            );
        }
        let rate =
            |client: usize| median(samples[client].iter().map(|s| s.calls_per_sec).collect());
        let (floor, function) = (clients.len() - 2, clients.len() - 1);
        println!(
            "Function::call / hand-written FCALL: {:.3}",
            rate(function) / rate(floor)
        );
    }
    let mut c = conn.clone();
    let keys: Vec<String> = (0..CONCURRENCY)
        .map(|t| format!("bench:exec:{t}"))
        .collect();
    redis::cmd("DEL")
        .arg(keys)
        .arg("bench:exec:warmup")
        .query_async::<()>(&mut c)
        .await?;
    redis::cmd("FUNCTION")
        .arg("DELETE")
        .arg(SEED.loaded_name())
        .query_async::<()>(&mut c)
        .await?;
    Ok(())
}
