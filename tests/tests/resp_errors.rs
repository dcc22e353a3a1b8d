//! How failures come back: server refusals, script errors, read-only violations and lost connections,
//! and that none of them makes `exec` run a script a second time.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use redis::AsyncConnectionConfig;
use redis_script::{Error, Reply, Script, ScriptRO, TransportErrorKind};
use redis_script_tests::{RedisServer, lost_reply};

const INCR: &str = "return redis.call('INCR', KEYS[1])";

/// How long [`pause`] holds every command: far longer than the 200 ms response timeout of the tests.
const PAUSE_MS: u64 = 3000;

/// Holds every command of every client for [`PAUSE_MS`] (`CLIENT PAUSE .. ALL`), the way a slow script or
/// a stalled network would. Returns once the server acknowledged it, so the pause is in force before the
/// command under test is sent; it ends by itself (`CLIENT UNPAUSE` would be held as well).
async fn pause(server: &RedisServer) {
    let () = server
        .query(redis::cmd("CLIENT").arg("PAUSE").arg(PAUSE_MS).arg("ALL"))
        .await;
}

/// Polls `GET key` until it equals `expected` (the stalled command runs once the server wakes up).
async fn wait_for(server: &RedisServer, key: &str, expected: Option<i64>) -> Option<i64> {
    let deadline = Instant::now() + Duration::from_secs(10);
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
    let server = RedisServer::start();
    let config =
        AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_millis(200)));
    let conn = server.connection_with_config(&config).await;
    let script = Script::<i64>::new(INCR);
    assert_eq!(server.script_load(INCR).await, script.sha1());
    server.reset_stats().await;

    pause(&server).await;
    let started = Instant::now();
    let err = script.exec(&conn, ["n"], ()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(PAUSE_MS),
        "returned only after the pause"
    );
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Timeout, "{err:?}");
    assert!(err.may_have_run());

    // It did run, once, when the server woke up: that is why a timeout is never retried.
    assert_eq!(wait_for(&server, "n", Some(1)).await, Some(1));
    assert_eq!(server.commandstats().await.scripts(), (0, 1, 0, 0));
}

#[tokio::test]
async fn a_late_noscript_after_a_timeout_does_not_trigger_eval() {
    let server = RedisServer::start();
    let config =
        AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_millis(200)));
    let conn = server.connection_with_config(&config).await;
    let script = Script::<i64>::new(INCR);
    server.reset_stats().await;

    pause(&server).await;
    let err = script.exec(&conn, ["n"], ()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.code(), None, "{err:?}");
    assert!(err.may_have_run());

    // The EVALSHA was answered NOSCRIPT after the caller gave up; nothing followed it.
    let deadline = Instant::now() + Duration::from_secs(10);
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
    // Every write is in the append-only file before it is answered, so a new server started on the
    // same directory shows exactly what ran.
    let durable = ["--appendonly", "yes", "--appendfsync", "always"];
    let mut server = RedisServer::start_with_args(durable);
    let conn = server.connection().await;
    let script = Script::<i64>::new(INCR);
    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 1);

    server.kill();
    let err = script.exec(&conn, ["n"], ()).await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    // The connection broke: the library can not tell whether the command left, so it says it may
    // have run.
    assert_eq!(transport.kind(), TransportErrorKind::Io, "{err:?}");
    assert!(err.may_have_run(), "{err:?}");
    assert_eq!(err.code(), None);
    assert!(!err.is_noscript());

    // Nothing ran: the counter the restarted server reads back is still the first call's.
    let mut args: Vec<std::ffi::OsString> = vec!["--dir".into(), server.dir().into()];
    args.extend(durable.map(Into::into));
    let restarted = RedisServer::start_with_args(args);
    let n: Option<i64> = restarted.query(redis::cmd("GET").arg("n")).await;
    assert_eq!(n, Some(1));
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
    assert!(e.is_compile_error(), "{e:?}");
    assert!(!err.may_have_run(), "{err:?}");
    assert!(!err.is_noscript());
}

/// An error reply at the top level is the error of the call, never a `Reply` value, whether the script
/// returned it or raised it.
#[tokio::test]
async fn a_top_level_error_reply_is_never_a_reply_value() {
    let server = RedisServer::start();
    let conn = server.connection().await;

    let returned = Script::<Reply>::new("return redis.error_reply('ERR x')");
    let err = returned.exec(&conn, (), ()).await.unwrap_err();
    let Error::Server(e) = &err else {
        panic!("expected Error::Server, got {err:?}")
    };
    assert_eq!((e.code(), e.message()), ("ERR", "x"));

    let raised = Script::<Reply>::new("error('boom')");
    let err = raised.exec(&conn, (), ()).await.unwrap_err();
    let Error::Script(e) = &err else {
        panic!("expected Error::Script, got {err:?}")
    };
    assert!(e.message().contains("boom"), "{e:?}");

    // Nested in a table it stays in place, as a value.
    let nested = Script::<Reply>::new("return {1, redis.error_reply('ERR x')}");
    assert_eq!(
        nested.exec(&conn, (), ()).await.unwrap(),
        Reply::Array(vec![Reply::Int(1), Reply::Error("ERR x".to_owned())])
    );
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

const SECRET_KEY: &str = "key-s3cr3t-k1";
const SECRET_ARG: &str = "arg-s3cr3t-a1";
const SECRET_PASSWORD: &str = "pw-s3cr3t-p1";
const SECRETS: [&str; 3] = [SECRET_KEY, SECRET_ARG, SECRET_PASSWORD];

fn assert_no_secrets(err: &Error) {
    redis_script_tests::assert_no_secrets(err, &SECRETS);
}

/// Errors of calls with distinctive keys and arguments never show them. A decode error shows (an
/// excerpt of) the reply, which is the script's to choose: the scripts here reply without echoing
/// their keys or arguments.
#[tokio::test]
async fn error_texts_never_contain_keys_or_arguments() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let keys = [SECRET_KEY];
    let args = [SECRET_ARG];

    let raised = Script::<()>::new("local k, a = KEYS[1], ARGV[1]\nerror('boom')");
    let err = raised.exec(&conn, keys, args).await.unwrap_err();
    assert!(matches!(err, Error::Script(_)), "{err:?}");
    assert_no_secrets(&err);

    let () = server
        .query(redis::cmd("RPUSH").arg(SECRET_KEY).arg("x"))
        .await;
    let wrongtype = Script::<i64>::new("return redis.call('INCRBY', KEYS[1], #ARGV[1])");
    let err = wrongtype.exec(&conn, keys, args).await.unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"), "{err:?}");
    assert_no_secrets(&err);

    let returned = Script::<()>::new("return redis.error_reply('LIMITED ' .. #ARGV[1])");
    let err = returned.exec(&conn, keys, args).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_no_secrets(&err);

    // An argument a script makes the code of its error (any word of capitals, digits, `-` and `_`).
    let coded = Script::<()>::new("return redis.error_reply(ARGV[1] .. ' rejected')");
    for code in ["ORDER-8841-XK", "JBSWY3DPEHPK3PXP"] {
        let err = coded.exec(&conn, keys, [code]).await.unwrap_err();
        assert_eq!(err.code(), Some("<redacted>"), "{err:?}");
        assert!(err.may_have_run(), "{err:?}");
        redis_script_tests::assert_no_secrets(&err, &[code]);
    }
    // The server's own codes stay, whatever the arguments.
    let err = coded.exec(&conn, keys, ["WRONGTYPE"]).await.unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"), "{err:?}");

    let read_only = ScriptRO::<()>::new("return redis.call('SET', KEYS[1], ARGV[1])");
    let err = read_only.exec(&conn, keys, args).await.unwrap_err();
    assert!(err.is_read_only_violation(), "{err:?}");
    assert_no_secrets(&err);

    let decode = Script::<i64>::new("return 'not a number'");
    let err = decode.exec(&conn, keys, args).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_no_secrets(&err);

    let config =
        AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_millis(200)));
    let impatient = server.connection_with_config(&config).await;
    pause(&server).await;
    let err = raised.exec(&impatient, keys, args).await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Timeout, "{err:?}");
    assert_no_secrets(&err);
}

/// The password in the URL never shows in an error: not when the server refuses it, not when a
/// connection that had logged in can not log in again.
#[tokio::test]
async fn error_texts_never_contain_the_password_of_the_url() {
    let server = RedisServer::start();
    // Set after the start (the harness waits for an answer to a PING without password). From here on
    // only connections with the password get in.
    let () = server
        .query(
            redis::cmd("CONFIG")
                .arg("SET")
                .arg("requirepass")
                .arg(SECRET_PASSWORD),
        )
        .await;
    let url = format!("redis://:{SECRET_PASSWORD}@127.0.0.1:{}/", server.port());
    let script = Script::<i64>::new(INCR);
    let mut admin = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();

    // Without the password: NOAUTH, a refusal.
    let anonymous = server.connection().await;
    let err = script
        .exec(&anonymous, [SECRET_KEY], [SECRET_ARG])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NOAUTH"), "{err:?}");
    assert!(!err.may_have_run());
    assert_no_secrets(&err);

    // A wrong password in a pool's URL: no connection is handed out.
    let wrong = format!(
        "redis://:{SECRET_PASSWORD}-wrong@127.0.0.1:{}/",
        server.port()
    );
    let pool = deadpool_redis::Config::from_url(wrong.as_str())
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .unwrap();
    let err = script
        .exec(&pool, [SECRET_KEY], [SECRET_ARG])
        .await
        .unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect, "{err:?}");
    assert!(!err.may_have_run());
    assert_no_secrets(&err);

    // A managed connection logged in, then the password changes and its connection is killed: the
    // reconnects are refused.
    let manager = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection_manager()
        .await
        .unwrap();
    assert_eq!(script.exec(&manager, ["n"], ()).await.unwrap(), 1);
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("another-password")
        .query_async(&mut admin)
        .await
        .unwrap();
    // SKIPME (the default) keeps `admin` itself.
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(killed >= 1);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let err = script
            .exec(&manager, [SECRET_KEY], [SECRET_ARG])
            .await
            .unwrap_err();
        assert_no_secrets(&err);
        // First the broken connection, then the refused login of the reconnect.
        if err.to_string().contains("authentication failed") {
            // The login was refused while reconnecting, before the command was written.
            let Error::Transport(transport) = &err else {
                panic!("expected a transport error, got {err:?}")
            };
            assert_eq!(transport.kind(), TransportErrorKind::Unauthorized);
            assert!(!err.may_have_run(), "{err}");
            break;
        }
        assert!(Instant::now() < deadline, "no refused login: {err:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_error_of_a_call_names_its_script_and_never_its_keys() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let () = server
        .query(redis::cmd("RPUSH").arg("list-k3y").arg("x"))
        .await;
    let named = Script::<i64>::new("return redis.call('INCR', KEYS[1])")
        .with_name("counters/incr")
        .unwrap();
    let says_which = |err: &Error, sha1: &str| {
        assert_eq!(err.script_name(), Some("counters/incr"), "{err:?}");
        assert_eq!(err.script_sha1(), Some(sha1), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("script \"counters/incr\" ({sha1})")),
            "{text}"
        );
        assert!(!text.contains("k3y") && !text.contains("s3cr3t"), "{text}");
    };

    // Raised in the script.
    let err = named
        .exec(&conn, ["list-k3y"], ["s3cr3t"])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Script(_)));
    says_which(&err, named.sha1());
    // Refused by the server: EVALSHA alone of a script it does not have.
    server.script_flush().await;
    let err = named.evalsha(&conn, ["k3y"], ()).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)) && err.is_noscript());
    says_which(&err, named.sha1());
    // A reply that does not fit the type.
    let table = Script::<i64>::new("return {1, 2}")
        .with_name("counters/incr")
        .unwrap();
    let err = table.exec(&conn, ["k3y"], ()).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)));
    says_which(&err, table.sha1());
    // No reply in time: the server holds every command.
    let impatient = server
        .connection_with_config(
            &redis::AsyncConnectionConfig::new()
                .set_response_timeout(Some(std::time::Duration::from_millis(100))),
        )
        .await;
    let () = server
        .query(redis::cmd("CLIENT").arg("PAUSE").arg(500).arg("ALL"))
        .await;
    let err = named
        .exec(&impatient, ["k3y"], ["s3cr3t"])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    says_which(&err, named.sha1());
    // A script without a name is named by its SHA-1.
    let anonymous = Script::<i64>::new("return redis.call('INCR', KEYS[1])");
    let err = anonymous.exec(&conn, ["list-k3y"], ()).await.unwrap_err();
    assert_eq!(err.script_name(), None);
    assert_eq!(err.script_sha1(), Some(anonymous.sha1()));
}
