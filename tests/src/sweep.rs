//! Byte-boundary sweeps of batches through a [`FaultProxy`]: the same batch once per boundary, its
//! connection cut there (or its bytes held there while someone else flushes the script cache), and
//! what each entry claims checked against the list its script pushed its id to ([`Tally`]).
//!
//! Every entry calls [`PUSH`] with a key and an id of its run, so the server's own list says which
//! entries ran and how often. The caller says how to connect (a new connection per run: a cut kills
//! it), how to read a list, and how to wait until the server has done what it received.

use std::time::Duration;

use redis_script::{Error, Pipeline, Script, Transaction, Transport};

use crate::batches::PUSH;
use crate::proxy::{Direction, FaultProxy};
use crate::tally::{Claim, Tally};

/// The shape of the batch each run sends.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// A transaction (else a pipeline).
    pub atomic: bool,
    /// How many calls.
    pub entries: usize,
}

/// The key (all runs share the hash tag `{sweep}`, one cluster slot) and the ids of run `run`.
pub fn run_ids(run: usize, entries: usize) -> (String, Vec<String>) {
    let key = format!("{{sweep}}:log:{run:05}");
    let ids = (0..entries).map(|i| format!("{run:05}-{i}")).collect();
    (key, ids)
}

/// Sends run `run`'s batch on `conn`: one result per entry, or the batch's error.
pub async fn send<C: Transport>(
    conn: &C,
    run: usize,
    shape: Shape,
) -> (String, Vec<String>, Result<Vec<Result<(), Error>>, Error>) {
    let script = Script::<i64>::new(PUSH);
    let (key, ids) = run_ids(run, shape.entries);
    // A Transaction and a Pipeline have the same methods, and no trait in common.
    macro_rules! run {
        ($batch:expr) => {{
            let mut batch = $batch;
            let queued: Vec<_> = ids
                .iter()
                .map(|id| batch.exec(&script, [&key], [id]))
                .collect();
            batch
                .run(conn)
                .await
                .map(|mut r| queued.into_iter().map(|q| r.take(q).map(drop)).collect())
        }};
    }
    let outcome = if shape.atomic {
        run!(Transaction::new())
    } else {
        run!(Pipeline::new())
    };
    (key, ids, outcome)
}

/// Counts what each entry of a run claimed against `log`, the list its script pushed to.
pub fn count(
    tally: &mut Tally,
    ids: &[String],
    outcome: &Result<Vec<Result<(), Error>>, Error>,
    log: &[String],
) {
    for (id, claim) in ids.iter().zip(Claim::of_batch(outcome, ids.len())) {
        tally.add(claim, log.iter().filter(|pushed| *pushed == id).count());
    }
}

/// What a sweep needs of its setup; its methods run the sweeps.
pub struct Setup<'p, Connect, Read, Settle> {
    /// The proxy every connection goes through.
    pub proxy: &'p FaultProxy,
    /// A new connection through the proxy.
    pub connect: Connect,
    /// The list at a key, as the server has it.
    pub read: Read,
    /// Waits until the server has done what it received on connections that are gone.
    pub settle: Settle,
}

impl<Connect, Read, Settle> std::fmt::Debug for Setup<'_, Connect, Read, Settle> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup").field("proxy", &self.proxy).finish()
    }
}

/// The setup of a sweep over RESP: a new multiplexed connection through `proxy` per run, lists read
/// from `server` itself, and settled when `server` has no client left.
pub fn over_resp<'p>(
    server: &'p crate::RedisServer,
    proxy: &'p FaultProxy,
) -> Setup<
    'p,
    impl AsyncFn() -> redis::aio::MultiplexedConnection + 'p,
    impl AsyncFn(String) -> Vec<String> + 'p,
    impl AsyncFn() + 'p,
> {
    Setup {
        proxy,
        connect: async || {
            redis::Client::open(proxy.url())
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap()
        },
        read: async |key: String| -> Vec<String> {
            server
                .query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
                .await
        },
        settle: async || until_clients(server, 0).await,
    }
}

/// What a run meets at its offset.
enum Fault<Flush> {
    /// The connection cut after that many bytes going this way.
    Cut(Direction),
    /// The bytes going to the server held after that many, the script cache flushed meanwhile by
    /// someone else, then let go.
    FlushWhileHeld(Flush),
}

impl<C, Connect, Read, Settle> Setup<'_, Connect, Read, Settle>
where
    C: Transport,
    Connect: AsyncFn() -> C,
    Read: AsyncFn(String) -> Vec<String>,
    Settle: AsyncFn(),
{
    /// How many bytes run `run` of `shape` sends and receives, measured on a run without faults.
    pub async fn measure(&self, run: usize, shape: Shape) -> (u64, u64) {
        let conn = (self.connect)().await;
        let proxy = self.proxy;
        let (sent, received) = (
            proxy.forwarded(Direction::ToServer),
            proxy.forwarded(Direction::ToClient),
        );
        let (_, _, outcome) = send(&conn, run, shape).await;
        assert!(outcome.is_ok(), "{outcome:?}");
        let measured = (
            proxy.forwarded(Direction::ToServer) - sent,
            proxy.forwarded(Direction::ToClient) - received,
        );
        drop(conn);
        (self.settle)().await;
        measured
    }

    /// One run per offset: the connection cut after that many bytes going `direction`.
    pub async fn cuts(
        &self,
        first_run: usize,
        shape: Shape,
        direction: Direction,
        offsets: &[u64],
    ) -> Tally {
        let fault = Fault::<fn() -> std::future::Ready<()>>::Cut(direction);
        self.runs(
            first_run,
            shape,
            offsets,
            fault,
            async |f: &fn() -> std::future::Ready<()>| f().await,
        )
        .await
    }

    /// One run per offset below the bytes the batch sends: those bytes held after that many while
    /// `flush` empties the script cache (as someone else's `SCRIPT FLUSH` would), then let go.
    pub async fn flushes<Flush>(
        &self,
        first_run: usize,
        shape: Shape,
        offsets: &[u64],
        flush: Flush,
    ) -> Tally
    where
        Flush: AsyncFn(),
    {
        let fault = Fault::FlushWhileHeld(flush);
        self.runs(first_run, shape, offsets, fault, async |f: &Flush| {
            f().await
        })
        .await
    }

    async fn runs<Flush>(
        &self,
        first_run: usize,
        shape: Shape,
        offsets: &[u64],
        fault: Fault<Flush>,
        flush: impl AsyncFn(&Flush),
    ) -> Tally {
        let mut tally = Tally::default();
        for (n, &offset) in offsets.iter().enumerate() {
            let run = first_run + n;
            let conn = (self.connect)().await;
            let (key, ids, outcome) = match &fault {
                Fault::Cut(direction) => {
                    self.proxy.cut_after(*direction, offset);
                    let sent = send(&conn, run, shape).await;
                    self.proxy.release();
                    sent
                }
                Fault::FlushWhileHeld(flusher) => {
                    self.proxy.hold_after(Direction::ToServer, offset);
                    let flushing = async {
                        self.proxy.held(Direction::ToServer).await;
                        flush(flusher).await;
                        self.proxy.release();
                    };
                    tokio::join!(send(&conn, run, shape), flushing).0
                }
            };
            drop(conn);
            (self.settle)().await;
            let log = (self.read)(key).await;
            let before = tally;
            count(&mut tally, &ids, &outcome, &log);
            let fault = match &fault {
                Fault::Cut(direction) => format!("cut after {offset} bytes going {direction:?}"),
                Fault::FlushWhileHeld(_) => format!("flush after {offset} bytes"),
            };
            assert_eq!(
                (tally.doubled, tally.lost, tally.false_not_run),
                (before.doubled, before.lost, before.false_not_run),
                "{fault}: {outcome:?}, the server ran {log:?}"
            );
        }
        tally
    }

    /// Measures run `first_run` of `shape`, then cuts one run per sampled offset (at most `points`
    /// each way, see [`offsets`]) going each way. Returns the tally, the runs used and the bytes the
    /// batch sends.
    pub async fn both_ways(
        &self,
        first_run: usize,
        shape: Shape,
        points: u64,
    ) -> (Tally, usize, u64) {
        let (sent, received) = self.measure(first_run, shape).await;
        let (mut tally, mut run) = (Tally::default(), first_run + 1);
        for (direction, total) in [(Direction::ToServer, sent), (Direction::ToClient, received)] {
            let offsets = offsets(total, points);
            tally.merge(self.cuts(run, shape, direction, &offsets).await);
            run += offsets.len();
        }
        (tally, run - first_run, sent)
    }
}

/// Byte offsets `0..=total`: every one when there are at most `points`, else `points` of them spread
/// evenly, always with the last four (a command complete or not).
pub fn offsets(total: u64, points: u64) -> Vec<u64> {
    let step = (total / points.max(1)).max(1);
    let mut all: Vec<u64> = (0..=total).step_by(step as usize).collect();
    all.extend(total.saturating_sub(3)..=total);
    all.sort_unstable();
    all.dedup();
    all
}

/// Waits until the server `server` has no more clients than `baseline` (each closed connection's
/// commands are done before the server lets it go), at most 10 s.
pub async fn until_clients(server: &crate::RedisServer, baseline: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let info: String = server.query(redis::cmd("INFO").arg("clients")).await;
        let clients: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("connected_clients:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(usize::MAX);
        // The query's own connection counts.
        if clients <= baseline + 1 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{clients} clients still connected"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
