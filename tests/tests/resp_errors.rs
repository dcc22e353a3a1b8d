//! How failures come back: server refusals, script errors, read-only violations and lost connections,
//! and that none of them makes `exec` run a script a second time.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use redis::AsyncConnectionConfig;
use redis_script::{Error, Script, ScriptRO, TransportErrorKind};
use redis_script_tests::{RedisServer, lost_reply};

const INCR: &str = "return redis.call('INCR', KEYS[1])";

/// Blocks the server for `seconds` from another connection, the way a slow script or a stalled network
/// would, and returns when the sleep has started.
async fn stall(server: &RedisServer, seconds: f64) -> tokio::task::JoinHandle<()> {
    let patient = AsyncConnectionConfig::new().set_response_timeout(None);
    let mut conn = server.connection_with_config(&patient).await;
    let task = tokio::spawn(async move {
        let () = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg(seconds)
            .query_async(&mut conn)
            .await
            .unwrap();
    });
    // Give the DEBUG SLEEP time to reach the server before the command under test.
    tokio::time::sleep(Duration::from_millis(100)).await;
    task
}

/// Polls `GET key` until it equals `expected` (the stalled command runs once the server wakes up).
async fn wait_for(server: &RedisServer, key: &str, expected: Option<i64>) -> Option<i64> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let value: Option<i64> = server.query(redis::cmd("GET").arg(key)).await;
        if value == expected || Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_timeout_is_returned_not_retried() {
    let server = RedisServer::start_with_args(["--enable-debug-command", "local"]);
    let config =
        AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_millis(200)));
    let conn = server.connection_with_config(&config).await;
    let script = Script::<i64>::new(INCR);
    assert_eq!(server.script_load(INCR).await, script.sha1());
    server.reset_stats().await;

    let sleeper = stall(&server, 0.8).await;
    let err = script.exec(&conn, ["n"], ()).await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Timeout, "{err:?}");
    assert!(err.may_have_run());
    sleeper.await.unwrap();

    // It did run, once, when the server woke up: that is why a timeout is never retried.
    assert_eq!(wait_for(&server, "n", Some(1)).await, Some(1));
    assert_eq!(server.commandstats().await.scripts(), (0, 1, 0, 0));
}

#[tokio::test]
async fn a_late_noscript_after_a_timeout_does_not_trigger_eval() {
    let server = RedisServer::start_with_args(["--enable-debug-command", "local"]);
    let config =
        AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_millis(200)));
    let conn = server.connection_with_config(&config).await;
    let script = Script::<i64>::new(INCR);
    server.reset_stats().await;

    let sleeper = stall(&server, 0.6).await;
    let err = script.exec(&conn, ["n"], ()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_run());
    sleeper.await.unwrap();

    // The EVALSHA was answered NOSCRIPT after the caller gave up; nothing followed it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.commandstats().await.calls("evalsha") == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.commandstats().await.scripts(), (0, 1, 0, 0));
    assert_eq!(wait_for(&server, "n", None).await, None);
    // The connection still works afterwards.
    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 1);
}

#[tokio::test]
async fn a_dead_server_gives_a_transport_error() {
    let mut server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(INCR);
    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 1);

    server.kill();
    let err = script.exec(&conn, ["n"], ()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.code(), None);
    assert!(!err.is_noscript());
}

#[tokio::test]
async fn a_read_only_script_that_writes_is_refused() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = ScriptRO::<()>::new("return redis.call('SET', KEYS[1], 'x')");

    let err = script.exec(&conn, ["k"], ()).await.unwrap_err();
    assert!(err.is_read_only_violation(), "{err:?}");
    assert!(!err.is_noscript());
    let value: Option<String> = server.query(redis::cmd("GET").arg("k")).await;
    assert_eq!(value, None);
    // Never retried as a plain EVAL.
    assert_eq!(server.commandstats().await.scripts(), (0, 0, 1, 1));

    // A `no-writes` shebang makes the server refuse it even from EVAL.
    let flagged =
        Script::<()>::new("#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], 'x')");
    let err = flagged.exec(&conn, ["k"], ()).await.unwrap_err();
    assert!(err.is_read_only_violation(), "{err:?}");
    let value: Option<String> = server.query(redis::cmd("GET").arg("k")).await;
    assert_eq!(value, None);
}

#[tokio::test]
async fn a_failing_call_keeps_code_message_and_line() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let () = server.query(redis::cmd("RPUSH").arg("list").arg("x")).await;
    let script = Script::<i64>::new("local n = 1\nreturn redis.call('INCR', KEYS[1])");

    let err = script.exec(&conn, ["list"], ()).await.unwrap_err();
    let Error::Script(e) = &err else {
        panic!("expected a script error, got {err:?}")
    };
    assert_eq!(e.code(), "WRONGTYPE");
    assert_eq!(
        e.message(),
        "Operation against a key holding the wrong kind of value"
    );
    assert_eq!(e.line(), Some(2));
    assert_eq!(e.sha1(), Some(script.sha1()));
    assert!(err.may_have_run());
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[tokio::test]
async fn lua_errors_are_script_errors_with_their_line() {
    let server = RedisServer::start();
    let conn = server.connection().await;

    let raised = Script::<()>::new("local a = 1\nlocal b = 2\nerror('boom')");
    let err = raised.exec(&conn, (), ()).await.unwrap_err();
    let Error::Script(e) = &err else {
        panic!("expected a script error, got {err:?}")
    };
    assert_eq!(e.code(), "ERR");
    assert!(e.message().contains("boom"), "{e:?}");
    assert_eq!(e.line(), Some(3));

    let custom = Script::<()>::new("return redis.error_reply('MYCODE my message')");
    let err = custom.exec(&conn, (), ()).await.unwrap_err();
    assert_eq!(err.code(), Some("MYCODE"), "{err:?}");

    // A script that does not compile is refused by EVAL, after the EVALSHA's NOSCRIPT.
    let broken = Script::<()>::new("return +");
    let err = broken.exec(&conn, (), ()).await.unwrap_err();
    let Error::Script(e) = &err else {
        panic!("expected a script error, got {err:?}")
    };
    assert_eq!(e.line(), Some(1), "{e:?}");
    assert!(!err.is_noscript());
}

#[tokio::test]
async fn a_reply_of_the_wrong_shape_is_a_decode_error() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new("return 'not a number'");
    let err = script.exec(&conn, (), ()).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.may_have_run());
}

/// The server runs the script, then drops the connection instead of replying (the reply is larger than
/// a client may buffer): the error says the script may have run, and it is not sent again.
#[tokio::test]
async fn a_reply_lost_after_the_script_ran_is_not_resent() {
    let server = RedisServer::start();
    let script = lost_reply::prepare(&server).await;

    let multiplexed = server.connection().await;
    let err = script.exec(&multiplexed, ["n"], ()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_run());
    let runs: i64 = server.query(redis::cmd("GET").arg("n")).await;
    assert_eq!(runs, 1, "multiplexed: ran {runs} times");

    let manager = server.connection_manager().await;
    let err = script.exec(&manager, ["n"], ()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_run());
    let runs: i64 = server.query(redis::cmd("GET").arg("n")).await;
    assert_eq!(runs, 2, "connection manager: ran {} times", runs - 1);

    assert_eq!(server.commandstats().await.scripts(), (0, 2, 0, 0));
}

#[tokio::test]
async fn an_error_the_script_returns_after_writing_says_it_may_have_run() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let limited = Script::<i64>::new(
        "redis.call('INCR', KEYS[1]) return redis.error_reply('LIMITED too many requests')",
    );
    let err = limited.exec(&conn, ["hits"], ()).await.unwrap_err();
    // Redis sends an error the script returns bare, like one of its own refusals ...
    let Error::Server(server_error) = &err else {
        panic!("expected Error::Server, got {err:?}")
    };
    assert_eq!(server_error.code(), "LIMITED");
    assert!(!server_error.is_refusal());
    // ... but the INCR before it happened, so a caller must not retry blindly.
    assert!(err.may_have_run());
    let hits: i64 = server.query(redis::cmd("GET").arg("hits")).await;
    assert_eq!(hits, 1);

    // A real refusal (CROSSSLOT needs a cluster; an unknown-flag shebang needs none) ran nothing.
    let refused =
        Script::<i64>::new("#!lua flags=no-such-flag\nreturn redis.call('INCR', KEYS[1])");
    let err = refused.exec(&conn, ["hits"], ()).await.unwrap_err();
    assert!(!err.may_have_run(), "{err}");
    let hits: i64 = server.query(redis::cmd("GET").arg("hits")).await;
    assert_eq!(hits, 1);
}
