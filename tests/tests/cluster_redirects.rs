//! A script's own error reply that reads like a redirect (`redis.error_reply('MOVED ..')`) is not
//! followed: the node that answered does not bear it out in its `CLUSTER NODES`, so it is the
//! script's error, which may have run; nothing is sent again, and nothing is sent to the address it
//! names. Over `Cluster`, the `redis` crate's async and blocking `ClusterConnection`s and
//! `BlockingCluster`; counted by the list the script appends to, and by a listener that records
//! whether anyone connected.

#![allow(clippy::unwrap_used)]

use std::net::TcpListener;

use redis_script::{Pipeline, Script, Transport};
use redis_script_tests::blocking::Blocking;
use redis_script_tests::{ClosedPort, RedisCluster};

/// Appends to its key's list, then returns ARGV[1] as an error reply.
const FORGE: &str = "redis.call('RPUSH', KEYS[1], 'ran') return redis.error_reply(ARGV[1])";

/// Appends to its key's list.
const APPEND: &str = "return redis.call('RPUSH', KEYS[1], 'after')";

/// A listener on a free loopback port that says whether anyone connected to it.
struct Listener(TcpListener);

impl Listener {
    fn new() -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Listener(listener)
    }

    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }

    /// True when a connection came (queued until accepted, so none is missed).
    fn reached(&self) -> bool {
        match self.0.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
            Err(e) => panic!("{e}"),
        }
    }
}

async fn slot_of(cluster: &RedisCluster, key: &str) -> u16 {
    cluster.nodes()[0]
        .query(redis::cmd("CLUSTER").arg("KEYSLOT").arg(key))
        .await
}

/// Each forged redirect, as a call and as the first entry of a pipeline: the script ran once, its
/// error is its own (the forged code) with `may_have_run()` true, the entry behind it ran once, and
/// the listener named was never reached.
async fn forged_redirects_are_the_scripts_own_errors<T: Transport>(
    cluster: &RedisCluster,
    conn: &T,
    tag: &str,
) {
    let forge = Script::<()>::new(FORGE);
    let append = Script::<i64>::new(APPEND);
    let listener = Listener::new();
    let closed = ClosedPort::new();
    let masters = cluster.master_ports().await;
    for (case, code, to) in [
        ("same", "MOVED", None),
        ("closed", "MOVED", Some(closed.port())),
        ("listener", "MOVED", Some(listener.port())),
        ("other", "MOVED", Some(0)),
        ("ask", "ASK", Some(listener.port())),
        ("askother", "ASK", Some(0)),
    ] {
        let key = format!("{{{tag}{case}}}:log");
        let slot = slot_of(cluster, &key).await;
        let owner = cluster.master_for_key(&key).await.port();
        let other = *masters.iter().find(|&&p| p != owner).unwrap();
        let port = match to {
            None => owner,
            Some(0) => other,
            Some(port) => port,
        };
        let forged = format!("{code} {slot} 127.0.0.1:{port}");

        let err = forge.exec(conn, [&key], [&forged]).await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{case}: {err:?}");
        assert!(err.may_have_run(), "{case}: {err:?}");
        assert_eq!(cluster.list(owner, &key).await, ["ran"], "{case}");

        let mut pipe = Pipeline::new();
        let first = pipe.exec(&forge, [&key], [&forged]);
        let second = pipe.exec(&append, [&key], ());
        match pipe.run(conn).await {
            Ok(mut replies) => {
                let err = replies.take(first).unwrap_err();
                assert_eq!(err.code(), Some(code), "{case}: {err:?}");
                assert!(err.may_have_run(), "{case}: {err:?}");
                assert_eq!(replies.take(second).unwrap(), 3, "{case}");
            }
            // The `redis` crate's connection hands back only the redirect, as the part's error.
            Err(err) => assert!(err.may_have_run(), "{case}: {err:?}"),
        }
        assert_eq!(
            cluster.list(owner, &key).await,
            ["ran", "ran", "after"],
            "{case}"
        );
    }
    assert!(!listener.reached(), "a forged redirect was followed");
}

#[tokio::test]
async fn a_scripts_own_redirect_is_returned_and_never_followed() {
    let cluster = RedisCluster::start(3, 0);
    forged_redirects_are_the_scripts_own_errors(&cluster, &cluster.exactly_once().await, "c").await;
    forged_redirects_are_the_scripts_own_errors(
        &cluster,
        &cluster.connection_without_retries().await,
        "r",
    )
    .await;
    let mut blocking = cluster.blocking();
    forged_redirects_are_the_scripts_own_errors(&cluster, &Blocking::new(&mut blocking), "b").await;
    let mut connection = cluster.blocking_without_retries();
    forged_redirects_are_the_scripts_own_errors(&cluster, &Blocking::new(&mut connection), "s")
        .await;
}

/// A part for one node whose first entry is answered with a real ASK (its slot is being migrated
/// and the key is not there) and whose second entry, in another slot the node owns, runs a script
/// that returns the same redirect for its own slot. The redirect is followed only if the node bears
/// it out for both slots: it does not for the second, so the script is never sent again, and every
/// entry's claim matches what the servers ran. (Before, only the first slot was checked: the script
/// went to the new node, which redirected it back with a real MOVED, and ran a second time.)
async fn a_forged_redirect_behind_a_real_one_is_not_followed<T: Transport>(
    cluster: &RedisCluster,
    conn: &T,
    tag: &str,
) {
    let forge = Script::<()>::new(FORGE);
    let append = Script::<i64>::new(APPEND);
    let migrating_key = format!("{{{tag}migrating}}:log");
    let owner = cluster.master_for_key(&migrating_key).await.port();
    let migrating_slot = slot_of(cluster, &migrating_key).await;
    let mut forged_key = None;
    for i in 0..1_000 {
        let key = format!("{{{tag}forged{i}}}:log");
        if slot_of(cluster, &key).await != migrating_slot
            && cluster.master_for_key(&key).await.port() == owner
        {
            forged_key = Some(key);
            break;
        }
    }
    let forged_key = forged_key.unwrap();
    let forged_slot = slot_of(cluster, &forged_key).await;
    // Both slots stay `owner`'s in the slot map while the migration runs: one part goes there.
    let migration = cluster.begin_migration(&migrating_key).await;
    let forged = format!("ASK {forged_slot} 127.0.0.1:{}", migration.to);
    let mut pipe = Pipeline::new();
    let first = pipe.exec(&append, [&migrating_key], ());
    let second = pipe.exec(&forge, [&forged_key], [&forged]);
    let outcome = pipe.run(conn).await;
    assert_eq!(cluster.list(owner, &forged_key).await, ["ran"], "{tag}");
    // Wherever the append ran, its key ends on the new owner.
    let to = migration.to;
    migration.finish().await;
    let appended = cluster.list(to, &migrating_key).await.len();
    match outcome {
        Ok(mut replies) => {
            let err = replies.take(second).unwrap_err();
            assert!(err.may_have_run(), "{tag}: {err:?}");
            match replies.take(first) {
                Ok(n) => assert_eq!((n, appended), (1, 1), "{tag}"),
                Err(e) if !e.may_have_run() => assert_eq!(appended, 0, "{tag}: {e:?}"),
                Err(e) => assert!(appended <= 1, "{tag}: {e:?}"),
            }
        }
        Err(err) => {
            assert!(err.may_have_run(), "{tag}: {err:?}");
            assert!(appended <= 1, "{tag}");
        }
    }
}

/// Runs `$check(&cluster, &transport, tag)` on a new 3-node cluster over `Cluster`, `BlockingCluster`
/// and the `redis` crate's connection without retries, each with a tag of its own.
macro_rules! on_three_transports {
    ($check:ident) => {{
        let cluster = RedisCluster::start(3, 0);
        $check(&cluster, &cluster.exactly_once().await, "c").await;
        let mut blocking = cluster.blocking();
        $check(&cluster, &Blocking::new(&mut blocking), "b").await;
        $check(&cluster, &cluster.connection_without_retries().await, "r").await;
    }};
}

#[tokio::test]
async fn a_forged_redirect_behind_a_real_one_runs_its_script_once() {
    on_three_transports!(a_forged_redirect_behind_a_real_one_is_not_followed);
}

/// A script on a key of a slot being migrated, the key still on the old owner, that returns `ASK
/// <slot> <new owner>` as its own error: the old owner lists the slot as migrating there for the
/// whole migration, but it holds the key, which a real ASK says it does not. So the ASK is not
/// followed: the script ran once, on the old owner, its error says it may have run, and nothing ran
/// on the new owner. As a call and as the first entry of a pipeline.
async fn a_forged_ask_in_a_migrating_slot_is_not_followed<T: Transport>(
    cluster: &RedisCluster,
    conn: &T,
    tag: &str,
) {
    let forge = Script::<()>::new(FORGE);
    let append = Script::<i64>::new(APPEND);
    let key = format!("{{{tag}}}:log");
    let owner = cluster.master_for_key(&key).await.port();
    let _: i64 = cluster
        .node(owner)
        .query(redis::cmd("RPUSH").arg(&key).arg("before"))
        .await;
    let migration = cluster.begin_migration(&key).await;
    let forged = format!("ASK {} 127.0.0.1:{}", migration.slot, migration.to);

    let err = forge.exec(conn, [&key], [&forged]).await.unwrap_err();
    assert_eq!(err.code(), Some("ASK"), "{tag}: {err:?}");
    assert!(err.may_have_run(), "{tag}: {err:?}");

    let mut pipe = Pipeline::new();
    let first = pipe.exec(&forge, [&key], [&forged]);
    let second = pipe.exec(&append, [&key], ());
    match pipe.run(conn).await {
        Ok(mut replies) => {
            let err = replies.take(first).unwrap_err();
            assert!(err.may_have_run(), "{tag}: {err:?}");
            assert_eq!(replies.take(second).unwrap(), 4, "{tag}");
        }
        Err(err) => assert!(err.may_have_run(), "{tag}: {err:?}"),
    }
    assert_eq!(
        cluster.list(owner, &key).await,
        ["before", "ran", "ran", "after"],
        "{tag}"
    );
    // The new owner, asked as a client following an ASK would: nothing of the key there.
    let mut new_owner = cluster.node(migration.to).connection().await;
    let there: Vec<String> = redis::pipe()
        .cmd("ASKING")
        .ignore()
        .cmd("LRANGE")
        .arg(&key)
        .arg(0)
        .arg(-1)
        .query_async::<(Vec<String>,)>(&mut new_owner)
        .await
        .unwrap()
        .0;
    assert!(there.is_empty(), "{tag}: {there:?}");
}

#[tokio::test]
async fn a_forged_ask_in_a_migrating_slot_runs_its_script_once() {
    on_three_transports!(a_forged_ask_in_a_migrating_slot_is_not_followed);
}

/// A part of a batch that fails as a whole, with a redirect a script returned that holds one of its
/// arguments: the error each entry of the part gets (and the batch's, if it fails) shows none of
/// them. On the `redis` crate's connection, which hands back only the redirect of a part.
#[tokio::test]
async fn a_failed_parts_error_shows_none_of_its_entries_values() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection_without_retries().await;
    let forge = Script::<()>::new(
        "redis.call('RPUSH', KEYS[1], 'ran') return redis.error_reply('MOVED ' .. ARGV[1] .. ' ' .. ARGV[2])",
    );
    let append = Script::<i64>::new(APPEND);
    let secret = "s3cr3t-arg-x";
    let keys = cluster.key_per_master("part").await;
    let (forged_key, other_key) = (&keys[0].0, &keys[1].0);
    let slot = slot_of(&cluster, forged_key).await;
    let closed = ClosedPort::new();
    let to = format!("{slot} 127.0.0.1:{}", closed.port());
    let mut pipe = Pipeline::new();
    let forged = pipe.exec(&forge, [forged_key], [to.as_str(), secret]);
    let appended = pipe.exec(&append, [other_key], ());
    match pipe.run(&conn).await {
        Ok(mut replies) => {
            let err = replies.take(forged).unwrap_err();
            assert!(err.may_have_run(), "{err:?}");
            redis_script_tests::assert_no_secrets(&err, &[secret]);
            assert_eq!(replies.take(appended).unwrap(), 1);
        }
        Err(err) => {
            assert!(err.may_have_run(), "{err:?}");
            redis_script_tests::assert_no_secrets(&err, &[secret]);
        }
    }
    assert_eq!(cluster.list(keys[0].1, forged_key).await, ["ran"]);
}

/// A slot that moved (learned from a MOVED), then moved on, then its node died: the next batch in
/// that slot fails to reach the dead node, which is forgotten; the batch after goes by the slot map
/// and runs once on the slot's owner. Before, every batch in that slot went to the dead node.
async fn a_dead_node_a_slot_moved_to_is_forgotten<T: Transport>(
    cluster: &mut RedisCluster,
    conn: &T,
    tag: &str,
) {
    let key = format!("{{{tag}}}:log");
    let moved_to = cluster.move_slot_of(&key).await;
    assert_eq!(append_in_a_batch(conn, &key).await.unwrap(), 1);
    assert_eq!(cluster.list(moved_to, &key).await, ["after"]);
    // A slot moves only when empty.
    let _: i64 = cluster
        .node(moved_to)
        .query(redis::cmd("DEL").arg(&key))
        .await;
    let owner = cluster.move_slot_of(&key).await;
    cluster.kill(moved_to);
    let err = append_in_a_batch(conn, &key).await.unwrap_err();
    assert!(
        matches!(err, redis_script::Error::Transport(_)),
        "the dead node's connection: {err:?}"
    );
    assert_eq!(append_in_a_batch(conn, &key).await.unwrap(), 1);
    assert_eq!(cluster.list(owner, &key).await, ["after"]);
}

/// Appends to `key` in a batch of that one entry.
async fn append_in_a_batch<T: Transport>(conn: &T, key: &str) -> Result<i64, redis_script::Error> {
    let append = Script::<i64>::new(APPEND);
    let mut pipe = Pipeline::new();
    let entry = pipe.exec(&append, [key], ());
    pipe.run(conn).await?.take(entry)
}

#[tokio::test]
async fn a_dead_node_a_slot_moved_to_is_forgotten_by_a_cluster() {
    let mut cluster = RedisCluster::start(3, 0);
    let conn = cluster.exactly_once().await;
    a_dead_node_a_slot_moved_to_is_forgotten(&mut cluster, &conn, "dead").await;
}

#[tokio::test]
async fn a_dead_node_a_slot_moved_to_is_forgotten_by_a_blocking_cluster() {
    let mut cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking();
    let conn = Blocking::new(&mut conn);
    a_dead_node_a_slot_moved_to_is_forgotten(&mut cluster, &conn, "dead").await;
}

/// Where a MOVED said a slot went is kept until a slot map is read (a batch across slots reads one).
#[tokio::test]
async fn a_slot_map_read_replaces_the_moves_a_cluster_learned() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.exactly_once().await;
    let key = "{learned}:log";
    cluster.move_slot_of(key).await;
    assert_eq!(append_in_a_batch(&conn, key).await.unwrap(), 1);
    assert!(
        format!("{conn:?}").contains("moved_slots_known: 1"),
        "{conn:?}"
    );
    let append = Script::<i64>::new(APPEND);
    let mut pipe = Pipeline::new();
    for (key, _) in cluster.key_per_master("spread").await {
        let _ = pipe.exec(&append, [key], ());
    }
    pipe.run(&conn).await.unwrap();
    assert!(
        format!("{conn:?}").contains("moved_slots_known: 0"),
        "{conn:?}"
    );
}

/// With `cluster-preferred-endpoint-type unknown-endpoint` the nodes name no host (`CLUSTER SLOTS`
/// gives a nil host and the IP in its metadata; `MOVED 3999 :7001`): a host left out is the host of
/// the node that answered. A batch across every primary and a call on a moved slot each run once.
async fn no_host_is_the_answering_nodes<T: Transport>(cluster: &RedisCluster, conn: &T, tag: &str) {
    let append = Script::<i64>::new(APPEND);
    let mut pipe = Pipeline::new();
    let keys = cluster.key_per_master(tag).await;
    let entries: Vec<_> = keys
        .iter()
        .map(|(key, _)| pipe.exec(&append, [key.clone()], ()))
        .collect();
    let mut replies = pipe.run(conn).await.unwrap();
    for (entry, (key, owner)) in entries.into_iter().zip(&keys) {
        assert_eq!(replies.take(entry).unwrap(), 1, "{key}");
        assert_eq!(cluster.list(*owner, key).await, ["after"], "{key}");
    }
    let key = format!("{{{tag}-moved}}:log");
    let new_owner = cluster.move_slot_of(&key).await;
    assert_eq!(append.exec(conn, [&key], ()).await.unwrap(), 1);
    assert_eq!(cluster.list(new_owner, &key).await, ["after"]);
}

#[tokio::test]
async fn a_node_that_names_no_host_is_reached_at_the_answering_nodes() {
    let cluster = RedisCluster::start(3, 0);
    for node in cluster.nodes() {
        let () = node
            .query(
                redis::cmd("CONFIG")
                    .arg("SET")
                    .arg("cluster-preferred-endpoint-type")
                    .arg("unknown-endpoint"),
            )
            .await;
    }
    no_host_is_the_answering_nodes(&cluster, &cluster.exactly_once().await, "nh1").await;
    let mut blocking = cluster.blocking();
    no_host_is_the_answering_nodes(&cluster, &Blocking::new(&mut blocking), "nh2").await;
    let mut connection = cluster.blocking_without_retries();
    no_host_is_the_answering_nodes(&cluster, &Blocking::new(&mut connection), "nh3").await;
}
