//! No key or argument of a call in its error, where the server echoes them: in NOGROUP and
//! unknown-subcommand errors, in what a script raises or returns with its arguments in it, in the
//! errors of a transaction refused as a whole; over RESP, a cluster and REST. The text as the server
//! sent it stays readable through `unredacted_message`.

#![allow(clippy::unwrap_used)]

use redis_script::{BatchErrorKind, Error, Pipeline, Script, Transaction, Transport};
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{RedisCluster, RedisServer, error_texts};

const KEY: &str = "{s3cr3t}:user42";
const GROUP: &str = "grp-s3cr3t";
const NAME: &str = "alice-s3cr3t";
const SUB: &str = "sub-s3cr3t";

/// The message as the server sent it.
fn unredacted(err: &Error) -> &str {
    match err {
        Error::Server(e) => e.unredacted_message(),
        Error::Script(e) => e.unredacted_message(),
        other => panic!("{other:?}"),
    }
}

/// No text of `err` shows a secret; the unredacted message shows `expected`.
fn hidden(err: &Error, secrets: &[&str], expected: &str) {
    for text in error_texts(err) {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} shown in: {text}");
        }
    }
    assert!(err.to_string().contains("<redacted>"), "{err}");
    assert!(unredacted(err).contains(expected), "{err:?}");
}

/// `commands`: with commands whose keys a cluster can not tell (XREADGROUP, an unknown subcommand).
async fn echoed_values_are_hidden<C: Transport>(conn: &C, commands: bool) {
    // A command the script calls echoes its key and group: raised with redis.call (a script
    // error), or returned from redis.pcall (a server error).
    let call = Script::<()>::new(
        "return redis.call('XREADGROUP', 'GROUP', ARGV[1], 'c', 'STREAMS', KEYS[1], '>')",
    );
    let err = call.exec(conn, [KEY], [GROUP]).await.unwrap_err();
    assert_eq!(err.code(), Some("NOGROUP"), "{err:?}");
    hidden(&err, &[KEY, GROUP], &format!("'{KEY}'"));
    let pcall = Script::<()>::new(
        "return redis.pcall('XREADGROUP', 'GROUP', ARGV[1], 'c', 'STREAMS', KEYS[1], '>')",
    );
    let err = pcall.exec(conn, [KEY], [GROUP]).await.unwrap_err();
    hidden(&err, &[KEY, GROUP], GROUP);

    // The script's own error, with an argument in it.
    let own = Script::<()>::new("return redis.error_reply('LIMITED no quota for ' .. ARGV[1])");
    let err = own.exec(conn, [KEY], [NAME]).await.unwrap_err();
    hidden(&err, &[NAME], NAME);
    let raised = Script::<()>::new("error('no user ' .. ARGV[1])");
    let err = raised.exec(conn, [KEY], [NAME]).await.unwrap_err();
    hidden(&err, &[NAME], NAME);

    // Entries of a pipeline: a script call, XREADGROUP, and an unknown subcommand.
    let mut pipe = Pipeline::new();
    let script = pipe.exec(&call, [KEY], [GROUP]);
    let mut replies = if commands {
        let read = pipe.cmd::<()>(("XREADGROUP", "GROUP", GROUP, "c", "STREAMS", KEY, ">"));
        let sub = pipe.cmd::<()>(("OBJECT", SUB, KEY));
        let mut replies = pipe.run(conn).await.unwrap();
        hidden(&replies.take(read).unwrap_err(), &[KEY, GROUP], GROUP);
        hidden(&replies.take(sub).unwrap_err(), &[KEY, SUB], SUB);
        replies
    } else {
        pipe.run(conn).await.unwrap()
    };
    hidden(&replies.take(script).unwrap_err(), &[KEY, GROUP], GROUP);
}

/// A transaction refused as a whole names each refused entry with the server's error, values out.
async fn refused_transaction_hides_values<C: Transport>(conn: &C) {
    let mut tx = Transaction::new();
    let _ = tx.cmd::<()>(("INCR", KEY));
    let _ = tx.cmd::<()>(("OBJECT", SUB, KEY));
    let err = tx.run(conn).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::Aborted, "{err}");
    for text in error_texts(&err) {
        assert!(!text.contains(SUB) && !text.contains(KEY), "{text}");
    }
}

#[tokio::test]
async fn over_resp_echoed_keys_and_arguments_are_hidden() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    echoed_values_are_hidden(&conn, true).await;
    refused_transaction_hides_values(&conn).await;
}

#[tokio::test]
async fn over_rest_echoed_keys_and_arguments_are_hidden() {
    let server = RedisServer::start();
    let local = UpstashLocal::start(&server);
    let upstash = redis_script::rest::Upstash::new(local.url(), local.token()).unwrap();
    echoed_values_are_hidden(&upstash, true).await;
    refused_transaction_hides_values(&upstash).await;
}

#[tokio::test]
async fn on_a_cluster_echoed_keys_and_arguments_are_hidden() {
    let cluster = RedisCluster::start(3, 0);
    echoed_values_are_hidden(&cluster.exactly_once().await, false).await;
    echoed_values_are_hidden(&cluster.connection_without_retries().await, false).await;
}

/// What the server prints in a form of its own is not the value sent, and stays: GEOADD shows the
/// coordinates it refused with six decimals.
#[tokio::test]
async fn a_value_the_server_prints_in_its_own_form_is_shown_as_the_server_printed_it() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let mut pipe = Pipeline::new();
    let geo = pipe.cmd::<()>(("GEOADD", "places", "200.123", "91.5", "somewhere-s3cr3t"));
    let err = pipe.run(&conn).await.unwrap().take(geo).unwrap_err();
    assert!(err.to_string().contains("200.123000,91.500000"), "{err}");
}
