//! What "nothing ran" and "may have run" are worth over RESP when things go wrong on purpose: a
//! transaction whose MULTI the server refuses, and pipelines and transactions cut, byte by byte, by a
//! proxy. The server's own state (a list each entry pushes its id to) says what ran.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use redis_script::{
    BatchErrorKind, Error, Reply, Script, Transaction, Transport, TransportErrorKind,
};
use redis_script_tests::RedisServer;
use redis_script_tests::batches::{PUSH, log};
use redis_script_tests::proxy::{Direction, FaultProxy};
use redis_script_tests::sweep::{self, Shape};
use redis_script_tests::tally::Tally;

/// A transaction of a command and a script call, sent where the server refuses MULTI: each ran once,
/// on its own, and the error says so, with each entry's own result.
async fn multi_refused<C: Transport>(conn: &C, server: &RedisServer) {
    let script = Script::<i64>::new(PUSH);
    let mut tx = Transaction::new();
    let _ = tx.cmd::<i64>(("INCR", "counter"));
    let _ = tx.exec(&script, ["log"], ["a"]);
    let err = tx.run(conn).await.unwrap_err();
    let counter: i64 = server.query(redis::cmd("GET").arg("counter")).await;
    assert_eq!((counter, log(server).await), (1, vec!["a".to_owned()]));
    assert!(err.may_have_run(), "{err:?}");
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::NotAtomic, "{err}");
    assert!(err.to_string().contains("refused MULTI"), "{err}");
    assert_eq!(batch.entries(), [0, 1]);
    let results: Vec<&Reply> = batch
        .results()
        .iter()
        .map(|r| r.as_ref().unwrap())
        .collect();
    assert_eq!(results, [&Reply::Int(1), &Reply::Int(1)]);
}

#[tokio::test]
async fn a_transaction_on_a_server_that_renamed_multi_away_says_its_entries_ran_one_by_one() {
    let server = RedisServer::start_with_config("rename-command MULTI \"\"\n");
    multi_refused(&server.connection().await, &server).await;
}

#[tokio::test]
async fn a_transaction_of_a_user_denied_multi_says_its_entries_ran_one_by_one() {
    let server = RedisServer::start();
    let conn = server.connection_denied("-multi").await;
    multi_refused(&conn, &server).await;
}

/// A `ConnectionManager` whose connection broke reconnects before the next command: when the new
/// connection times out (the proxy holds every reply, the handshake's included), the command was
/// never sent, and the error says so.
#[tokio::test]
async fn a_connection_manager_whose_reconnect_times_out_sends_nothing_and_says_so() {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port()).await;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(200)))
        .set_response_timeout(Some(Duration::from_millis(200)))
        .set_number_of_retries(0);
    let conn = redis::Client::open(proxy.url())
        .unwrap()
        .get_connection_manager_with_config(config)
        .await
        .unwrap();
    let script = Script::<i64>::new(PUSH);
    assert_eq!(script.exec(&conn, ["log"], ["first"]).await.unwrap(), 1);

    proxy.hold_after(Direction::ToClient, 0);
    proxy.cut_all();
    proxy.cut(1).await;
    // The first command after the cut may find the broken connection (and then may have run); the
    // ones after it meet the reconnect, which times out.
    let mut not_sent = 0;
    for i in 0..3 {
        let err = script
            .exec(&conn, ["log"], [format!("lost {i}")])
            .await
            .unwrap_err();
        if !err.may_have_run() {
            assert!(
                matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Connect),
                "{err:?}"
            );
            not_sent += 1;
        }
    }
    proxy.release();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ran = log(&server).await;
    assert!(not_sent >= 2, "{not_sent} of 3 said nothing was sent");
    assert!(ran.len() <= 1 + (3 - not_sent), "{ran:?}");
    assert_eq!(ran[0], "first");
    assert!(
        ran.iter().filter(|id| id.starts_with("lost")).count() <= 3 - not_sent,
        "{ran:?}"
    );
}

/// A pipeline and a transaction of three calls, cut after every byte they send and after every byte
/// of their replies, and held after every byte they send while another client flushes the script
/// cache: no entry runs twice, none that answered is missing, none that says it did not run ran.
#[tokio::test]
async fn batches_cut_at_every_byte_run_each_entry_at_most_once_and_say_so() {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port()).await;
    let setup = sweep::over_resp(&server, &proxy);
    let mut tally = Tally::default();
    let mut run = 0;
    let mut boundaries = 0;
    for atomic in [false, true] {
        let shape = Shape { atomic, entries: 3 };
        let (cut, runs, sent) = setup.both_ways(run, shape, 2000).await;
        tally.merge(cut);
        (run, boundaries) = (run + runs, boundaries + runs - 1);
        let offsets: Vec<u64> = (0..sent).collect();
        boundaries += offsets.len();
        let flush = async || server.script_flush().await;
        tally.merge(setup.flushes(run, shape, &offsets, flush).await);
        run += offsets.len();
    }
    eprintln!("{boundaries} byte boundaries swept");
    tally.assert_exactly_once("RESP pipelines and transactions through the proxy");
}

/// A call dropped while it waits for the server's NOSCRIPT (a timeout around `exec`) never sends its
/// EVAL: the script did not run, and nothing is sent later on its behalf.
#[tokio::test]
async fn a_call_dropped_before_its_fallback_never_sends_it() {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port()).await;
    let conn = redis::Client::open(proxy.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let script = Script::<i64>::new(PUSH);
    server.reset_stats().await;
    proxy.hold_after(Direction::ToClient, 0);
    let dropped = tokio::time::timeout(
        Duration::from_millis(100),
        script.exec(&conn, ["log"], ["dropped"]),
    )
    .await;
    assert!(dropped.is_err(), "{dropped:?}");
    proxy.release();
    // The held NOSCRIPT reaches the connection, which has no one waiting for it any more.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.commandstats().await.scripts(), (0, 1, 0, 0));
    assert!(log(&server).await.is_empty());
    // The connection is still of use.
    assert_eq!(script.exec(&conn, ["log"], ["next"]).await.unwrap(), 1);
}
