//! The soak: workers making calls at once (script calls, function calls, pipelines, transactions),
//! each call pushing an id of its own to its worker's list, while the servers are made to misbehave;
//! then every call's claim is checked against the lists ([`Tally`]).
//!
//! Bounded: each soak makes a given number of calls ([`calls`]: `SOAK_CALLS`, else a small default)
//! and stops; a call that can not finish fails with a timeout of the transport.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use redis_script::{Function, Library, Pipeline, Script, Transaction, Transport};

use crate::batches::PUSH;
use crate::tally::{Claim, Tally};

/// A library whose function `push` does what [`PUSH`] does.
pub const LIBRARY: &str = "#!lua name=soak\n\
    redis.register_function('push', function(keys, args) return redis.call('RPUSH', keys[1], args[1]) end)";

/// How many calls a soak makes: `SOAK_CALLS` from the environment, else `default`.
pub fn calls(default: usize) -> usize {
    std::env::var("SOAK_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// What each call of a worker claimed: `(list key, id, claim)`.
pub type Ledger = Vec<(String, String, Claim)>;

/// The calls a worker makes, round and round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `Script::exec`.
    Script,
    /// `Function::call`.
    Function,
    /// A pipeline of four calls, scripts and functions.
    Pipeline,
    /// A transaction of three calls, scripts and functions.
    Transaction,
    /// A script call its caller gives up on after up to 2 ms (its future dropped, as by a timeout):
    /// it may run or not, never twice.
    Abandoned,
}

/// Every kind of call.
pub const ALL: [Call; 4] = [
    Call::Script,
    Call::Function,
    Call::Pipeline,
    Call::Transaction,
];

/// Shared by the workers and the chaos of one soak: how many calls were made, and when to stop.
#[derive(Debug, Default)]
pub struct Progress {
    calls: AtomicUsize,
    stop: AtomicBool,
}

/// One worker: calls on `conn` (`kinds` round and round) until `progress` says stop, each pushing
/// `<name>:<n>` to the list `key`.
pub async fn worker<C: Transport>(
    conn: &C,
    name: &str,
    key: &str,
    kinds: &[Call],
    progress: &Progress,
) -> Ledger {
    let script = Script::<i64>::new(PUSH);
    let library = Library::new(LIBRARY);
    let function: Function<i64> = library.function("push");
    let mut ledger = Ledger::new();
    let mut n = 0;
    let mut id = || {
        n += 1;
        format!("{name}:{n}")
    };
    for kind in kinds.iter().cycle() {
        if progress.stop.load(Ordering::Relaxed) {
            break;
        }
        let before = ledger.len();
        match kind {
            Call::Script => {
                let id = id();
                let claim = Claim::of(&script.exec(conn, [key], [&id]).await);
                ledger.push((key.to_owned(), id, claim));
            }
            Call::Function => {
                let id = id();
                let claim = Claim::of(&function.call(conn, [key], [&id]).await);
                ledger.push((key.to_owned(), id, claim));
            }
            Call::Abandoned => {
                let id = id();
                let patience = Duration::from_micros(fastrand::u64(0..2000));
                let claim =
                    match tokio::time::timeout(patience, script.exec(conn, [key], [&id])).await {
                        Ok(result) => Claim::of(&result),
                        Err(_) => Claim::MayHaveRun,
                    };
                ledger.push((key.to_owned(), id, claim));
            }
            Call::Pipeline | Call::Transaction => {
                let count = if *kind == Call::Pipeline { 4 } else { 3 };
                let ids: Vec<String> = (0..count).map(|_| id()).collect();
                // A Transaction and a Pipeline have the same methods, and no trait in common.
                macro_rules! run {
                    ($batch:expr) => {{
                        let mut batch = $batch;
                        let queued: Vec<_> = ids
                            .iter()
                            .enumerate()
                            .map(|(i, id)| match i % 2 {
                                0 => batch.exec(&script, [key], [id]),
                                _ => batch.call(&function, [key], [id]),
                            })
                            .collect();
                        batch
                            .run(conn)
                            .await
                            .map(|mut r| queued.into_iter().map(|q| r.take(q).map(drop)).collect())
                    }};
                }
                let outcome = match kind {
                    Call::Pipeline => run!(Pipeline::new()),
                    _ => run!(Transaction::new()),
                };
                for (id, claim) in ids.into_iter().zip(Claim::of_batch(&outcome, count)) {
                    ledger.push((key.to_owned(), id, claim));
                }
            }
        }
        progress
            .calls
            .fetch_add(ledger.len() - before, Ordering::Relaxed);
    }
    ledger
}

/// Counts every call of `ledgers` against the lists, read with `read(key)`.
pub async fn check(ledgers: &[Ledger], read: impl AsyncFn(&str) -> Vec<String>) -> Tally {
    let mut keys: Vec<&str> = ledgers
        .iter()
        .flatten()
        .map(|(key, _, _)| key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut runs: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for key in keys {
        for id in read(key).await {
            *runs.entry(id).or_default() += 1;
        }
    }
    let mut tally = Tally::default();
    for (_, id, claim) in ledgers.iter().flatten() {
        tally.add(*claim, runs.get(id).copied().unwrap_or(0));
    }
    tally
}

/// Runs `workers` while `chaos` runs beside them, one round every `every` (with its number, from 0),
/// until the workers made `calls` calls and the chaos ran `rounds` rounds; then stops both. Returns
/// the workers' ledgers.
pub async fn run<W: Future<Output = Ledger>>(
    progress: &Progress,
    workers: impl IntoIterator<Item = W>,
    (calls, rounds, every): (usize, usize, Duration),
    mut chaos: impl AsyncFnMut(usize),
) -> Vec<Ledger> {
    let chaos = async {
        let mut round = 0;
        while round < rounds || progress.calls.load(Ordering::Relaxed) < calls {
            tokio::time::sleep(every).await;
            chaos(round).await;
            round += 1;
        }
        progress.stop.store(true, Ordering::Relaxed);
    };
    let (ledgers, ()) = tokio::join!(futures_util::future::join_all(workers), chaos);
    ledgers
}
