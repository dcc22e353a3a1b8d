//! Scripts on a Redis Cluster: routed by the slot of their keys, loaded on the owning node only.

#![allow(clippy::unwrap_used)]

use redis_script::{Error, Script, ScriptRO, Transport, TransportErrorKind, lua_script};
use redis_script_tests::blocking::Blocking;
use redis_script_tests::{RedisCluster, lost_reply};

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");
static BATCH_INCR: Script<Vec<i64>> = lua_script!("../../examples/lua/batch_incr.lua");
static GET: ScriptRO<Option<String>> = lua_script!("../../examples/lua/get.lua", readonly);

#[tokio::test]
async fn exec_runs_on_the_owner_of_each_slot_range_and_loads_there_only() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection().await;
    let keys = cluster.key_per_master("key").await;
    cluster.reset_stats().await;

    // The first key: EVALSHA -> NOSCRIPT -> EVAL on its owner, nothing anywhere else.
    let (first_key, first_owner) = &keys[0];
    assert_eq!(INCR_TTL.exec(&conn, [first_key], [60]).await.unwrap(), 1);
    for n in cluster.nodes() {
        let expected = if n.port() == *first_owner {
            (1, 1, 0, 0)
        } else {
            (0, 0, 0, 0)
        };
        assert_eq!(
            n.commandstats().await.scripts(),
            expected,
            "node {}",
            n.port()
        );
    }

    // Every owner loads it once, on its first use.
    for (key, _) in &keys {
        assert_eq!(
            INCR_TTL.exec(&conn, [key], [60]).await.unwrap(),
            if key == first_key { 2 } else { 1 }
        );
        assert!(INCR_TTL.exec(&conn, [key], [60]).await.unwrap() >= 2);
    }
    for (key, owner) in &keys {
        let owner = cluster.node(*owner);
        let stats = owner.commandstats().await;
        assert_eq!(stats.calls("eval"), 1, "node {}", owner.port());
        let expected_evalsha = if key == first_key { 3 } else { 2 };
        assert_eq!(
            stats.calls("evalsha"),
            expected_evalsha,
            "node {}",
            owner.port()
        );
        // The counter lives on its owner.
        let value: i64 = owner.query(redis::cmd("GET").arg(key)).await;
        assert_eq!(value, expected_evalsha as i64);
        let ttl: i64 = owner.query(redis::cmd("TTL").arg(key)).await;
        assert!((1..=60).contains(&ttl), "ttl {ttl}");
    }
    assert_eq!(cluster.commandstats().await.scripts(), (3, 7, 0, 0));

    // Flushing one node's cache costs one EVAL on that node only.
    let (key, owner) = &keys[1];
    cluster.node(*owner).script_flush().await;
    INCR_TTL.exec(&conn, [key], [60]).await.unwrap();
    assert_eq!(cluster.node(*owner).commandstats().await.calls("eval"), 2);
    assert_eq!(cluster.commandstats().await.calls("eval"), 4);
}

#[tokio::test]
async fn keys_in_different_slots_are_a_crossslot_server_error() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection().await;
    let keys = cluster.key_per_master("key").await;
    let (a, b) = (&keys[0].0, &keys[1].0);

    let err = BATCH_INCR.exec(&conn, [a, b], ()).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(err.code(), Some("CROSSSLOT"), "{err:?}");
    assert!(!err.may_have_run());
    // Nothing was incremented anywhere.
    for (key, owner) in [&keys[0], &keys[1]] {
        let value: Option<i64> = cluster.node(*owner).query(redis::cmd("GET").arg(key)).await;
        assert_eq!(value, None, "{key}");
    }
}

#[tokio::test]
async fn keys_sharing_a_hash_tag_run_together() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection().await;
    let keys = ["{user:1}:a", "{user:1}:b"];

    assert_eq!(BATCH_INCR.exec(&conn, keys, ()).await.unwrap(), [1, 1]);
    assert_eq!(BATCH_INCR.exec(&conn, keys, ()).await.unwrap(), [2, 2]);
    let owner = cluster.master_for_key("{user:1}").await;
    let values: Vec<i64> = owner.query(redis::cmd("MGET").arg(&keys)).await;
    assert_eq!(values, [2, 2]);
    assert_eq!(owner.commandstats().await.scripts(), (1, 2, 0, 0));

    // Read-only on the same owner: EVALSHA_RO, then one EVAL_RO.
    let () = owner
        .query(redis::cmd("SET").arg("{user:1}:name").arg("ada"))
        .await;
    assert_eq!(
        GET.exec(&conn, ["{user:1}:name"], ())
            .await
            .unwrap()
            .as_deref(),
        Some("ada")
    );
    assert_eq!(owner.commandstats().await.scripts(), (1, 2, 1, 1));
}

#[tokio::test]
async fn a_timeout_on_a_cluster_is_returned_and_the_script_runs_once() {
    let cluster = RedisCluster::start(3, 0);
    let client = redis::cluster::ClusterClientBuilder::new(cluster.urls())
        .response_timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let conn = client.get_async_connection().await.unwrap();
    a_paused_owner_times_out_and_runs_the_script_once(&cluster, &conn).await;

    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking();
    conn.set_timeout(Some(std::time::Duration::from_millis(200)))
        .unwrap();
    a_paused_owner_times_out_and_runs_the_script_once(&cluster, &Blocking::new(&mut conn)).await;
}

async fn a_paused_owner_times_out_and_runs_the_script_once(
    cluster: &RedisCluster,
    conn: &impl Transport,
) {
    let key = "paused";
    let owner = cluster.master_for_key(key).await;
    assert_eq!(INCR_TTL.exec(conn, [key], [60]).await.unwrap(), 1);
    cluster.reset_stats().await;

    // The owner holds every command for 3 s, then runs them. Its OK means the pause is in force.
    let () = owner
        .query(redis::cmd("CLIENT").arg("PAUSE").arg(3000).arg("ALL"))
        .await;
    let started = std::time::Instant::now();
    let err = INCR_TTL.exec(conn, [key], [60]).await.unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Timeout, "{err:?}");
    assert!(err.may_have_run());

    // Once the pause ends the held EVALSHA runs, unless its connection was closed meanwhile (a
    // `BlockingCluster` drops a node connection that timed out). A second copy, had one been sent,
    // would have been held too, before these queries (held clients are let go in the order they
    // were held).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(4);
    while owner.query::<i64>(redis::cmd("GET").arg(key)).await < 2
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let value: i64 = owner.query(redis::cmd("GET").arg(key)).await;
    let stats = owner.commandstats().await;
    assert!(value <= 2, "sent more than once: {value}");
    assert_eq!(
        stats.scripts(),
        (0, value as u64 - 1, 0, 0),
        "sent more than once"
    );
    // The next call on the same connection gets its own reply, not the late one.
    assert_eq!(INCR_TTL.exec(conn, [key], [60]).await.unwrap(), value + 1);
}

/// Runs a script that INCRs `key` and then replies more than the server lets a client buffer, so the
/// server drops the connection after the script ran; returns how many times it ran and the error.
async fn run_with_a_lost_reply<C: Transport>(cluster: &RedisCluster, conn: &C) -> (i64, Error) {
    let key = "big-reply";
    let owner = cluster.master_for_key(key).await;
    let script = lost_reply::prepare(owner).await;

    let err = script.exec(conn, [key], ()).await.unwrap_err();
    let runs: i64 = owner.query(redis::cmd("GET").arg(key)).await;
    assert_eq!(owner.commandstats().await.calls("eval"), 0);
    assert_eq!(owner.commandstats().await.calls("evalsha"), runs as u64);
    (runs, err)
}

/// With `retries(0)` the cluster connection reports the lost reply instead of sending the script again.
#[tokio::test]
async fn a_connection_lost_after_the_script_ran_is_not_resent_without_client_retries() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection_without_retries().await;
    let (runs, err) = run_with_a_lost_reply(&cluster, &conn).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_run());
    assert_eq!(runs, 1, "the script ran {runs} times");
}

/// A `BlockingCluster` never sends a command again: the lost reply is its error, and the script ran
/// once.
#[tokio::test]
async fn a_connection_lost_after_the_script_ran_is_not_resent_by_a_blocking_cluster() {
    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking();
    let (runs, err) = run_with_a_lost_reply(&cluster, &Blocking::new(&mut conn)).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_run());
    assert_eq!(runs, 1, "the script ran {runs} times");
    // The broken connection is made again for the next call.
    assert_eq!(
        INCR_TTL
            .exec_blocking(&mut conn, ["big-reply"], [60])
            .unwrap(),
        2
    );
}

/// The same over the `redis` crate's blocking cluster connection built with `retries(0)`.
#[tokio::test]
async fn a_connection_lost_after_the_script_ran_is_not_resent_by_the_blocking_connection_without_retries()
 {
    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking_without_retries();
    let (runs, err) = run_with_a_lost_reply(&cluster, &Blocking::new(&mut conn)).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_run());
    assert_eq!(runs, 1, "the script ran {runs} times");
}

/// `redis::cluster::ClusterConnection`, like the async one, re-sends a command whose connection broke
/// (up to its `retries`): with the default client a script can run again after it already ran. Its
/// retries can not be read from the connection, so it is documented, not refused.
#[tokio::test]
#[ignore = "the default ClusterClient re-sends a command after a broken connection"]
async fn a_connection_lost_after_the_script_ran_is_not_resent_by_the_default_blocking_client() {
    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.client().get_connection().unwrap();
    let (runs, err) = run_with_a_lost_reply(&cluster, &Blocking::new(&mut conn)).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(runs, 1, "the script ran {runs} times");
}

/// `redis::cluster_async::ClusterConnection` re-sends a command whose connection broke (up to its
/// `retries`), so with the default client a script can run again after it already ran.
#[tokio::test]
#[ignore = "the default ClusterClient re-sends a command after a broken connection"]
async fn a_connection_lost_after_the_script_ran_is_not_resent_by_the_default_client() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection().await;
    let (runs, err) = run_with_a_lost_reply(&cluster, &conn).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(runs, 1, "the script ran {runs} times");
}

/// `redis_script::Cluster`: the old owner answers MOVED, bears it out in its `CLUSTER NODES`, and the
/// call goes to the new owner, once.
#[tokio::test]
async fn a_moved_slot_is_followed_and_the_script_runs_once() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.exactly_once().await;
    let (key, new_owner) = move_after_learning(&cluster, &conn).await;
    // The old owner answers MOVED (nothing ran); the transport sends it again to the new owner.
    assert_eq!(INCR_TTL.exec(&conn, [key], [60]).await.unwrap(), 1);
    ran_once_on(&cluster, key, new_owner).await;
    // The EVAL after NOSCRIPT and the next call go to the new owner at once: the old owner
    // refused one command.
    assert_eq!(INCR_TTL.exec(&conn, [key], [60]).await.unwrap(), 2);
    for node in cluster.nodes() {
        let errors: String = node.query(redis::cmd("INFO").arg("errorstats")).await;
        let moved = errors.contains("errorstat_MOVED");
        if node.port() == new_owner {
            assert!(!moved, "{errors}");
        } else if moved {
            assert!(errors.contains("errorstat_MOVED:count=1"), "{errors}");
        }
    }
}

/// The `redis` crate's `ClusterConnection` without retries reads its slot map again after a MOVED,
/// so the node that answered can not be asked whether it meant it (a script can return the same
/// reply): the call fails, saying it may have run; here nothing ran. The next call goes to the new
/// owner, once.
#[tokio::test]
async fn without_client_retries_a_moved_call_may_have_run_and_the_next_goes_to_the_new_owner() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection_without_retries().await;
    let (key, new_owner) = move_after_learning(&cluster, &conn).await;
    let err = INCR_TTL.exec(&conn, [key], [60]).await.unwrap_err();
    assert_eq!(err.code(), Some("MOVED"), "{err:?}");
    assert!(err.may_have_run(), "{err:?}");
    assert_eq!(cluster.commandstats().await.scripts(), (0, 0, 0, 0));
    assert_eq!(INCR_TTL.exec(&conn, [key], [60]).await.unwrap(), 1);
    ran_once_on(&cluster, key, new_owner).await;
}

/// Lets `conn` learn the slot map, then moves the slot of its key: the key and its new owner.
async fn move_after_learning(
    cluster: &RedisCluster,
    conn: &impl redis_script::Transport,
) -> (&'static str, u16) {
    let key = "resharded:views";
    // The client learns the slot map, including the owner of `key`'s slot.
    assert_eq!(INCR_TTL.exec(conn, ["other"], [60]).await.unwrap(), 1);
    let new_owner = cluster.move_slot_of(key).await;
    cluster.reset_stats().await;
    (key, new_owner)
}

/// `key`'s script ran once, on `new_owner` alone.
async fn ran_once_on(cluster: &RedisCluster, key: &str, new_owner: u16) {
    let count: i64 = cluster
        .node(new_owner)
        .query(redis::cmd("GET").arg(key))
        .await;
    assert_eq!(count, 1, "the script ran exactly once");
    // Only the new owner ran anything: the refused EVALSHA on the old owner is not a call.
    for (node, stats) in cluster
        .nodes()
        .iter()
        .zip(cluster.commandstats_per_node().await)
    {
        let (eval, evalsha, _, _) = stats.scripts();
        if node.port() == new_owner {
            assert_eq!(
                (eval, evalsha),
                (1, 1),
                "NOSCRIPT, then EVAL on the new owner"
            );
        } else {
            assert_eq!((eval, evalsha), (0, 0), "nothing ran on {}", node.port());
        }
    }
}

/// `redis_script::Cluster` is built without retries, whatever the builder says: a lost reply is an
/// error that says the script may have run, and it ran once.
#[tokio::test]
async fn a_connection_lost_after_the_script_ran_is_not_resent_by_a_cluster_built_with_retries() {
    let cluster = RedisCluster::start(3, 0);
    let builder = redis::cluster::ClusterClientBuilder::new(cluster.urls()).retries(16);
    let conn = redis_script::Cluster::connect_with(builder).await.unwrap();
    let (runs, err) = run_with_a_lost_reply(&cluster, &conn).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_run());
    assert_eq!(runs, 1, "the script ran {runs} times");
}

/// A `ClusterClient` brought along is checked: the `redis` crate's default (16 retries) is refused
/// before anything is sent, saying how to build it; one with `retries(0)` is taken.
#[tokio::test]
async fn a_cluster_client_with_retries_is_refused() {
    let cluster = RedisCluster::start(3, 0);
    let default = redis::cluster::ClusterClient::new(cluster.urls()).unwrap();
    let err = redis_script::Cluster::from_client(&default)
        .await
        .unwrap_err();
    assert!(!err.may_have_run());
    assert!(
        err.to_string().contains("16 retries") && err.to_string().contains("retries(0)"),
        "{err}"
    );
    let none = redis::cluster::ClusterClientBuilder::new(cluster.urls())
        .retries(0)
        .build()
        .unwrap();
    let conn = redis_script::Cluster::from_client(&none).await.unwrap();
    assert_eq!(INCR_TTL.exec(&conn, ["k"], [60]).await.unwrap(), 1);
}
