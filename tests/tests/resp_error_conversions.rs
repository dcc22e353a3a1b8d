//! `redis::RedisError` converts into this crate's `Error` with `?`, classified as the transports
//! classify it: a connection that was never made ran nothing; one that broke may have, and says why
//! in its text (bounded, without a host, key or argument).

#![allow(clippy::unwrap_used)]

use redis_script::{Error, Script, TransportErrorKind};
use redis_script_tests::{ClosedPort, RedisServer, error_texts};

fn incr() -> Script<i64> {
    Script::new("return redis.call('INCR', KEYS[1])")
}

/// What a service writes: connect, then call, one `Result` for both.
async fn connect_and_incr(url: &str, key: &str) -> redis_script::Result<i64> {
    let client = redis::Client::open(url)?;
    let conn = client.get_multiplexed_async_connection().await?;
    incr().exec(&conn, [key], ()).await
}

fn transport(err: &Error) -> &redis_script::error::TransportError {
    match err {
        Error::Transport(t) => t,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_connection_that_was_never_made_ran_nothing() {
    let closed = ClosedPort::new();
    let err = connect_and_incr(&closed.url(), "n").await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Connect, "{err}");
    assert!(!err.may_have_run(), "{err}");
    assert!(err.to_string().contains("onnection refused"), "{err}");
    assert!(!err.to_string().contains("may have run"), "{err}");

    // A host that does not resolve: nothing was sent either; the host is not in the text.
    let err = connect_and_incr("redis://no-such-host.invalid:6390", "n")
        .await
        .unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Connect, "{err}");
    assert!(!err.may_have_run(), "{err}");
    for text in error_texts(&err) {
        if !text.starts_with("failed to lookup") {
            assert!(!text.contains("no-such-host"), "{text}");
        }
    }

    // A URL the client refuses: a configuration error, nothing sent.
    let err = connect_and_incr("redis://[::1", "n").await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Config, "{err}");
    assert!(!err.may_have_run(), "{err}");
}

#[tokio::test]
async fn a_connection_that_broke_says_why_and_that_the_script_may_have_run() {
    let mut server = RedisServer::start();
    let conn = server.connection().await;
    let script = incr();
    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 1);
    server.kill();

    let err = script.exec(&conn, ["n"], ()).await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Io, "{err}");
    assert!(err.may_have_run(), "{err}");
    // The cause is in the text itself, not only in `source()`.
    let text = err.to_string();
    let (_, cause) = t.message().rsplit_once(": ").unwrap();
    assert!(
        [
            "broken pipe",
            "connection reset",
            "unexpected end of file",
            "Broken pipe",
            "Connection reset"
        ]
        .iter()
        .any(|known| cause.contains(known)),
        "{text}"
    );
    assert!(text.contains(cause) && text.len() < 300, "{text}");
    assert!(
        text.ends_with(&format!("(script {})", script.sha1())),
        "{text}"
    );
}

#[tokio::test]
async fn an_error_reply_to_a_command_of_the_caller_keeps_its_code() {
    let server = RedisServer::start();
    let run = async {
        let mut conn = server.client().get_multiplexed_async_connection().await?;
        let () = redis::cmd("SET")
            .arg("list")
            .arg("x")
            .query_async(&mut conn)
            .await?;
        let n: i64 = redis::cmd("LPUSH")
            .arg("list")
            .arg("y")
            .query_async(&mut conn)
            .await?;
        Ok::<i64, Error>(n)
    };
    let err = run.await.unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"), "{err:?}");
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(err.script_sha1(), None);
}
