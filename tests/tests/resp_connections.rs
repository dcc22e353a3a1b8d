//! The `redis` connection kinds a script runs on: multiplexed, managed (reconnecting), shared by many
//! tasks.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_script::{Error, Script, ScriptRO, lua_script};
use redis_script_tests::RedisServer;

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");
static GET: ScriptRO<Option<String>> = lua_script!("../../examples/lua/get.lua", readonly);

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

    let killed = server.kill_clients().await;
    assert!(killed >= 1);

    // The call on the broken connection may fail (and is not retried: it may have run); the manager
    // reconnects for the next one. The counter proves each script ran at most once per call.
    let mut ok = 0;
    let mut calls = 0;
    let mut last = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while ok < 2 && Instant::now() < deadline {
        calls += 1;
        match INCR_TTL.exec(&conn, ["views"], [60]).await {
            Ok(n) => {
                ok += 1;
                last = n;
                assert!(n <= 1 + calls, "ran more often than called: {n}");
            }
            Err(e) => assert!(matches!(e, Error::Transport(_)), "{e:?}"),
        }
        if ok < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert_eq!(ok, 2, "the manager did not reconnect");
    // The counter is exactly the number of script runs the server counted, and the last reply saw it.
    let views: i64 = server.query(redis::cmd("GET").arg("views")).await;
    assert_eq!(views, last);
    assert_eq!(views, script_runs(&server).await);
}

/// Script runs the server counted: EVAL and EVALSHA calls that did not fail (NOSCRIPT is a failed
/// call), from `INFO commandstats`.
async fn script_runs(server: &RedisServer) -> i64 {
    let info: String = server.query(redis::cmd("INFO").arg("commandstats")).await;
    let mut runs = 0;
    for name in ["eval", "evalsha"] {
        let prefix = format!("cmdstat_{name}:");
        let Some(fields) = info.lines().find_map(|l| l.trim().strip_prefix(&prefix)) else {
            continue;
        };
        let field = |key: &str| -> i64 {
            fields
                .split(',')
                .find_map(|f| f.strip_prefix(key))
                .unwrap()
                .parse()
                .unwrap()
        };
        runs += field("calls=") - field("failed_calls=");
    }
    runs
}

/// Polls `check` every 20 ms for at most 10 s; panics with `what` when it never holds.
async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A read-only script runs on a replica (EVALSHA_RO, then EVAL_RO there); a writing one is refused.
#[tokio::test]
async fn a_read_only_script_runs_on_a_replica_and_a_writing_one_fails() {
    let primary = RedisServer::start();
    let port = primary.port().to_string();
    let replica = RedisServer::start_with_args(["--replicaof", "127.0.0.1", port.as_str()]);
    wait_until("the replication link", || async {
        let info: String = replica.query(redis::cmd("INFO").arg("replication")).await;
        info.lines().any(|l| l.trim() == "master_link_status:up")
    })
    .await;
    let () = primary
        .query(redis::cmd("SET").arg("user:1:name").arg("ada"))
        .await;
    wait_until("the key on the replica", || async {
        let value: Option<String> = replica.query(redis::cmd("GET").arg("user:1:name")).await;
        value.is_some()
    })
    .await;

    let conn = replica.connection().await;
    replica.reset_stats().await;
    for _ in 0..2 {
        let name = GET.exec(&conn, ["user:1:name"], ()).await.unwrap();
        assert_eq!(name.as_deref(), Some("ada"));
    }
    assert_eq!(replica.commandstats().await.scripts(), (0, 0, 1, 2));

    replica.reset_stats().await;
    let err = INCR_TTL.exec(&conn, ["views"], [60]).await.unwrap_err();
    assert_eq!(err.code(), Some("READONLY"), "{err:?}");
    let Error::Script(e) = &err else {
        panic!("expected the write inside the script to fail, got {err:?}")
    };
    // The line of the script's first write, its INCR.
    let incr = include_str!("../../examples/lua/incr_ttl.lua")
        .lines()
        .position(|l| l.contains("redis.call(\"INCR\""))
        .and_then(|i| u32::try_from(i + 1).ok());
    assert_eq!(e.line(), incr, "{e:?}");
    // The script started (its first call failed): an error from a running script counts as run.
    assert!(err.may_have_run());
    assert_eq!(replica.commandstats().await.scripts(), (1, 1, 0, 0));
    let views: Option<i64> = primary.query(redis::cmd("GET").arg("views")).await;
    assert_eq!(views, None);
    let views: Option<i64> = replica.query(redis::cmd("GET").arg("views")).await;
    assert_eq!(views, None);
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
