//! Pooled connections as transports: deadpool and bb8 run scripts with the same fallback, and
//! functions alone and in batches.

#![allow(clippy::unwrap_used)]

use redis_script::{Error, Script, TransportErrorKind, lua_script};
use redis_script_tests::{ClosedPort, RedisServer};

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");

async fn ttl(server: &RedisServer, key: &str) -> i64 {
    server.query(redis::cmd("TTL").arg(key)).await
}

#[tokio::test]
async fn deadpool_pool_runs_scripts_with_one_fallback() {
    let server = RedisServer::start();
    let pool = deadpool_redis::Config::from_url(server.url())
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .unwrap();
    server.reset_stats().await;
    for expected in 1..=5 {
        assert_eq!(
            INCR_TTL.exec(&pool, ["pool:views"], [60]).await.unwrap(),
            expected
        );
    }
    // The first call falls back once; every later one, whichever pooled connection it uses, hits.
    assert_eq!(server.commandstats().await.scripts(), (1, 5, 0, 0));
    assert!((1..=60).contains(&ttl(&server, "pool:views").await));
}

#[tokio::test]
async fn bb8_pool_runs_scripts_concurrently() {
    let server = RedisServer::start();
    let manager = bb8_redis::RedisConnectionManager::new(server.url()).unwrap();
    let pool = bb8::Pool::builder()
        .max_size(4)
        .build(manager)
        .await
        .unwrap();
    INCR_TTL.exec(&pool, ["bb8:warm"], [60]).await.unwrap();
    server.reset_stats().await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let pool = pool.clone();
        calls.spawn(async move { INCR_TTL.exec(&pool, ["bb8:views"], [60]).await });
    }
    let mut counts: Vec<i64> = calls
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=40).collect::<Vec<_>>());
    assert_eq!(server.commandstats().await.scripts(), (0, 40, 0, 0));
}

#[tokio::test]
async fn a_pool_that_cannot_connect_reports_that_nothing_ran() {
    // Held closed for the whole test: connects are refused, and no other test's server can take it.
    let closed = ClosedPort::new();
    let pool = deadpool_redis::Config::from_url(closed.url())
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .unwrap();
    let err = INCR_TTL.exec(&pool, ["k"], [60]).await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    assert!(!err.may_have_run(), "{err}");
    assert!(err.to_string().contains("no connection available"), "{err}");
}

#[tokio::test]
async fn pools_and_the_connection_manager_call_functions_alone_and_in_batches() {
    use redis_script::Pipeline;
    use redis_script_tests::function_batches::PUSH;

    let server = RedisServer::start();
    let deadpool = deadpool_redis::Config::from_url(server.url())
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .unwrap();
    let bb8 = bb8::Pool::builder()
        .max_size(2)
        .build(bb8_redis::RedisConnectionManager::new(server.url()).unwrap())
        .await
        .unwrap();
    let manager = server.connection_manager().await;
    server.reset_stats().await;
    // The first call loads the library; the others find it, one pooled connection or another.
    assert_eq!(PUSH.call(&deadpool, ["log"], ["a"]).await.unwrap(), 1);
    assert_eq!(PUSH.call(&bb8, ["log"], ["b"]).await.unwrap(), 2);
    assert_eq!(PUSH.call(&manager, ["log"], ["c"]).await.unwrap(), 3);
    let mut pipe = Pipeline::new();
    let d = pipe.call(&PUSH, ["log"], ["d"]);
    let e = pipe.call(&PUSH, ["log"], ["e"]);
    let mut replies = pipe.run(&bb8).await.unwrap();
    assert_eq!((replies.take(d).unwrap(), replies.take(e).unwrap()), (4, 5));
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("fcall"), 6, "one not found, then once each");
    assert_eq!(
        stats.calls("function|load"),
        2,
        "the first call's, the pipeline's"
    );
    let log: Vec<String> = server
        .query(redis::cmd("LRANGE").arg("log").arg(0).arg(-1))
        .await;
    assert_eq!(log, ["a", "b", "c", "d", "e"]);
}
