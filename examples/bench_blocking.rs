//! The blocking API's hot path: `Script::exec_blocking` on one `redis::Connection` against the
//! `redis` crate's own blocking `Script::invoke` (the anchor) on another connection to the same
//! server, and a hand-written blocking `EVALSHA` (the floor: what the connection allows).
//!
//! Run: `cargo run --release -p redis-script-examples --example bench_blocking` (a throwaway
//! `redis-server`). Prints calls per second of each, one call at a time, and each as a ratio to the
//! anchor beside the target (`exec_blocking` >= 1.0x). Rounds are short and interleaved, each
//! starting with another client, and each ratio is the median of the ratios of the same round, so
//! that a noisy machine affects all alike.

use std::time::Instant;

use redis_script::redis::{self, Connection};
use redis_script::{Script, lua_script};
use redis_script_examples::{BoxError, median, report, throwaway};

static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");

const CALLS_PER_ROUND: u64 = 1_000;
const ROUNDS: usize = 31;

#[derive(Clone, Copy, Debug)]
enum Client {
    Floor,
    Anchor,
    ExecBlocking,
}

/// Runs `CALLS_PER_ROUND` calls with `client`; returns calls per second.
fn round(client: Client, conn: &mut Connection, anchor: &redis::Script) -> Result<f64, BoxError> {
    let start = Instant::now();
    for _ in 0..CALLS_PER_ROUND {
        let n: i64 = match client {
            Client::Floor => redis::cmd("EVALSHA")
                .arg(INCR_TTL.sha1())
                .arg(1)
                .arg("bench:floor")
                .arg(3600)
                .query(conn)?,
            Client::Anchor => anchor.key("bench:anchor").arg(3600).invoke(conn)?,
            Client::ExecBlocking => INCR_TTL.exec_blocking(&mut *conn, ["bench:exec"], [3600])?,
        };
        std::hint::black_box(n);
    }
    Ok(CALLS_PER_ROUND as f64 / start.elapsed().as_secs_f64())
}

fn run() -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // A server nobody else uses; stopped when `server` is dropped.
    let server = runtime.block_on(throwaway())?;
    let client = redis::Client::open(server.url.as_str())?;
    let anchor = redis::Script::new(INCR_TTL.script());
    let clients = [Client::Floor, Client::Anchor, Client::ExecBlocking];
    let mut conns = Vec::new();
    for _ in clients {
        conns.push(client.get_connection()?);
    }
    // Warm: every client's script cached, connections open.
    for (client, conn) in clients.iter().zip(&mut conns) {
        let _ = INCR_TTL.exec_blocking(&mut *conn, ["bench:warm"], [3600])?;
        round(*client, conn, &anchor)?;
    }
    let mut rates = vec![Vec::new(); clients.len()];
    for r in 0..ROUNDS {
        // Each round starts with another client, so that no client always runs first or last.
        for k in 0..clients.len() {
            let i = (r + k) % clients.len();
            rates[i].push(round(clients[i], &mut conns[i], &anchor)?);
        }
    }
    let ratios: Vec<f64> = rates
        .iter()
        .map(|own| median(own.iter().zip(&rates[1]).map(|(r, a)| r / a).collect()))
        .collect();
    println!(
        "one blocking connection, one call at a time, {CALLS_PER_ROUND} calls x {ROUNDS} rounds (median):"
    );
    for ((client, own), ratio) in clients.iter().zip(rates).zip(ratios) {
        let target = match client {
            Client::ExecBlocking => "  (target >= 1.0x)",
            _ => "",
        };
        println!(
            "  {:<13} {:>9.0} calls/s  {ratio:.3}x the anchor{target}",
            format!("{client:?}"),
            median(own),
        );
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    report(run())
}
