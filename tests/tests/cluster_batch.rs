//! Pipelines and transactions on a Redis Cluster: split per node and in order on each, loaded on every
//! node they run on, refused before sending when a transaction spans slots, and followed across a
//! resharding, each entry run once; over the async connections, a `BlockingCluster` and the `redis`
//! crate's blocking `ClusterConnection`.

#![allow(clippy::unwrap_used)]

use redis_script::{BatchErrorKind, Error, Pipeline, Script, ScriptRO, Transaction, Transport};
use redis_script_tests::batches::PUSH;
use redis_script_tests::blocking::Blocking;
use redis_script_tests::{RedisCluster, assert_no_secrets};

/// Each shared case on a new cluster, over the connection `connect` makes, over a
/// [`BlockingCluster`](redis_script::BlockingCluster)'s own I/O and over the `redis` crate's
/// blocking cluster connection (`retries(0)`).
macro_rules! on_both {
    ($($name:ident => $case:ident($connect:ident)),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let cluster = RedisCluster::start(3, 0);
                $case(&cluster, &cluster.$connect().await).await;
                let cluster = RedisCluster::start(3, 0);
                $case(&cluster, &Blocking::new(&mut cluster.blocking())).await;
                let cluster = RedisCluster::start(3, 0);
                $case(&cluster, &Blocking::new(&mut cluster.blocking_without_retries())).await;
            }
        )*
    };
}

on_both! {
    a_pipeline_over_three_masters_runs_in_order_on_each_and_loads_its_script_on_each =>
        pipeline_over_three_masters(connection_without_retries),
    transactions_need_one_slot_and_run_on_its_master =>
        transactions_on_one_slot(connection_without_retries),
    a_resharding_between_batches_is_followed_and_every_entry_runs_once =>
        resharding_between_batches(exactly_once),
}

async fn pipeline_over_three_masters(cluster: &RedisCluster, conn: &impl Transport) {
    let keys = cluster.key_per_master("log").await;
    let script = Script::<i64>::new(PUSH);
    let read = ScriptRO::<i64>::new("#!lua flags=no-writes\nreturn redis.call('LLEN', KEYS[1])");
    cluster.reset_stats().await;

    // 30 calls, round robin over the masters, a command without keys, and raw commands between.
    let mut pipe = Pipeline::new();
    let echo = pipe.cmd::<String>(("ECHO", "first"));
    let mut calls = Vec::new();
    for i in 0..30 {
        let (key, _) = &keys[i % 3];
        calls.push(pipe.exec(&script, [key], [i]));
        if i % 10 == 4 {
            let _ = pipe.cmd::<i64>(("RPUSH", key, format!("raw{i}")));
        }
    }
    let lens: Vec<_> = keys
        .iter()
        .map(|(key, _)| pipe.exec(&read, [key], ()))
        .collect();
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(echo).unwrap(), "first");
    for len in lens {
        assert_eq!(replies.take(len).unwrap(), 11);
    }
    for (i, call) in calls.into_iter().enumerate() {
        let pushed = replies.take(call).unwrap();
        assert!((1..=11).contains(&pushed), "entry {i}: {pushed}");
    }

    // Each master ran its share in the order the entries were added, and loaded the scripts once.
    for (n, (key, port)) in keys.iter().enumerate() {
        let mut expected = Vec::new();
        for i in (n..30).step_by(3) {
            expected.push(i.to_string());
            if i % 10 == 4 {
                expected.push(format!("raw{i}"));
            }
        }
        assert_eq!(cluster.list(*port, key).await, expected, "node {port}");
        let stats = cluster.node(*port).commandstats().await;
        assert_eq!(stats.scripts(), (0, 10, 0, 1), "node {port}");
        assert_eq!(stats.calls("script|load"), 2, "node {port}");
    }
}

async fn transactions_on_one_slot(cluster: &RedisCluster, conn: &impl Transport) {
    let script = Script::<i64>::new(PUSH);
    cluster.reset_stats().await;

    // Hash-tagged keys share a slot: one MULTI / EXEC on its master, nowhere else.
    let owner = cluster.master_for_key("{user:1}").await.port();
    let mut tx = Transaction::new();
    let a = tx.exec(&script, ["{user:1}:log"], ["a"]);
    let b = tx.exec(&script, ["{user:1}:log"], ["b"]);
    let n = tx.cmd::<i64>(("INCR", "{user:1}:count"));
    let mut replies = tx.run(conn).await.unwrap();
    assert_eq!(
        (
            replies.take(a).unwrap(),
            replies.take(b).unwrap(),
            replies.take(n).unwrap()
        ),
        (1, 2, 1)
    );
    for node in cluster.nodes() {
        let stats = node.commandstats().await;
        let expected = if node.port() == owner {
            (1, 1, 2)
        } else {
            (0, 0, 0)
        };
        assert_eq!(
            (
                stats.calls("multi"),
                stats.calls("exec"),
                stats.calls("evalsha")
            ),
            expected,
            "node {}",
            node.port()
        );
    }

    // Keys in several slots: refused before anything is sent, naming positions, never keys.
    cluster.reset_stats().await;
    let secret = "s3cr3t-user";
    let mut tx = Transaction::new();
    let _ = tx.exec(&script, [format!("{secret}:a")], ["x"]);
    let _ = tx.cmd::<()>(("PING",));
    let _ = tx.exec(&script, [format!("{secret}:b")], ["y"]);
    let err = tx.run(conn).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::CrossSlot);
    assert_eq!(batch.entries(), [0, 2]);
    assert!(!err.may_have_run());
    assert!(
        err.to_string()
            .starts_with("a transaction in a cluster needs every key in one hash slot"),
        "{err}"
    );
    assert!(err.to_string().contains("entry 0 in slot"), "{err}");
    assert_no_secrets(&err, &[secret]);

    // One entry whose own keys span slots: the pipeline is refused too.
    let two = Script::<()>::new("redis.call('SET', KEYS[1], 1) redis.call('SET', KEYS[2], 1)");
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&script, ["{user:1}:log"], ["c"]);
    let _ = pipe.exec(&two, ["a", "b"], ());
    let err = pipe.run(conn).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (batch.kind(), batch.entries()),
        (BatchErrorKind::CrossSlot, &[1][..])
    );

    // A command whose keys can not be told from its words can not be routed.
    let mut pipe = Pipeline::new();
    let _ = pipe.cmd::<()>(("XREAD", "STREAMS", "s", "0"));
    let err = pipe.run(conn).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::NotAllowed);

    let stats = cluster.commandstats().await;
    assert_eq!(stats.scripts(), (0, 0, 0, 0), "nothing was sent");
    assert_eq!(stats.calls("multi"), 0);
    assert_eq!(cluster.list(owner, "{user:1}:log").await, ["a", "b"]);
}

async fn resharding_between_batches(cluster: &RedisCluster, conn: &impl Transport) {
    let script = Script::<i64>::new(PUSH);
    let key = "{resharded}:log";
    let others = cluster.key_per_master("other").await;

    // The client learns the slot map, the owner of `key` included.
    let mut pipe = Pipeline::new();
    let first = pipe.exec(&script, [key], ["0"]);
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(first).unwrap(), 1);
    let old_owner = cluster.master_for_key(key).await.port();
    assert_eq!(cluster.list(old_owner, key).await, ["0"]);
    let _: i64 = cluster
        .node(old_owner)
        .query(redis::cmd("DEL").arg(key))
        .await;
    let new_owner = cluster.move_slot_of(key).await;
    cluster.reset_stats().await;

    // A batch in the moved slot only: the old owner answers MOVED to all of it (nothing ran), so it
    // goes to the new owner.
    let mut pipe = Pipeline::new();
    let calls: Vec<_> = (1..=3).map(|i| pipe.exec(&script, [key], [i])).collect();
    let mut replies = pipe.run(conn).await.unwrap();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(replies.take(call).unwrap(), i as i64 + 1);
    }
    assert_eq!(cluster.list(new_owner, key).await, ["1", "2", "3"]);
    let errors: String = cluster
        .node(old_owner)
        .query(redis::cmd("INFO").arg("errorstats"))
        .await;
    assert!(
        errors.contains("errorstat_MOVED:count=3"),
        "the old owner refused all three: {errors}"
    );

    // A batch over several slots, the moved one among them: split by the map the cluster has now.
    let mut pipe = Pipeline::new();
    let mut calls = vec![pipe.exec(&script, [key], ["4"])];
    for (other, _) in &others {
        calls.push(pipe.exec(&script, [other], ["x"]));
    }
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(calls.remove(0)).unwrap(), 4);
    for call in calls {
        assert_eq!(replies.take(call).unwrap(), 1);
    }
    assert_eq!(cluster.list(new_owner, key).await, ["1", "2", "3", "4"]);
    let total = cluster.commandstats().await;
    assert_eq!(total.calls("evalsha"), 7, "every call ran once");
    let old = cluster.node(old_owner).commandstats().await;
    assert!(
        old.calls("evalsha") <= 1,
        "only the old owner's own key ran there: {old:?}"
    );
}

/// The `redis` crate's `ClusterConnection` hands back only a part's first redirect: a part of several
/// commands is not sent again after one (what ran before it is unknown), a part of one call is.
#[tokio::test]
async fn on_a_cluster_connection_only_a_part_of_one_call_follows_a_resharding() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection_without_retries().await;
    let script = Script::<i64>::new(PUSH);
    let key = "{resharded}:log";
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&script, ["other"], ["warm"]);
    pipe.run(&conn).await.unwrap();
    let old_owner = cluster.master_for_key(key).await.port();
    let new_owner = cluster.move_slot_of(key).await;
    cluster.reset_stats().await;

    // Three calls: refused as a whole, honestly "may have run"; here none did.
    let mut pipe = Pipeline::new();
    for i in 1..=3 {
        let _ = pipe.exec(&script, [key], [i]);
    }
    let err = pipe.run(&conn).await.unwrap_err();
    assert!(err.may_have_run(), "{err:?}");
    assert!(err.to_string().contains("MOVED"), "{err}");
    assert!(cluster.list(new_owner, key).await.is_empty());
    let old = cluster.node(old_owner).commandstats().await;
    assert_eq!(
        old.calls("evalsha"),
        0,
        "the MOVED entries did not run: {old:?}"
    );

    // One call (its SCRIPT LOAD can not have effects): the MOVED answered it, so it goes again.
    let mut pipe = Pipeline::new();
    let one = pipe.exec(&script, [key], ["1"]);
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!(replies.take(one).unwrap(), 1);
    assert_eq!(cluster.list(new_owner, key).await, ["1"]);
}
