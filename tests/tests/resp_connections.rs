//! The `redis` connection kinds a script runs on: multiplexed, managed (reconnecting), shared by many
//! tasks.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use redis_script::{Error, Script, lua_script};
use redis_script_tests::RedisServer;

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");

#[tokio::test]
async fn multiplexed_connection() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    assert_eq!(INCR_TTL.exec(&conn, ["views"], [60]).await.unwrap(), 1);
    assert_eq!(INCR_TTL.exec(&conn, ["views"], [60]).await.unwrap(), 2);
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 0, 0));
}

#[tokio::test]
async fn connection_manager() {
    let server = RedisServer::start();
    let conn = server.connection_manager().await;
    server.reset_stats().await;
    assert_eq!(INCR_TTL.exec(&conn, ["views"], [60]).await.unwrap(), 1);
    assert_eq!(INCR_TTL.exec(&conn, ["views"], [60]).await.unwrap(), 2);
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 0, 0));
}

#[tokio::test]
async fn connection_manager_after_its_connection_was_killed() {
    let server = RedisServer::start();
    let conn = server.connection_manager().await;
    assert_eq!(INCR_TTL.exec(&conn, ["views"], [60]).await.unwrap(), 1);

    let killed: i64 = server
        .query(
            redis::cmd("CLIENT")
                .arg("KILL")
                .arg("TYPE")
                .arg("normal")
                .arg("SKIPME")
                .arg("yes"),
        )
        .await;
    assert!(killed >= 1);

    // The call on the broken connection may fail (and is not retried: it may have run); the manager
    // reconnects for the next one. The counter proves each script ran at most once per call.
    let mut ok = 0;
    let mut calls = 0;
    for _ in 0..50 {
        calls += 1;
        match INCR_TTL.exec(&conn, ["views"], [60]).await {
            Ok(n) => {
                ok += 1;
                if ok == 2 {
                    assert!(n <= 1 + calls, "ran more often than called: {n}");
                    break;
                }
            }
            Err(e) => assert!(matches!(e, Error::Transport(_)), "{e:?}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(ok, 2, "the manager did not reconnect");
}

#[tokio::test]
async fn many_tasks_share_one_connection_and_each_call_runs_once() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Arc::new(Script::<i64>::new("return redis.call('INCR', KEYS[1])"));
    server.reset_stats().await;

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let (conn, script) = (conn.clone(), Arc::clone(&script));
        tasks.spawn(async move { script.exec(&conn, ["n"], ()).await.unwrap() });
    }
    let mut seen = Vec::new();
    while let Some(n) = tasks.join_next().await {
        seen.push(n.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=64).collect::<Vec<i64>>());

    // Concurrent first calls may each need the fallback, but every call ran exactly once.
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("evalsha"), 64);
    assert!((1..=64).contains(&stats.calls("eval")), "{stats:?}");
    let n: i64 = server.query(redis::cmd("GET").arg("n")).await;
    assert_eq!(n, 64);
}

#[tokio::test]
async fn a_transport_chosen_at_run_time_behind_dyn() {
    let server = RedisServer::start();
    let conns: [Arc<dyn redis_script::DynTransport>; 2] = [
        Arc::new(server.connection().await),
        Arc::new(server.connection_manager().await),
    ];
    server.reset_stats().await;
    for (i, conn) in conns.iter().enumerate() {
        let expected = i64::try_from(i).unwrap() + 1;
        assert_eq!(
            INCR_TTL.exec(conn, ["views"], [60]).await.unwrap(),
            expected
        );
    }
    // The fallback works through `dyn` as well: one EVAL in all, then only EVALSHA.
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 0, 0));
}
