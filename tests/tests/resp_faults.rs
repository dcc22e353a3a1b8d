//! What "nothing ran" and "may have run" are worth over RESP when things go wrong on purpose: a
//! transaction whose MULTI the server refuses, and pipelines and transactions cut, byte by byte, by a
//! proxy. The server's own state (a list each entry pushes its id to) says what ran.

#![allow(clippy::unwrap_used)]

use redis_script::{BatchErrorKind, Error, Reply, Script, Transaction, Transport};
use redis_script_tests::RedisServer;
use redis_script_tests::batches::{PUSH, log};

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
