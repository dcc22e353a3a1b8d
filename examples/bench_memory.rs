//! Memory per call in flight: `Script::exec` against the `redis` crate's `Script::invoke_async` (the
//! anchor), over one multiplexed connection to a throwaway `redis-server`.
//!
//! Run: `cargo run --release -p redis-script-examples --example bench_memory`.
//!
//! Prints the size of each call's future (what a caller holds per call it awaits; target: at most
//! 1.5x the anchor's), then what a busy service sees: 10,000 calls in flight, each a Tokio task,
//! while the server is paused (`CLIENT PAUSE`, so that none is answered while measured). Each client
//! runs in a process of its own (this program again), so that neither inherits the other's heap:
//! resident memory (`VmRSS`) and live heap bytes (counted by the allocator) above the idle process,
//! per call, and their ratio to the anchor's. Rounds alternate between the clients; medians are
//! shown.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use redis_script::{Script, lua_script};
use redis_script_examples::{BoxError, median, report, throwaway};

/// Counts the bytes allocated and not yet freed.
struct Live;

static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: forwards to the system allocator; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Live {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Live = Live;

static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");

const IN_FLIGHT: usize = 10_000;
const ROUNDS: usize = 3;
const KEY: &str = "bench:memory";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    match (args.next(), args.next()) {
        (Some(client), Some(url)) => report(in_flight(&client, &url).await),
        _ => report(run().await),
    }
}

async fn connect(url: &str) -> Result<MultiplexedConnection, BoxError> {
    // No reply may time out while the server is paused.
    let config = AsyncConnectionConfig::new().set_response_timeout(None);
    Ok(redis::Client::open(url)?
        .get_multiplexed_async_connection_with_config(&config)
        .await?)
}

async fn run() -> Result<(), BoxError> {
    let redis = throwaway().await?;
    let conn = connect(&redis.url).await?;
    let anchor = redis::Script::new(INCR_TTL.script());

    let exec = INCR_TTL.exec(&conn, [KEY], [3600]);
    let mut c = conn.clone();
    let invocation = anchor.key(KEY);
    let invoke = invocation.invoke_async::<i64>(&mut c);
    let (ours, theirs) = (size_of_val(&exec), size_of_val(&invoke));
    drop((exec, invoke));
    println!("the future of one call (bytes)");
    println!("   anchor: redis::Script::invoke_async  {theirs:>8}");
    println!("   redis_script::Script::exec           {ours:>8}");
    verdict(ours as f64 / theirs as f64, 1.5);

    let exe = std::env::current_exe()?;
    let (mut anchor_rss, mut ours_rss, mut anchor_heap, mut ours_heap) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for (client, rss, heap) in [
            ("anchor", &mut anchor_rss, &mut anchor_heap),
            ("ours", &mut ours_rss, &mut ours_heap),
        ] {
            let output = std::process::Command::new(&exe)
                .args([client, redis.url.as_str()])
                .output()?;
            let text = String::from_utf8_lossy(&output.stdout);
            let field = |name: &str| -> Option<f64> {
                text.split_whitespace()
                    .find_map(|w| w.strip_prefix(name)?.parse().ok())
            };
            match (field("rss="), field("heap=")) {
                (Some(r), Some(h)) if output.status.success() => {
                    rss.push(r);
                    heap.push(h);
                }
                _ => {
                    return Err(format!(
                        "the {client} run failed: {text}{}",
                        String::from_utf8_lossy(&output.stderr)
                    )
                    .into());
                }
            }
        }
    }
    for (what, anchor, ours) in [
        ("resident memory", anchor_rss, ours_rss),
        ("live heap", anchor_heap, ours_heap),
    ] {
        let (anchor, ours) = (median(anchor), median(ours));
        println!(
            "\n{what} per call, {IN_FLIGHT} calls in flight, median of {ROUNDS} rounds (bytes)"
        );
        println!("   anchor: redis::Script::invoke_async  {anchor:>8.0}");
        println!("   redis_script::Script::exec           {ours:>8.0}");
        verdict(ours / anchor, 1.5);
    }
    Ok(())
}

fn verdict(ratio: f64, target: f64) {
    println!(
        "   ratio {ratio:.2} (target <= {target}): {}",
        if ratio <= target { "met" } else { "NOT met" }
    );
}

/// One client's run (a process of its own): prints `rss=` and `heap=`, bytes per call in flight.
async fn in_flight(client: &str, url: &str) -> Result<(), BoxError> {
    let conn = connect(url).await?;
    let mut control = connect(url).await?;
    let anchor = std::sync::Arc::new(redis::Script::new(INCR_TTL.script()));
    // Warm: the script is cached, the connection's buffers grown, for both alike.
    INCR_TTL.exec(&conn, [KEY], [3600]).await?;
    let _: i64 = anchor
        .key(KEY)
        .arg(3600)
        .invoke_async(&mut conn.clone())
        .await?;
    let (rss, heap) = (resident()?, LIVE.load(Ordering::Relaxed));

    // Nothing is answered for two seconds: every call stays in flight while measured.
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(2000)
        .arg("ALL")
        .exec_async(&mut control)
        .await?;
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| match client {
            "ours" => {
                let conn = conn.clone();
                tokio::spawn(async move { Ok(INCR_TTL.exec(&conn, [KEY], [3600]).await?) })
            }
            _ => {
                let (mut conn, anchor) = (conn.clone(), anchor.clone());
                tokio::spawn(async move {
                    let n: Result<i64, BoxError> =
                        Ok(anchor.key(KEY).arg(3600).invoke_async(&mut conn).await?);
                    n
                })
            }
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (rss_busy, heap_busy) = (resident()?, LIVE.load(Ordering::Relaxed));
    let mut answered = 0;
    for task in tasks {
        task.await??;
        answered += 1;
    }
    if answered != IN_FLIGHT {
        return Err(format!("{answered} of {IN_FLIGHT} calls answered").into());
    }
    let per_call = |before: i64, after: i64| (after - before) as f64 / IN_FLIGHT as f64;
    println!(
        "rss={} heap={}",
        per_call(rss, rss_busy),
        per_call(heap, heap_busy)
    );
    Ok(())
}

/// Resident memory of this process, in bytes (`VmRSS` of `/proc/self/status`).
fn resident() -> Result<i64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("resident memory is read from /proc/self/status (Linux): {e}"))?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .ok_or("no VmRSS in /proc/self/status")?;
    Ok(kb * 1024)
}
