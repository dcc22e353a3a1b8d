//! Cluster batches and calls under faults put at exact byte boundaries by a proxy in front of one
//! node: a slot that moves between two commands of one node's part, a migration in progress (ASK),
//! parts that fail differently. The server's own state says what ran.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use redis::cluster::{ClusterClientBuilder, NodeAddress};
use redis_script::{
    BlockingCluster, BlockingTransport, Cluster, Error, Pipeline, Replies, Script, Transport,
    TransportErrorKind,
};
use redis_script_tests::blocking::{Blocking, Owned};
use redis_script_tests::proxy::{Direction, FaultProxy};
use redis_script_tests::sweep::{self, Setup, Shape};
use redis_script_tests::tally::Tally;
use redis_script_tests::{ClosedPort, RedisCluster};

const INCR: &str = "return redis.call('INCR', KEYS[1])";

/// The bytes of `words` as one RESP command.
fn packed(words: &[&str]) -> u64 {
    let mut cmd = redis::Cmd::new();
    for word in words {
        cmd.arg(*word);
    }
    cmd.get_packed_command().len() as u64
}

/// Every node but the one on `port` as seeds, and an address map that reaches that one through
/// `proxy`.
fn seeds_and_map(
    cluster: &RedisCluster,
    port: u16,
    proxy: &FaultProxy,
) -> (Vec<String>, HashMap<NodeAddress, NodeAddress>) {
    let seeds: Vec<String> = cluster
        .nodes()
        .iter()
        .filter(|n| n.port() != port)
        .map(|n| n.url())
        .collect();
    let map = HashMap::from([(
        NodeAddress::new("127.0.0.1", port),
        NodeAddress::new("127.0.0.1", proxy.port()),
    )]);
    (seeds, map)
}

/// A client that reaches the node on `port` through `proxy`, the others directly, seeded with every
/// other node; `retries(0)`.
fn through(cluster: &RedisCluster, port: u16, proxy: &FaultProxy) -> ClusterClientBuilder {
    let (seeds, map) = seeds_and_map(cluster, port, proxy);
    ClusterClientBuilder::new(seeds)
        .retries(0)
        .node_address_map(map)
}

async fn get(cluster: &RedisCluster, port: u16, key: &str) -> Option<i64> {
    cluster.node(port).query(redis::cmd("GET").arg(key)).await
}

/// Waits until `key` holds `value` on the node on `port`.
async fn until(cluster: &RedisCluster, port: u16, key: &str, value: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while get(cluster, port, key).await != Some(value) {
        assert!(
            std::time::Instant::now() < deadline,
            "{key} never became {value}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// One entry's result.
type Counted = Result<i64, Error>;

/// What a pipeline `INCR {s}a`, `INCR {s}b` to the slot's owner gave, when the slot moved (with
/// `{s}a`) after the first command ran and before the second arrived: the entries' results and the
/// values of both keys on the new owner.
#[derive(Debug)]
struct Moved {
    outcome: Result<(Counted, Counted), Error>,
    a: Option<i64>,
    b: Option<i64>,
}

/// A pipeline's run on a task of its own, so that the test acts while it waits.
type Running = tokio::task::JoinHandle<Result<Replies<'static>, Error>>;

/// Runs pipelines on an async transport.
fn spawned<T: Transport + Clone + 'static>(conn: T) -> impl Fn(Pipeline<'static>) -> Running {
    move |pipe| {
        let conn = conn.clone();
        tokio::spawn(async move { pipe.run(&conn).await })
    }
}

/// Runs pipelines with `run_blocking` on a blocking cluster connection, on a thread that may block.
fn on_a_thread<C: Send + 'static>(conn: C) -> impl Fn(Pipeline<'static>) -> Running
where
    for<'a> &'a mut C: BlockingTransport + Send,
{
    let conn = std::sync::Arc::new(std::sync::Mutex::new(conn));
    move |pipe| {
        let conn = conn.clone();
        tokio::task::spawn_blocking(move || pipe.run_blocking(&mut *conn.lock().unwrap()))
    }
}

async fn slot_moves_between_two_commands(
    cluster: &RedisCluster,
    proxy: &FaultProxy,
    run: impl Fn(Pipeline<'static>) -> Running,
) -> Moved {
    let owner = cluster.master_for_key("{s}").await.port();
    // The client knows the slot map, and its connection to the owner goes through the proxy.
    let mut pipe = Pipeline::new();
    let _ = pipe.cmd::<()>(("SET", "{s}warm", "1"));
    run(pipe).await.unwrap().unwrap();
    assert!(
        proxy.accepted() >= 1,
        "the owner is not reached through the proxy"
    );

    let mut pipe = Pipeline::new();
    let a = pipe.cmd::<i64>(("INCR", "{s}a"));
    let b = pipe.cmd::<i64>(("INCR", "{s}b"));
    proxy.hold_after(Direction::ToServer, packed(&["INCR", "{s}a"]));
    let running = run(pipe);
    proxy.held(Direction::ToServer).await;
    until(cluster, owner, "{s}a", 1).await;
    let migration = cluster.begin_migration("{s}").await;
    let new_owner = migration.to;
    migration.finish().await;
    proxy.release();
    let outcome = running.await.unwrap().map(|mut r| (r.take(a), r.take(b)));
    let errors: String = cluster
        .node(owner)
        .query(redis::cmd("INFO").arg("errorstats"))
        .await;
    assert!(
        errors.contains("errorstat_MOVED:count=1"),
        "the old owner did not refuse the second command: {errors}"
    );
    Moved {
        outcome,
        a: get(cluster, new_owner, "{s}a").await,
        b: get(cluster, new_owner, "{s}b").await,
    }
}

/// The `redis` crate's `ClusterConnection` hands back only the MOVED: the first command ran, so the
/// part is not sent again, and the batch says it may have run.
#[tokio::test]
async fn a_slot_moved_between_two_commands_is_not_sent_again_on_a_cluster_connection() {
    let cluster = RedisCluster::start(3, 0);
    let owner = cluster.master_for_key("{s}").await.port();
    let proxy = FaultProxy::start(owner).await;
    let conn = through(&cluster, owner, &proxy)
        .build()
        .unwrap()
        .get_async_connection()
        .await
        .unwrap();
    let moved = slot_moves_between_two_commands(&cluster, &proxy, spawned(conn)).await;
    assert_eq!(moved.a, Some(1), "INCR {{s}}a ran twice: {moved:?}");
    assert_eq!(moved.b, None, "{moved:?}");
    let Err(e) = &moved.outcome else {
        panic!("{moved:?}")
    };
    assert!(e.may_have_run(), "{e:?}");
}

/// [`Cluster`] sees both replies: the first ran (its reply stands), the second was refused, and only it
/// is sent to the new owner.
#[tokio::test]
async fn a_slot_moved_between_two_commands_sends_only_the_refused_one_again_on_a_cluster() {
    let cluster = RedisCluster::start(3, 0);
    let owner = cluster.master_for_key("{s}").await.port();
    let proxy = FaultProxy::start(owner).await;
    let conn = Cluster::connect_with(through(&cluster, owner, &proxy))
        .await
        .unwrap();
    let moved = slot_moves_between_two_commands(&cluster, &proxy, spawned(conn)).await;
    assert_eq!((moved.a, moved.b), (Some(1), Some(1)), "{moved:?}");
    let Ok((Ok(1), Ok(1))) = &moved.outcome else {
        panic!("{moved:?}")
    };
}

/// [`BlockingCluster`] sees both replies too, and sends only the refused command again.
#[tokio::test]
async fn a_slot_moved_between_two_commands_sends_only_the_refused_one_again_on_a_blocking_cluster()
{
    let cluster = RedisCluster::start(3, 0);
    let owner = cluster.master_for_key("{s}").await.port();
    let proxy = FaultProxy::start(owner).await;
    let (seeds, map) = seeds_and_map(&cluster, owner, &proxy);
    let conn = BlockingCluster::connect_with_address_map(seeds, map).unwrap();
    let moved = slot_moves_between_two_commands(&cluster, &proxy, on_a_thread(conn)).await;
    assert_eq!((moved.a, moved.b), (Some(1), Some(1)), "{moved:?}");
    let Ok((Ok(1), Ok(1))) = &moved.outcome else {
        panic!("{moved:?}")
    };
}

/// The `redis` crate's blocking `ClusterConnection` (`retries(0)`) sends a part command by command,
/// each reply seen: only the refused command is sent again, as on a [`BlockingCluster`].
#[tokio::test]
async fn a_slot_moved_between_two_commands_sends_only_the_refused_one_again_on_a_blocking_connection()
 {
    let cluster = RedisCluster::start(3, 0);
    let owner = cluster.master_for_key("{s}").await.port();
    let proxy = FaultProxy::start(owner).await;
    let conn = through(&cluster, owner, &proxy)
        .build()
        .unwrap()
        .get_connection()
        .unwrap();
    let moved = slot_moves_between_two_commands(&cluster, &proxy, on_a_thread(conn)).await;
    assert_eq!((moved.a, moved.b), (Some(1), Some(1)), "{moved:?}");
    let Ok((Ok(1), Ok(1))) = &moved.outcome else {
        panic!("{moved:?}")
    };
}

/// Parts of one batch that fail differently: the part for a node the client has no connection to is
/// not sent (nothing ran, and it says so); the other part, whose replies come after the response
/// timeout (its INCR runs, then a BLPOP waits 600 ms on an empty list), may have run (and it ran).
/// Neither is reported for the other.
async fn parts_fail_differently<T: Transport>(
    cluster: &RedisCluster,
    conn: &T,
    (unreachable, unreachable_key): (u16, &str),
    (slow, slow_key): (u16, &str),
) {
    let incr = Script::<i64>::new(INCR);
    let mut pipe = Pipeline::new();
    let first = pipe.exec(&incr, [unreachable_key], ());
    let second = pipe.exec(&incr, [slow_key], ());
    let _ = pipe.cmd::<()>(("BLPOP", format!("{{{slow_key}}}:empty"), "0.6"));
    let outcome = pipe.run(conn).await;
    until(cluster, slow, slow_key, 1).await;
    assert_eq!(get(cluster, unreachable, unreachable_key).await, None);
    let mut replies = match outcome {
        Ok(replies) => replies,
        Err(e) => panic!(
            "the batch's one error says may_have_run={} for both parts: {e:?}",
            e.may_have_run()
        ),
    };
    let first = replies.take(first).unwrap_err();
    assert!(!first.may_have_run(), "{first:?}");
    assert!(
        matches!(&first, Error::Transport(t) if t.kind() == TransportErrorKind::Connect),
        "{first:?}"
    );
    let second = replies.take(second).unwrap_err();
    assert!(second.may_have_run(), "{second:?}");
}

/// A key `{prefix}:<n>` whose slot the master on `port` serves.
async fn key_on(cluster: &RedisCluster, prefix: &str, port: u16) -> String {
    for i in 0..1000 {
        let key = format!("{prefix}:{i}");
        if cluster.master_for_key(&key).await.port() == port {
            return key;
        }
    }
    panic!("no key of {port}")
}

/// Batches over a cluster whose connection to one master is refused (its address mapped to a closed
/// port) and whose other master answers after the response timeout.
#[tokio::test]
async fn parts_that_fail_differently_keep_their_own_errors() {
    let cluster = RedisCluster::start(3, 0);
    let masters = cluster.key_per_master("part").await;
    let (unreachable, slow) = (masters[0].1, masters[1].1);
    let closed = ClosedPort::new();
    let seeds: Vec<String> = cluster
        .nodes()
        .iter()
        .filter(|n| n.port() != unreachable)
        .map(|n| n.url())
        .collect();
    let map = HashMap::from([(
        NodeAddress::new("127.0.0.1", unreachable),
        NodeAddress::new("127.0.0.1", closed.port()),
    )]);
    let builder = || {
        ClusterClientBuilder::new(seeds.clone())
            .retries(0)
            .response_timeout(Duration::from_millis(300))
            .node_address_map(map.clone())
    };

    let conn = builder()
        .build()
        .unwrap()
        .get_async_connection()
        .await
        .unwrap();
    let (a, b) = (
        key_on(&cluster, "a", unreachable).await,
        key_on(&cluster, "b", slow).await,
    );
    parts_fail_differently(&cluster, &conn, (unreachable, &a), (slow, &b)).await;

    let conn = Cluster::connect_with(builder()).await.unwrap();
    let (a, b) = (
        key_on(&cluster, "c", unreachable).await,
        key_on(&cluster, "d", slow).await,
    );
    parts_fail_differently(&cluster, &conn, (unreachable, &a), (slow, &b)).await;

    let mut conn = BlockingCluster::connect_with_address_map(seeds.clone(), map.clone()).unwrap();
    conn.set_timeout(Some(Duration::from_millis(300))).unwrap();
    let (a, b) = (
        key_on(&cluster, "e", unreachable).await,
        key_on(&cluster, "f", slow).await,
    );
    let conn = Blocking::new(&mut conn);
    parts_fail_differently(&cluster, &conn, (unreachable, &a), (slow, &b)).await;

    let mut conn = builder().build().unwrap().get_connection().unwrap();
    let (a, b) = (
        key_on(&cluster, "g", unreachable).await,
        key_on(&cluster, "h", slow).await,
    );
    let conn = Blocking::new(&mut conn);
    parts_fail_differently(&cluster, &conn, (unreachable, &a), (slow, &b)).await;
}

/// A call on a slot being migrated, for a key the old owner does not have: answered ASK, it is sent
/// once more, with ASKING, to the node the slot is migrating to, and runs there once.
async fn follows_ask<T: Transport>(cluster: &RedisCluster, conn: &T, tag: &str) {
    let key = format!("{{{tag}}}:n");
    let script = Script::<i64>::new(INCR);
    assert_eq!(
        script
            .exec(conn, [format!("{tag}:warm")], ())
            .await
            .unwrap(),
        1
    );
    let migration = cluster.begin_migration(&key).await;
    let (from, to) = (migration.from, migration.to);
    cluster.reset_stats().await;
    let n = script.exec(conn, [&key], ()).await;
    migration.finish().await;
    assert_eq!(n.unwrap(), 1);
    assert_eq!(get(cluster, to, &key).await, Some(1));
    let errors: String = cluster
        .node(from)
        .query(redis::cmd("INFO").arg("errorstats"))
        .await;
    assert!(errors.contains("errorstat_ASK:count="), "{errors}");
    let stats = cluster.node(to).commandstats().await;
    assert_eq!(
        stats.calls("asking"),
        stats.calls("evalsha") + stats.calls("eval"),
        "{stats:?}"
    );
}

#[tokio::test]
async fn a_call_on_a_migrating_slot_follows_ask_with_asking() {
    let cluster = RedisCluster::start(3, 0);
    follows_ask(
        &cluster,
        &cluster.connection_without_retries().await,
        "ask1",
    )
    .await;
    follows_ask(&cluster, &cluster.exactly_once().await, "ask2").await;
    let mut blocking = cluster.blocking();
    follows_ask(&cluster, &Blocking::new(&mut blocking), "ask3").await;
    let mut conn = cluster.blocking_without_retries();
    follows_ask(&cluster, &Blocking::new(&mut conn), "ask4").await;
}

/// A pipeline on a slot being migrated: what the old owner still has runs there; what it has not is
/// answered ASK and, when nothing behind it ran, sent with ASKING to the new owner. An entry answered
/// ASK with an entry behind it that ran is not sent again (it would run out of order): its error says
/// it did not run. Each entry runs at most once.
#[tokio::test]
async fn a_pipeline_on_a_migrating_slot_runs_each_entry_once_on_a_cluster() {
    let cluster = RedisCluster::start(3, 0);
    pipeline_on_a_migrating_slot(&cluster, &cluster.exactly_once().await).await;
    let cluster = RedisCluster::start(3, 0);
    pipeline_on_a_migrating_slot(&cluster, &Blocking::new(&mut cluster.blocking())).await;
    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking_without_retries();
    pipeline_on_a_migrating_slot(&cluster, &Blocking::new(&mut conn)).await;
}

async fn pipeline_on_a_migrating_slot(cluster: &RedisCluster, conn: &impl Transport) {
    let script = Script::<i64>::new(INCR);
    let (there, gone, new) = ("{mig}:there", "{mig}:gone", "{mig}:new");
    let owner = cluster.master_for_key(there).await;
    let () = owner
        .query(redis::cmd("MSET").arg(there).arg(10).arg(gone).arg(20))
        .await;
    let migration = cluster.begin_migration(there).await;
    let (from, to) = (migration.from, migration.to);
    // `gone` moves ahead of `there`, as MIGRATE moves keys a batch at a time.
    let () = cluster
        .node(from)
        .query(
            redis::cmd("MIGRATE")
                .arg("127.0.0.1")
                .arg(to)
                .arg("")
                .arg(0)
                .arg(5000)
                .arg("KEYS")
                .arg(gone),
        )
        .await;

    // The ASKed entries are the tail: sent again, each runs once.
    let mut pipe = Pipeline::new();
    let calls: Vec<_> = [there, gone, new]
        .iter()
        .map(|k| pipe.exec(&script, [*k], ()))
        .collect();
    let mut replies = pipe.run(conn).await.unwrap();
    let got: Vec<i64> = calls
        .into_iter()
        .map(|c| replies.take(c).unwrap())
        .collect();
    assert_eq!(got, [11, 21, 1]);

    // An ASKed entry before one that ran: not sent again, and it says it did not run.
    let mut pipe = Pipeline::new();
    let first = pipe.exec(&script, [gone], ());
    let second = pipe.exec(&script, [there], ());
    let mut replies = pipe.run(conn).await.unwrap();
    let refused = replies.take(first).unwrap_err();
    assert_eq!(refused.code(), Some("ASK"), "{refused:?}");
    assert!(!refused.may_have_run());
    assert_eq!(replies.take(second).unwrap(), 12);

    migration.finish().await;
    for (key, value) in [(there, 12), (gone, 21), (new, 1)] {
        assert_eq!(get(cluster, to, key).await, Some(value), "{key}");
    }
}

/// A transaction in a slot that moved (MULTI accepted, its commands refused with MOVED while queued,
/// EXEC aborted): nothing of it ran, so it goes to the new owner, once. The `redis` crate's
/// `ClusterConnection` hands back only the MOVED, and reads its slot map again, so neither MULTI's
/// acceptance nor whether the node that answered meant the MOVED can be known there: a transaction
/// of one call or of two fails as "may have run" (here nothing did).
#[tokio::test]
async fn a_transaction_in_a_moved_slot_runs_once_on_the_new_owner() {
    let cluster = RedisCluster::start(3, 0);
    let script = Script::<i64>::new(INCR);
    // Each client learns the slot map now, before the slot moves.
    let exactly_once = cluster.exactly_once().await;
    let mut blocking = cluster.blocking();
    let mut blocking_connection = cluster.blocking_without_retries();
    let (plain, plain_too) = (
        cluster.connection_without_retries().await,
        cluster.connection_without_retries().await,
    );
    let key = |n: &str| format!("{{tx}}:{n}");
    let old_owner = cluster.master_for_key(&key("x")).await.port();
    let new_owner = cluster.move_slot_of(&key("x")).await;

    let mut tx = redis_script::Transaction::new();
    let a = tx.exec(&script, [key("a")], ());
    let b = tx.exec(&script, [key("b")], ());
    let mut replies = tx.run(&exactly_once).await.unwrap();
    assert_eq!((replies.take(a).unwrap(), replies.take(b).unwrap()), (1, 1));

    let mut tx = redis_script::Transaction::new();
    let e = tx.exec(&script, [key("e")], ());
    let f = tx.exec(&script, [key("f")], ());
    let mut replies = tx.run_blocking(&mut blocking).unwrap();
    assert_eq!((replies.take(e).unwrap(), replies.take(f).unwrap()), (1, 1));

    let mut tx = redis_script::Transaction::new();
    let g = tx.exec(&script, [key("g")], ());
    let h = tx.exec(&script, [key("h")], ());
    let mut replies = tx.run_blocking(&mut blocking_connection).unwrap();
    assert_eq!((replies.take(g).unwrap(), replies.take(h).unwrap()), (1, 1));

    let mut tx = redis_script::Transaction::new();
    let _ = tx.exec(&script, [key("one")], ());
    let err = tx.run(&plain_too).await.unwrap_err();
    assert!(err.may_have_run(), "{err:?}");

    let mut tx = redis_script::Transaction::new();
    let _ = tx.exec(&script, [key("c")], ());
    let _ = tx.exec(&script, [key("d")], ());
    let err = tx.run(&plain).await.unwrap_err();
    assert!(err.may_have_run(), "{err:?}");

    for (k, value) in [
        ("a", Some(1)),
        ("b", Some(1)),
        ("e", Some(1)),
        ("f", Some(1)),
        ("g", Some(1)),
        ("h", Some(1)),
        ("one", None),
        ("c", None),
        ("d", None),
    ] {
        assert_eq!(get(&cluster, new_owner, &key(k)).await, value, "{k}");
    }
    // Every call was refused by the old owner first: a, b, e, f, g, h, one, c and d.
    let errors: String = cluster
        .node(old_owner)
        .query(redis::cmd("INFO").arg("errorstats"))
        .await;
    assert!(errors.contains("errorstat_MOVED:count=9"), "{errors}");
}

/// A pipeline and a transaction of three calls through `redis_script::Cluster`, cut after sampled
/// bytes going either way and held after sampled bytes while the script cache is flushed: no entry
/// runs twice, none that answered is missing, none that says it did not run ran.
#[tokio::test]
async fn batches_on_a_cluster_cut_at_sampled_bytes_run_each_entry_at_most_once() {
    let cluster = RedisCluster::start(3, 0);
    let owner = cluster.master_for_key("{sweep}").await.port();
    let proxy = FaultProxy::start(owner).await;
    let node = cluster.node(owner);
    let setup = Setup {
        proxy: &proxy,
        connect: async || {
            Cluster::connect_with(through(&cluster, owner, &proxy))
                .await
                .unwrap()
        },
        read: async |key: String| -> Vec<String> {
            node.query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
                .await
        },
        settle: async || sweep::until_clients(node, 0).await,
    };
    let mut tally = Tally::default();
    let (mut run, mut boundaries) = (0, 0);
    for atomic in [false, true] {
        let shape = Shape { atomic, entries: 3 };
        let (cut, runs, sent) = setup.both_ways(run, shape, 40).await;
        tally.merge(cut);
        (run, boundaries) = (run + runs, boundaries + runs - 1);
        let offsets: Vec<u64> = sweep::offsets(sent - 1, 24);
        boundaries += offsets.len();
        let flush = async || node.script_flush().await;
        tally.merge(setup.flushes(run, shape, &offsets, flush).await);
        run += offsets.len();
    }
    eprintln!("{boundaries} byte boundaries swept");
    tally.assert_exactly_once("cluster pipelines and transactions through the proxy");
}

/// The same cuts through a `BlockingCluster`, each blocking run on a worker thread while the proxy
/// runs on another: no entry runs twice, none that answered is missing, none that says it did not
/// run ran.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_on_a_blocking_cluster_cut_at_sampled_bytes_run_each_entry_at_most_once() {
    let cluster = RedisCluster::start(3, 0);
    let owner = cluster.master_for_key("{sweep}").await.port();
    let proxy = FaultProxy::start(owner).await;
    let (seeds, map) = seeds_and_map(&cluster, owner, &proxy);
    let connect = async || {
        let conn = BlockingCluster::connect_with_address_map(seeds.clone(), map.clone());
        Blocking::new(Owned(conn.unwrap()))
    };
    let what = "blocking cluster pipelines and transactions through the proxy";
    blocking_cuts(&cluster, owner, &proxy, connect, what).await;
}

/// The same cuts through the `redis` crate's blocking `ClusterConnection` (`retries(0)`), which sends
/// a part command by command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_on_a_blocking_connection_cut_at_sampled_bytes_run_each_entry_at_most_once() {
    let cluster = RedisCluster::start(3, 0);
    let owner = cluster.master_for_key("{sweep}").await.port();
    let proxy = FaultProxy::start(owner).await;
    let connect = async || {
        let client = through(&cluster, owner, &proxy).build().unwrap();
        Blocking::new(Owned(client.get_connection().unwrap()))
    };
    let what = "blocking cluster connection pipelines and transactions through the proxy";
    blocking_cuts(&cluster, owner, &proxy, connect, what).await;
}

/// Pipelines and transactions of three calls to the node on `owner`, on connections `connect` makes
/// through `proxy`, cut after sampled bytes going either way.
async fn blocking_cuts<B: Transport>(
    cluster: &RedisCluster,
    owner: u16,
    proxy: &FaultProxy,
    connect: impl AsyncFn() -> B,
    what: &str,
) {
    let node = cluster.node(owner);
    let setup = Setup {
        proxy,
        connect,
        read: async |key: String| -> Vec<String> {
            node.query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
                .await
        },
        settle: async || sweep::until_clients(node, 0).await,
    };
    let mut tally = Tally::default();
    let mut run = 0;
    for atomic in [false, true] {
        let shape = Shape { atomic, entries: 3 };
        let (cut, runs, _) = setup.both_ways(run, shape, 40).await;
        tally.merge(cut);
        run += runs;
    }
    eprintln!("{} byte boundaries swept", run - 2);
    tally.assert_exactly_once(what);
}

/// A transaction on the `redis` crate's blocking `ClusterConnection` whose second command gets no
/// reply in time (MULTI and the first one were answered): the batch fails as one that may have run,
/// `DISCARD` ends the transaction on the server, and the next call on the same connection runs on
/// its own instead of being queued in the old transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_timed_out_on_a_blocking_connection_is_discarded_and_the_next_call_runs() {
    let cluster = RedisCluster::start(3, 0);
    let owner = cluster.master_for_key("{t}").await.port();
    let proxy = FaultProxy::start(owner).await;
    let conn = through(&cluster, owner, &proxy)
        .response_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .get_connection()
        .unwrap();
    let conn = std::sync::Arc::new(std::sync::Mutex::new(conn));
    let script = Script::<i64>::new(INCR);
    let call = |key: &'static str| {
        let (conn, script) = (conn.clone(), script.clone());
        tokio::task::spawn_blocking(move || {
            script.exec_blocking(&mut *conn.lock().unwrap(), [key], ())
        })
    };
    assert_eq!(call("{t}warm").await.unwrap().unwrap(), 1);

    proxy.hold_after(
        Direction::ToServer,
        packed(&["MULTI"]) + packed(&["INCR", "{t}a"]),
    );
    let mut tx = redis_script::Transaction::new();
    let _ = tx.cmd::<i64>(("INCR", "{t}a"));
    let _ = tx.cmd::<i64>(("INCR", "{t}b"));
    let tx_conn = conn.clone();
    let err = tokio::task::spawn_blocking(move || tx.run_blocking(&mut *tx_conn.lock().unwrap()))
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.may_have_run(), "{err:?}");
    let Error::Transport(timeout) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(timeout.kind(), TransportErrorKind::Timeout, "{err:?}");
    proxy.release();

    assert_eq!(call("{t}c").await.unwrap().unwrap(), 1);
    assert_eq!(get(&cluster, owner, "{t}c").await, Some(1));
    assert_eq!(get(&cluster, owner, "{t}a").await, None, "discarded");
    assert_eq!(get(&cluster, owner, "{t}b").await, None, "discarded");
    let stats = cluster.node(owner).commandstats().await;
    assert_eq!(stats.calls("discard"), 1, "{stats:?}");
}
