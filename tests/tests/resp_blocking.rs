//! The blocking API on `redis::Connection` and an r2d2 pool: scripts fall back exactly once and only
//! on NOSCRIPT, functions load their library once, batches load and order their entries,
//! preloading caches every script of the binary, a lost connection is never followed by a second
//! send; counted by the server (`INFO commandstats`). The checks every transport must pass
//! (`batches`) run over the blocking connections' own I/O too.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use redis_script::{
    Error, Function, Library, Pipeline, Script, ScriptRO, Transaction, TransportErrorKind,
    lua_library, lua_script,
};
use redis_script_tests::batches::{self, PUSH, log};
use redis_script_tests::blocking::{Blocking, Owned};
use redis_script_tests::function_batches::function_counts;
use redis_script_tests::{ClosedPort, RedisServer};

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");
static POST_STATS: ScriptRO<(i64, i64, String)> =
    lua_script!("../../examples/lua/post_stats.lua", readonly);

lua_library! {
    static SEED: Library = "../../examples/lua/seed_library.lua";
    static INCR: Function<i64> = "incr_ttl";
}

fn pool(server: &RedisServer) -> r2d2::Pool<redis::Client> {
    r2d2::Pool::builder()
        .max_size(2)
        .build(server.client())
        .unwrap()
}

#[tokio::test]
async fn exec_blocking_falls_back_once_on_noscript_and_then_sends_evalsha_alone() {
    let server = RedisServer::start();
    let mut conn = server.client().get_connection().unwrap();
    server.reset_stats().await;
    // (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO)
    assert_eq!(INCR_TTL.exec_blocking(&mut conn, ["n"], [60]).unwrap(), 1);
    assert_eq!(server.commandstats().await.scripts(), (1, 1, 0, 0));
    assert_eq!(INCR_TTL.exec_blocking(&mut conn, ["n"], [60]).unwrap(), 2);
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 0, 0));

    // Read-only: EVALSHA_RO, then EVAL_RO, never a command that could write.
    let stats = POST_STATS.exec_blocking(&mut conn, ["post:1"], ()).unwrap();
    assert_eq!(stats.0, 0);
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 1, 1));

    // The same over a pool: the script is cached now, EVALSHA alone.
    let pool = pool(&server);
    assert_eq!(INCR_TTL.exec_blocking(&pool, ["n"], [60]).unwrap(), 3);
    assert_eq!(
        INCR_TTL
            .exec_blocking(&mut pool.get().unwrap(), ["n"], [60])
            .unwrap(),
        4
    );
    assert_eq!(server.commandstats().await.scripts(), (1, 4, 1, 1));
}

#[tokio::test]
async fn an_error_the_script_raises_is_a_script_error_and_is_not_sent_again() {
    let server = RedisServer::start();
    let mut conn = server.client().get_connection().unwrap();
    let () = server.query(redis::cmd("RPUSH").arg("n").arg("x")).await;
    server.reset_stats().await;
    let err = INCR_TTL.exec_blocking(&mut conn, ["n"], [60]).unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"), "{err:?}");
    assert!(err.may_have_run());
    assert_eq!(err.script_sha1(), Some(INCR_TTL.sha1()));
    // NOSCRIPT, then EVAL, which failed inside: nothing more.
    assert_eq!(server.commandstats().await.scripts(), (1, 1, 0, 0));
}

#[tokio::test]
async fn call_blocking_loads_the_library_once_then_sends_fcall_alone() {
    let server = RedisServer::start();
    let mut conn = server.client().get_connection().unwrap();
    server.reset_stats().await;
    assert_eq!(INCR.call_blocking(&mut conn, ["k"], [60]).unwrap(), 1);
    assert_eq!(function_counts(&server).await, (2, 0, 1));
    assert_eq!(INCR.call_blocking(&pool(&server), ["k"], [60]).unwrap(), 2);
    assert_eq!(function_counts(&server).await, (3, 0, 1));
    assert!(SEED.version().is_some());
}

#[tokio::test]
async fn run_blocking_loads_each_script_in_the_batch_and_keeps_the_order() {
    let server = RedisServer::start();
    let mut conn = server.client().get_connection().unwrap();
    let push = Script::<i64>::new(PUSH);
    server.reset_stats().await;

    let mut pipe = Pipeline::new();
    let first = pipe.exec(&push, ["log"], ["a"]);
    let count = pipe.cmd::<i64>(("LLEN", "log"));
    let second = pipe.exec(&push, ["log"], ["b"]);
    let mut replies = pipe.run_blocking(&mut conn).unwrap();
    assert_eq!(replies.take(first).unwrap(), 1);
    assert_eq!(replies.take(count).unwrap(), 1);
    assert_eq!(replies.take(second).unwrap(), 2);
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("script|load"), 1);
    assert_eq!(stats.scripts(), (0, 2, 0, 0));

    let mut transaction = Transaction::new();
    let third = transaction.exec(&push, ["log"], ["c"]);
    let function = transaction.call(&INCR, ["k"], [60]);
    let mut replies = transaction.run_blocking(&pool(&server)).unwrap();
    assert_eq!(replies.take(third).unwrap(), 3);
    assert_eq!(replies.take(function).unwrap(), 1);
    assert_eq!(log(&server).await, ["a", "b", "c"]);
    assert_eq!(server.commandstats().await.calls("multi"), 1);
}

#[tokio::test]
async fn a_lost_connection_is_never_followed_by_a_second_send() {
    let mut server =
        RedisServer::start_with_args(["--appendonly", "yes", "--appendfsync", "always"]);
    let mut conn = server.client().get_connection().unwrap();
    assert_eq!(INCR_TTL.exec_blocking(&mut conn, ["n"], [60]).unwrap(), 1);
    server.kill();
    let err = INCR_TTL.exec_blocking(&mut conn, ["n"], [60]).unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Io, "{err}");
    assert!(err.may_have_run(), "{err}");

    // A pool that can not connect: nothing was sent.
    let closed = ClosedPort::new();
    let pool = r2d2::Pool::builder()
        .connection_timeout(Duration::from_millis(300))
        .build_unchecked(redis::Client::open(closed.url()).unwrap());
    let err = INCR_TTL.exec_blocking(&pool, ["n"], [60]).unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect, "{err}");
    assert!(!err.may_have_run(), "{err}");
}

/// The shared batch checks, over a blocking connection's own I/O.
#[tokio::test]
async fn the_batch_checks_pass_over_a_blocking_connection_and_a_pool() {
    for (name, check) in batches::every_check() {
        let server = RedisServer::start();
        let conn = server.client().get_connection().unwrap();
        eprintln!("{name}");
        check(&Blocking::new(Owned(conn)), &server).await;
    }
    let server = RedisServer::start();
    let pool = pool(&server);
    batches::loads_each_script_once_per_batch(&Blocking::new(&pool), &server).await;
}

/// Preloading and loading libraries, blocking: every script of the binary is cached after
/// `blocking::preload` (its calls are EVALSHA alone), and `Library::replace_blocking` loads the
/// library with REPLACE.
#[tokio::test]
async fn preload_and_libraries_have_blocking_twins() {
    let server = RedisServer::start();
    let mut conn = server.client().get_connection().unwrap();
    assert!(
        !redis_script::blocking::missing(&mut conn)
            .unwrap()
            .is_empty()
    );
    let loaded = redis_script::blocking::preload(&mut conn).unwrap();
    assert_eq!(loaded.servers, 1);
    let distinct: std::collections::HashSet<&str> =
        redis_script::scripts().iter().map(|s| s.sha1()).collect();
    assert_eq!(loaded.scripts, distinct.len());
    assert!(
        redis_script::blocking::missing(&mut conn)
            .unwrap()
            .is_empty()
    );
    server.reset_stats().await;
    assert_eq!(INCR_TTL.exec_blocking(&mut conn, ["n"], [60]).unwrap(), 1);
    assert_eq!(server.commandstats().await.scripts(), (0, 1, 0, 0));

    SEED.load_blocking(&mut conn).unwrap();
    assert_eq!(SEED.replace_blocking(&mut conn).unwrap(), 1);
    assert_eq!(INCR.call_blocking(&mut conn, ["c"], [60]).unwrap(), 1);
    let stats = server.commandstats().await;
    assert_eq!(
        (stats.calls("function|load"), stats.calls("fcall")),
        (2, 1),
        "loaded twice (the second with REPLACE), called once"
    );
}
