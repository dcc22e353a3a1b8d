//! `preload` and `missing` on a Redis Cluster: every primary has its own script cache. A node that is
//! down, and a failover (`CLUSTER FAILOVER`), which puts a primary with an empty cache in front of the
//! slots.

#![allow(clippy::unwrap_used)]

use redis_script::{
    Error, Script, ScriptRef, Transport, lua_script, missing_scripts, preload_scripts,
};
use redis_script_tests::RedisCluster;
use redis_script_tests::blocking::Blocking;

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");

async fn cached(node: &redis_script_tests::RedisServer, sha1: &str) -> bool {
    let flags: Vec<i64> = node
        .query(redis::cmd("SCRIPT").arg("EXISTS").arg(sha1))
        .await;
    flags == [1]
}

#[tokio::test(flavor = "multi_thread")]
async fn preload_loads_on_every_primary_and_missing_asks_each() {
    let cluster = RedisCluster::start(3, 0);
    loads_on_every_primary(&cluster, &cluster.connection().await).await;
    let cluster = RedisCluster::start(3, 0);
    loads_on_every_primary(&cluster, &Blocking::new(&mut cluster.blocking())).await;
    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking_without_retries();
    loads_on_every_primary(&cluster, &Blocking::new(&mut conn)).await;
}

async fn loads_on_every_primary(cluster: &RedisCluster, conn: &impl Transport) {
    let other = Script::<i64>::new("return 5").with_name("five").unwrap();
    let set = || [ScriptRef::from(&INCR_TTL), ScriptRef::from(&other)];
    assert_eq!(missing_scripts(conn, set()).await.unwrap().len(), 6);

    let preloaded = preload_scripts(conn, set()).await.unwrap();
    assert_eq!((preloaded.scripts, preloaded.servers), (2, 3));
    for node in cluster.nodes() {
        assert!(cached(node, INCR_TTL.sha1()).await, "{}", node.port());
        assert!(cached(node, other.sha1()).await, "{}", node.port());
    }
    assert!(missing_scripts(conn, set()).await.unwrap().is_empty());

    // Every call, whichever node its key lives on, is EVALSHA alone.
    cluster.reset_stats().await;
    for (key, _) in cluster.key_per_master("k").await {
        assert_eq!(INCR_TTL.exec(conn, [key.as_str()], [60]).await.unwrap(), 1);
    }
    assert_eq!(cluster.commandstats().await.scripts(), (0, 3, 0, 0));

    // One node loses its cache: `missing` names that node and no other.
    let flushed = cluster.nodes()[1].port();
    cluster.nodes()[1].script_flush().await;
    let lacking = missing_scripts(conn, set()).await.unwrap();
    assert_eq!(lacking.len(), 2);
    assert!(
        lacking
            .iter()
            .all(|m| m.server.as_deref() == Some(format!("127.0.0.1:{flushed}").as_str()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_primary_that_is_down_is_named_and_the_others_are_loaded() {
    let mut cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection_without_retries().await;
    let down = cluster.nodes()[2].port();
    cluster.kill(down);
    one_primary_down(&cluster, down, &conn).await;

    let mut cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking();
    let down = cluster.nodes()[2].port();
    cluster.kill(down);
    one_primary_down(&cluster, down, &Blocking::new(&mut conn)).await;

    let mut cluster = RedisCluster::start(3, 0);
    let down = cluster.nodes()[2].port();
    cluster.kill(down);
    let mut conn = cluster.blocking_without_retries();
    one_primary_down(&cluster, down, &Blocking::new(&mut conn)).await;
}

async fn one_primary_down(cluster: &RedisCluster, down: u16, conn: &impl Transport) {
    let err = preload_scripts(conn, [ScriptRef::from(&INCR_TTL)])
        .await
        .unwrap_err();
    let Error::Preload(preload) = &err else {
        panic!("{err:?}")
    };
    let at = |port: u16| Some(format!("127.0.0.1:{port}"));
    assert_eq!(preload.failed().len(), 1, "{err}");
    assert_eq!(preload.failed()[0].server, at(down));
    assert!(preload.failed()[0].error.code().is_none(), "{err}");
    let mut loaded: Vec<_> = preload.loaded().iter().map(|l| l.server.clone()).collect();
    loaded.sort();
    let mut up: Vec<_> = cluster.nodes()[..2].iter().map(|n| at(n.port())).collect();
    up.sort();
    assert_eq!(loaded, up);
    for node in &cluster.nodes()[..2] {
        assert!(cached(node, INCR_TTL.sha1()).await);
    }
    assert!(
        err.to_string().contains(&format!(
            "\"../../examples/lua/incr_ttl.lua\" on 127.0.0.1:{down}: "
        )),
        "{err}"
    );
}

/// The replica a failover promotes never saw the script: the first call on its slots falls back once,
/// and none runs twice; preloading after the failover saves that fallback.
#[tokio::test(flavor = "multi_thread")]
async fn after_cluster_failover_the_first_call_falls_back_once_and_preload_saves_it() {
    let cluster = RedisCluster::start(3, 1);
    after_failover(&cluster, &cluster.connection().await).await;
    let cluster = RedisCluster::start(3, 1);
    after_failover(&cluster, &Blocking::new(&mut cluster.blocking())).await;
    let cluster = RedisCluster::start(3, 1);
    let mut conn = cluster.blocking_without_retries();
    after_failover(&cluster, &Blocking::new(&mut conn)).await;
}

async fn after_failover(cluster: &RedisCluster, conn: &impl Transport) {
    let key = "hits";
    assert_eq!(INCR_TTL.exec(conn, [key], [60]).await.unwrap(), 1);
    let master = cluster.master_for_key(key).await.port();
    let replica = cluster.replica_of(master).await.port();
    assert!(!cached(cluster.node(replica), INCR_TTL.sha1()).await);

    cluster.fail_over_to(replica).await;
    assert_eq!(cluster.master_for_key(key).await.port(), replica);
    cluster.reset_stats().await;
    assert_eq!(INCR_TTL.exec(conn, [key], [60]).await.unwrap(), 2);
    assert_eq!(
        cluster.node(replica).commandstats().await.scripts(),
        (1, 1, 0, 0)
    );
    let hits: i64 = cluster
        .node(replica)
        .query(redis::cmd("GET").arg(key))
        .await;
    assert_eq!(hits, 2, "no call ran twice");

    // The old master, now a replica, keeps its cache; flush the promoted one and preload.
    cluster.node(replica).script_flush().await;
    preload_scripts(conn, [ScriptRef::from(&INCR_TTL)])
        .await
        .unwrap();
    cluster.reset_stats().await;
    assert_eq!(INCR_TTL.exec(conn, [key], [60]).await.unwrap(), 3);
    assert_eq!(cluster.commandstats().await.scripts(), (0, 1, 0, 0));
}
