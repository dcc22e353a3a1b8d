//! A server without Redis Functions or read-only script commands (Redis 6.2, built by
//! `scripts/fetch-servers`): calls of functions and read-only scripts fail with one typed error that
//! says what the server lacks, sent once, never followed by a load or a second call; nothing ran.
//!
//! Tests are named `redis6_`: they start their own Redis 6.2, so `scripts/test` runs them once.

#![allow(clippy::unwrap_used)]

use redis_script::{
    BatchErrorKind, Error, Function, FunctionRO, Library, Pipeline, Script, ScriptRO, Transaction,
    lua_library,
};
use redis_script_tests::{RedisServer, judges};

lua_library! {
    static LOG: Library = "../lua/batch_log.lua";
    static PUSH: Function<i64> = "push";
    static LEN: FunctionRO<i64> = "len";
}

async fn redis6() -> RedisServer {
    let binary = judges::fetched_server("redis-6.2/bin/redis-server");
    assert!(
        binary.exists(),
        "{} is missing: run scripts/fetch-servers",
        binary.display()
    );
    let server = RedisServer::start_binary(&binary);
    let info: String = server.query(redis::cmd("INFO").arg("server")).await;
    assert!(info.contains("redis_version:6.2."), "{info}");
    server
}

/// How many error replies the server sent, of code `ERR` (`INFO errorstats`, Redis 6.2+).
async fn err_replies(server: &RedisServer) -> u64 {
    let info: String = server.query(redis::cmd("INFO").arg("errorstats")).await;
    info.lines()
        .find_map(|line| line.strip_prefix("errorstat_ERR:count="))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// The unknown command of a server error.
fn unknown(e: &Error) -> &str {
    let Error::Server(server) = e else {
        panic!("{e:?}")
    };
    server.unknown_command().unwrap_or_else(|| panic!("{e:?}"))
}

#[tokio::test]
async fn redis6_a_function_call_is_one_typed_error_that_says_functions_are_missing() {
    let server = redis6().await;
    let conn = server.connection().await;
    server.reset_stats().await;

    let e = PUSH.call(&conn, ["log"], ["x"]).await.unwrap_err();
    assert_eq!(unknown(&e), "FCALL");
    assert!(e.is_unknown_command() && !e.may_have_run(), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("no Redis Functions"), "{text}");
    assert!(text.contains("batchlog.push"), "{text}");
    let e = LEN.call(&conn, ["log"], ()).await.unwrap_err();
    assert_eq!(unknown(&e), "FCALL_RO");
    assert_eq!(
        err_replies(&server).await,
        2,
        "one command per call: no FUNCTION LOAD, no second call"
    );

    // Loading the library says the same, per server.
    let e = LOG.load(&conn).await.unwrap_err();
    let Error::Preload(refused) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(unknown(&refused.failed()[0].error), "FUNCTION");
    let exists: bool = server.query(redis::cmd("EXISTS").arg("log")).await;
    assert!(!exists, "nothing ran");
}

#[tokio::test]
async fn redis6_a_read_only_script_is_one_typed_error_and_a_script_runs() {
    let server = redis6().await;
    let conn = server.connection().await;
    server.reset_stats().await;
    let read = ScriptRO::<i64>::new("#!lua flags=no-writes\nreturn 1");
    let e = read.exec(&conn, (), ()).await.unwrap_err();
    assert_eq!(unknown(&e), "EVALSHA_RO");
    assert!(
        e.to_string().contains("no read-only script commands"),
        "{e}"
    );
    assert_eq!(err_replies(&server).await, 1, "no EVAL_RO after it");
    // Scripts themselves work: EVALSHA, NOSCRIPT, one EVAL.
    let push = Script::<i64>::new("return redis.call('RPUSH', KEYS[1], ARGV[1])");
    assert_eq!(push.exec(&conn, ["log"], ["a"]).await.unwrap(), 1);
    assert_eq!(push.exec(&conn, ["log"], ["b"]).await.unwrap(), 2);
}

#[tokio::test]
async fn redis6_function_calls_in_batches_fail_alone_in_a_pipeline_and_abort_a_transaction() {
    let server = redis6().await;
    let conn = server.connection().await;

    let mut pipe = Pipeline::new();
    let a = pipe.cmd::<i64>(("RPUSH", "log", "a"));
    let call = pipe.call(&PUSH, ["log"], ["f"]);
    let b = pipe.cmd::<i64>(("RPUSH", "log", "b"));
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!((replies.take(a).unwrap(), replies.take(b).unwrap()), (1, 2));
    let e = replies.take(call).unwrap_err();
    assert_eq!(unknown(&e), "FCALL", "the call's own error, not its load's");
    assert!(!e.may_have_run());

    // The server refuses the unknown commands while queuing: the whole transaction is discarded.
    let mut tx = Transaction::new();
    let _ = tx.cmd::<i64>(("RPUSH", "log", "c"));
    let _ = tx.call(&PUSH, ["log"], ["g"]);
    let e = tx.run(&conn).await.unwrap_err();
    let Error::Batch(aborted) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(aborted.kind(), BatchErrorKind::Aborted, "{e}");
    assert!(!e.may_have_run());
    let log: Vec<String> = server
        .query(redis::cmd("LRANGE").arg("log").arg(0).arg(-1))
        .await;
    assert_eq!(log, ["a", "b"], "nothing of the transaction ran");
}
