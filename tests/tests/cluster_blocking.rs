//! The blocking API on a Redis Cluster (`BlockingCluster`): calls run on the owner of their slot and
//! fall back there once, batches split by node and run once per entry, transactions stay on their
//! slot's master, and a slot that moved (MOVED) or is moving (ASK) is followed for what did not run
//! only; counted by the servers (`INFO commandstats`, lists the scripts append to).

#![allow(clippy::unwrap_used)]

use redis_script::{
    BatchErrorKind, BlockingCluster, BlockingTransport, Error, Function, Library, Pipeline, Script,
    ScriptRO, Transaction, TransportErrorKind, lua_library, lua_script,
};
use redis_script_tests::RedisCluster;
use redis_script_tests::batches::PUSH;

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");

lua_library! {
    static SEED: Library = "../../examples/lua/seed_library.lua";
    static INCR: Function<i64> = "incr_ttl";
}

/// Each shared case on a new cluster, over a [`BlockingCluster`] and over the `redis` crate's
/// blocking cluster connection (`retries(0)`).
macro_rules! on_both {
    ($($name:ident => $case:ident),* $(,)?) => {
        mod blocking_cluster {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let cluster = RedisCluster::start(3, 0);
                    $case(&cluster, cluster.blocking()).await;
                }
            )*
        }
        mod cluster_connection {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let cluster = RedisCluster::start(3, 0);
                    $case(&cluster, cluster.blocking_without_retries()).await;
                }
            )*
        }
    };
}

on_both! {
    exec_blocking_runs_on_the_owner_of_each_slot_and_falls_back_there_once => calls_on_each_owner,
    run_blocking_splits_a_pipeline_by_node_and_keeps_a_transaction_on_its_slot => pipeline_and_transaction,
    a_moved_slot_is_followed_and_each_call_and_entry_runs_once => moved_slot,
    a_slot_being_migrated_is_asked_of_its_new_owner_with_asking => migrating_slot,
    functions_libraries_and_preload_reach_every_primary => functions_and_preload,
}

async fn calls_on_each_owner<C>(cluster: &RedisCluster, mut conn: C)
where
    for<'a> &'a mut C: BlockingTransport + Send,
{
    let keys = cluster.key_per_master("key").await;
    cluster.reset_stats().await;

    // Each owner: EVALSHA -> NOSCRIPT -> EVAL on its first call, EVALSHA alone after.
    for (key, _) in &keys {
        assert_eq!(INCR_TTL.exec_blocking(&mut conn, [key], [60]).unwrap(), 1);
        assert_eq!(INCR_TTL.exec_blocking(&mut conn, [key], [60]).unwrap(), 2);
    }
    for (key, owner) in &keys {
        let node = cluster.node(*owner);
        assert_eq!(
            node.commandstats().await.scripts(),
            (1, 2, 0, 0),
            "node {owner}"
        );
        let value: i64 = node.query(redis::cmd("GET").arg(key)).await;
        assert_eq!(value, 2, "the counter lives on its owner");
    }
    assert_eq!(cluster.commandstats().await.scripts(), (3, 6, 0, 0));

    // Read-only: EVALSHA_RO, then EVAL_RO, on the owner.
    let get = ScriptRO::<Option<String>>::new("return redis.call('GET', KEYS[1])");
    let (key, owner) = &keys[0];
    assert_eq!(
        get.exec_blocking(&mut conn, [key], ()).unwrap().as_deref(),
        Some("2")
    );
    let stats = cluster.node(*owner).commandstats().await;
    assert_eq!(stats.scripts(), (1, 2, 1, 1));

    // A flushed node costs one EVAL there, and nowhere else.
    let (key, owner) = &keys[1];
    cluster.node(*owner).script_flush().await;
    assert_eq!(INCR_TTL.exec_blocking(&mut conn, [key], [60]).unwrap(), 3);
    assert_eq!(cluster.node(*owner).commandstats().await.calls("eval"), 2);
    assert_eq!(cluster.commandstats().await.calls("eval"), 4);

    // Keys in two slots: the server's CROSSSLOT, nothing ran.
    let two = Script::<()>::new("redis.call('SET', KEYS[1], 1) redis.call('SET', KEYS[2], 1)");
    let err = two.exec_blocking(&mut conn, ["a", "b"], ()).unwrap_err();
    assert_eq!(err.code(), Some("CROSSSLOT"), "{err:?}");
    assert!(!err.may_have_run());
}

/// `run_blocking` itself (the batch checks run over the cluster's I/O in `cluster_batch`): a
/// pipeline split by node, in order on each, and a transaction on its slot's master.
async fn pipeline_and_transaction<C>(cluster: &RedisCluster, mut conn: C)
where
    for<'a> &'a mut C: BlockingTransport + Send,
{
    let keys = cluster.key_per_master("log").await;
    let script = Script::<i64>::new(PUSH);
    cluster.reset_stats().await;

    let mut pipe = Pipeline::new();
    let calls: Vec<_> = (0..6)
        .map(|i| pipe.exec(&script, [&keys[i % 3].0], [i]))
        .collect();
    let mut replies = pipe.run_blocking(&mut conn).unwrap();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(replies.take(call).unwrap(), 1 + i as i64 / 3);
    }
    for (n, (key, port)) in keys.iter().enumerate() {
        let expected = [n.to_string(), (n + 3).to_string()];
        assert_eq!(cluster.list(*port, key).await, expected, "node {port}");
        let stats = cluster.node(*port).commandstats().await;
        assert_eq!(stats.scripts(), (0, 2, 0, 0), "node {port}");
        assert_eq!(stats.calls("script|load"), 1, "node {port}");
    }

    let owner = cluster.master_for_key("{user:1}").await.port();
    let mut tx = Transaction::new();
    let a = tx.exec(&script, ["{user:1}:log"], ["a"]);
    let n = tx.cmd::<i64>(("INCR", "{user:1}:count"));
    let mut replies = tx.run_blocking(&mut conn).unwrap();
    assert_eq!((replies.take(a).unwrap(), replies.take(n).unwrap()), (1, 1));
    let stats = cluster.node(owner).commandstats().await;
    assert_eq!((stats.calls("multi"), stats.calls("exec")), (1, 1));
    assert_eq!(cluster.commandstats().await.calls("multi"), 1);

    let mut tx = Transaction::new();
    let _ = tx.exec(&script, ["a"], ["x"]);
    let _ = tx.exec(&script, ["b"], ["y"]);
    let err = tx.run_blocking(&mut conn).unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::CrossSlot);
    assert!(!err.may_have_run());
    assert_eq!(
        cluster.commandstats().await.calls("multi"),
        1,
        "nothing sent"
    );
}

/// How many `MOVED` replies the nodes of `cluster` gave since their stats were reset.
async fn moved_replies(cluster: &RedisCluster) -> u64 {
    let mut moved = 0;
    for node in cluster.nodes() {
        let errors: String = node.query(redis::cmd("INFO").arg("errorstats")).await;
        moved += errors
            .lines()
            .find_map(|line| line.strip_prefix("errorstat_MOVED:count="))
            .map_or(0, |n| n.trim().parse::<u64>().unwrap());
    }
    moved
}

async fn moved_slot<C>(cluster: &RedisCluster, mut conn: C)
where
    for<'a> &'a mut C: BlockingTransport + Send,
{
    let script = Script::<i64>::new(PUSH);
    let key = "{resharded}:log";
    let others = cluster.key_per_master("other").await;
    let old_owner = cluster.master_for_key(key).await.port();
    // The slot map is read when connecting: the old owner is where the key's slot goes first.
    let new_owner = cluster.move_slot_of(key).await;
    cluster.reset_stats().await;

    // A call: the old owner answers MOVED (nothing ran), the new owner runs it once.
    assert_eq!(script.exec_blocking(&mut conn, [key], ["1"]).unwrap(), 1);
    assert_eq!(cluster.list(new_owner, key).await, ["1"]);
    let old = cluster.node(old_owner).commandstats().await;
    assert_eq!(old.scripts(), (0, 0, 0, 0), "a refusal is not a call");
    // Refused once; twice where the connection does not learn the new owner from the first MOVED
    // (the `redis` crate's without retries): the EVAL that follows NOSCRIPT is refused too.
    let moved = moved_replies(cluster).await;
    assert!((1..=2).contains(&moved), "{moved} MOVED replies");

    // A batch across slots, the moved one among them: split by the slot map asked again.
    let mut pipe = Pipeline::new();
    let mut calls = vec![pipe.exec(&script, [key], ["2"])];
    for (other, _) in &others {
        calls.push(pipe.exec(&script, [other], ["x"]));
    }
    let mut replies = pipe.run_blocking(&mut conn).unwrap();
    assert_eq!(replies.take(calls.remove(0)).unwrap(), 2);
    for call in calls {
        assert_eq!(replies.take(call).unwrap(), 1);
    }
    assert_eq!(cluster.list(new_owner, key).await, ["1", "2"]);
    let total = cluster.commandstats().await;
    // Each run of the script is one RPUSH: five runs, one per call and entry.
    assert_eq!(total.calls("rpush"), 5, "{total:?}");

    // The slot moves again, under a batch of that slot alone: MOVED to all of it, sent again.
    let _: i64 = cluster
        .node(new_owner)
        .query(redis::cmd("DEL").arg(key))
        .await;
    let newest = cluster.move_slot_of(key).await;
    assert_ne!(newest, new_owner);
    cluster.reset_stats().await;
    let mut pipe = Pipeline::new();
    let calls: Vec<_> = (3..=5).map(|i| pipe.exec(&script, [key], [i])).collect();
    let mut replies = pipe.run_blocking(&mut conn).unwrap();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(replies.take(call).unwrap(), i as i64 + 1);
    }
    assert_eq!(cluster.list(newest, key).await, ["3", "4", "5"]);
    // The node the connection asks first (the previous owner, or the first owner where the
    // `redis` crate's slot map is the one it read when connecting) refused all three; none, when
    // that map's owner is the newest owner again.
    let moved = moved_replies(cluster).await;
    assert!(
        moved == 3 || (moved == 0 && newest == old_owner),
        "{moved} MOVED replies"
    );
    let stats = cluster.commandstats().await;
    assert_eq!(stats.calls("evalsha"), 3, "every entry ran once: {stats:?}");
}

async fn migrating_slot<C>(cluster: &RedisCluster, mut conn: C)
where
    for<'a> &'a mut C: BlockingTransport + Send,
{
    let script = Script::<i64>::new(PUSH);
    let key = "{migrating}:log";
    let migration = cluster.begin_migration(key).await;
    cluster.reset_stats().await;

    // The old owner has no such key: ASK; the new owner runs it after ASKING, once.
    assert_eq!(script.exec_blocking(&mut conn, [key], ["1"]).unwrap(), 1);
    let to = cluster.node(migration.to).commandstats().await;
    assert_eq!(to.calls("asking"), 2, "{to:?}");
    assert_eq!(
        to.scripts(),
        (1, 1, 0, 0),
        "NOSCRIPT, then EVAL, after ASKING"
    );
    let from = cluster.node(migration.from).commandstats().await;
    assert_eq!(from.scripts(), (0, 0, 0, 0), "the refusal is not a call");
    let to = migration.to;
    migration.finish().await;
    assert_eq!(cluster.list(to, key).await, ["1"], "it ran once, there");
}

async fn functions_and_preload<C>(cluster: &RedisCluster, mut conn: C)
where
    for<'a> &'a mut C: BlockingTransport + Send,
{
    let keys = cluster.key_per_master("fn").await;
    cluster.reset_stats().await;

    // Preloading loads the scripts given on every primary, and says so.
    let script = Script::<i64>::new(PUSH);
    let scripts = [redis_script::production::ScriptRef::from(&script)];
    let loaded = redis_script::blocking::preload_scripts(&mut conn, scripts).unwrap();
    assert_eq!(loaded.servers, 3);
    let missing = redis_script::blocking::missing_scripts(&mut conn, scripts).unwrap();
    assert!(missing.is_empty(), "{missing:?}");
    for (key, owner) in &keys {
        assert_eq!(script.exec_blocking(&mut conn, [key], ["x"]).unwrap(), 1);
        let stats = cluster.node(*owner).commandstats().await;
        assert_eq!(stats.scripts(), (0, 1, 0, 0), "node {owner}: no fallback");
        assert_eq!(stats.calls("script|load"), 1, "node {owner}");
    }

    // A library loaded on every primary: calls find it, none loads it again.
    SEED.load_blocking(&mut conn).unwrap();
    let missing = redis_script::blocking::missing_libraries(&mut conn, [&SEED]).unwrap();
    assert!(missing.is_empty(), "{missing:?}");
    for (key, owner) in &keys {
        let counter = format!("{{{key}}}:n");
        assert_eq!(INCR.call_blocking(&mut conn, [&counter], [60]).unwrap(), 1);
        let stats = cluster.node(*owner).commandstats().await;
        assert_eq!(stats.calls("function|load"), 1, "node {owner}");
        assert_eq!(stats.calls("fcall"), 1, "node {owner}");
    }
    assert_eq!(SEED.replace_blocking(&mut conn).unwrap(), 3);
    assert_eq!(
        redis_script::blocking::preload_libraries(&mut conn, [&SEED]).unwrap(),
        3
    );
    assert_eq!(cluster.commandstats().await.calls("function|load"), 9);
}

#[tokio::test]
async fn connecting_to_nothing_says_so_and_sent_nothing() {
    let closed = redis_script_tests::ClosedPort::new();
    let err = BlockingCluster::connect([closed.url()]).unwrap_err();
    assert!(!err.may_have_run(), "{err:?}");
    let err = BlockingCluster::connect(Vec::<String>::new()).unwrap_err();
    assert!(
        err.to_string().contains("at least one node"),
        "{err}: {err:?}"
    );
}

/// A primary that dies: calls on its slots fail (nothing sent once it is known to be down) until its
/// replica is promoted, and the cluster asks for the slot map again until it finds the new
/// primary, where the next call runs once.
#[tokio::test(flavor = "multi_thread")]
async fn after_a_primary_dies_the_promoted_replica_is_found_and_the_call_runs_once() {
    let mut cluster = RedisCluster::start(3, 1);
    let mut conn = cluster.blocking();
    let key = "hits";
    assert_eq!(INCR_TTL.exec_blocking(&mut conn, [key], [60]).unwrap(), 1);
    let (master, replica) = synced_replica(&cluster, key).await;
    cluster.kill(master);

    let (n, failed) = until_a_call_runs(|| INCR_TTL.exec_blocking(&mut conn, [key], [60])).await;
    assert!(!failed.is_empty(), "the dead primary was never asked");
    // Only the first failure, on the connection the primary had, may have sent the call.
    let sent = failed[1..].iter().find(|e| e.may_have_run());
    assert!(sent.is_none(), "{sent:?}");
    ran_once_on(&cluster, replica, key, n).await;
}

/// Calls `call` every 200 ms until it succeeds (at most 40 s, else the test fails): its value and
/// the errors before it.
async fn until_a_call_runs(mut call: impl FnMut() -> Result<i64, Error>) -> (i64, Vec<Error>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let mut failed = Vec::new();
    loop {
        match call() {
            Ok(n) => return (n, failed),
            Err(e) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no call ran after the failover: {} failures, the last {:?}",
                    failed.len(),
                    failed.last()
                );
                failed.push(e);
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    }
}

/// `n`, the reply of the call after the failover, and the counter on the promoted `replica` say
/// the call ran once, there.
async fn ran_once_on(cluster: &RedisCluster, replica: u16, key: &str, n: i64) {
    assert_eq!(n, 2, "the call ran once, on the promoted replica");
    let hits: i64 = cluster
        .node(replica)
        .query(redis::cmd("GET").arg(key))
        .await;
    assert_eq!(hits, 2);
}

/// The primary that owns `key`'s slot, and its replica once it holds that primary's one key.
async fn synced_replica(cluster: &RedisCluster, key: &str) -> (u16, u16) {
    let master = cluster.master_for_key(key).await.port();
    let replica = cluster.replica_of(master).await.port();
    let synced = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while cluster
        .node(replica)
        .query::<i64>(&redis::cmd("DBSIZE"))
        .await
        != 1
    {
        assert!(
            std::time::Instant::now() < synced,
            "the replica never synced"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    (master, replica)
}

/// The `redis` crate's blocking cluster connection built with `retries(0)` never connects to a node
/// again once its connection broke: the call in flight when its primary died may have run, every
/// later call on that connection is refused before anything is sent (on any slot), and a new
/// connection finds the promoted replica, where the call runs once.
#[tokio::test(flavor = "multi_thread")]
async fn on_the_redis_crates_connection_a_broken_node_is_refused_until_a_new_connection() {
    let mut cluster = RedisCluster::start(3, 1);
    let mut conn = cluster.blocking_without_retries();
    let key = "hits";
    assert_eq!(INCR_TTL.exec_blocking(&mut conn, [key], [60]).unwrap(), 1);
    let (master, replica) = synced_replica(&cluster, key).await;
    // A key on each other primary.
    let mut others: Vec<(String, u16)> = Vec::new();
    for i in 0..1000 {
        let other = format!("other:{i}");
        let owner = cluster.master_for_key(&other).await.port();
        if owner != master && others.iter().all(|(_, port)| *port != owner) {
            others.push((other, owner));
        }
    }
    assert_eq!(others.len(), 2, "{others:?}");
    cluster.kill(master);

    let err = INCR_TTL.exec_blocking(&mut conn, [key], [60]).unwrap_err();
    assert!(err.may_have_run(), "{err:?}");
    for (other, owner) in &others {
        let before = cluster.node(*owner).commandstats().await.calls("evalsha");
        let err = INCR_TTL
            .exec_blocking(&mut conn, [other], [60])
            .unwrap_err();
        let Error::Transport(refused) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(refused.kind(), TransportErrorKind::Connect, "{err:?}");
        assert!(!err.may_have_run());
        assert!(err.to_string().contains("get_connection"), "{err}");
        let after = cluster.node(*owner).commandstats().await.calls("evalsha");
        assert_eq!(after, before, "nothing was sent to {owner}");
    }

    let (n, failed) = until_a_call_runs(|| {
        redis::cluster::ClusterClientBuilder::new(cluster.urls())
            .retries(0)
            .build()
            .unwrap()
            .get_connection()
            .map_err(Error::from)
            .and_then(|mut conn| INCR_TTL.exec_blocking(&mut conn, [key], [60]))
    })
    .await;
    let sent = failed.iter().find(|e| e.may_have_run());
    assert!(sent.is_none(), "{sent:?}");
    ran_once_on(&cluster, replica, key, n).await;
}
