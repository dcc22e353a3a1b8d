//! Pipelines and transactions over RESP: the checks every transport must pass
//! (`redis_script_tests::batches`), and what only RESP shows: the entries named in a refused
//! transaction, a flush storm from another client, a dropped connection, every connection kind, replicas.

#![allow(clippy::unwrap_used)]

use redis_script::{
    BatchErrorKind, Error, Pipeline, Script, ScriptRO, Transaction, TransportErrorKind,
};
use redis_script_tests::batches::{self, PUSH, log};
use redis_script_tests::{RedisServer, assert_no_secrets, lost_reply};

#[tokio::test]
async fn a_pipeline_of_100_calls_of_two_scripts_loads_each_once_and_sends_100_evalsha() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::loads_each_script_once_per_batch(&conn, &server).await;
}

#[tokio::test]
async fn after_batch_loading_sends_no_script_when_warm_and_runs_noscript_entries_once_after() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::after_batch_loading(&conn, &server).await;
}

#[tokio::test]
async fn a_script_flush_in_the_middle_of_a_pipeline_still_runs_every_entry_once_in_order() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::flush_in_the_middle(&conn, &server).await;
}

#[tokio::test]
async fn an_empty_batch_sends_nothing() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::empty_batches(&conn, &server).await;
}

#[tokio::test]
async fn a_batch_over_its_limits_is_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::limits(&conn, &server).await;
}

#[tokio::test]
async fn commands_that_would_change_the_connection_are_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::connection_commands(&conn, &server).await;
}

#[tokio::test]
async fn a_transaction_on_a_cold_cache_loads_its_scripts_inside_and_runs_atomically() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::transaction_on_a_cold_cache(&conn, &server).await;
}

#[tokio::test]
async fn a_command_failing_inside_exec_is_its_own_error_and_the_others_ran() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::failing_inside_exec(&conn, &server).await;
}

#[tokio::test]
async fn a_decode_failure_of_one_entry_leaves_the_others_intact() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::decode_failure(&conn, &server).await;
}

#[tokio::test]
async fn a_script_returning_noscript_itself_runs_once_in_a_pipeline_and_in_a_transaction() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::noscript_returned_by_a_script(&conn, &server).await;
}

#[tokio::test]
async fn a_script_returning_a_redirect_itself_may_have_run_in_a_pipeline_and_in_a_transaction() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::redirect_returned_by_a_script(&conn, &server).await;
}

#[tokio::test]
async fn an_evalsha_written_as_a_command_keeps_its_noscript() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::raw_evalsha_keeps_its_noscript(&conn, &server).await;
}

#[tokio::test]
async fn a_script_redis_can_not_compile_fails_its_calls_with_the_compile_error() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    batches::compile_error(&conn, &server).await;
}

#[tokio::test]
async fn pipelines_keep_every_entry_at_most_once_and_in_order_while_another_client_flushes() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(PUSH);
    let padding = "p".repeat(4096);
    let flusher = server.connection().await;
    let mut hits = 0;
    for round in 0..10 {
        let _: () = server.query(redis::cmd("DEL").arg("log")).await;
        // Large enough (about 1 MiB) that the server reads it in several parts, letting the other
        // client's SCRIPT FLUSH land between entries.
        let mut pipe = Pipeline::new();
        let mut queued = Vec::new();
        for i in 0..256 {
            queued.push(if i % 16 == 7 {
                (
                    i,
                    None,
                    Some(pipe.cmd::<i64>(("RPUSH", "log", i, &padding))),
                )
            } else {
                (i, Some(pipe.exec(&script, ["log"], (i, &padding))), None)
            });
        }
        let storm = async {
            let mut flusher = flusher.clone();
            for _ in 0..50 {
                let _: () = redis::cmd("SCRIPT")
                    .arg("FLUSH")
                    .query_async(&mut flusher)
                    .await
                    .unwrap();
                tokio::task::yield_now().await;
            }
        };
        let (replies, ()) = tokio::join!(pipe.run(&conn), storm);
        let mut replies = replies.unwrap();
        // The effects are exactly the entries that ran, in the order they were added.
        let mut ran = Vec::new();
        for (i, call, raw) in queued {
            let result = match (call, raw) {
                (Some(call), None) => replies.take(call),
                (None, Some(raw)) => replies.take(raw),
                _ => unreachable!(),
            };
            match result {
                Ok(_) => ran.push(i.to_string()),
                Err(Error::Batch(e)) if e.kind() == BatchErrorKind::NotRun => {
                    assert!(!Error::Batch(e).may_have_run());
                    hits += 1;
                }
                Err(e) => panic!("round {round}, entry {i}: {e}"),
            }
        }
        // Every entry pushed its index and then (raw commands) the padding, or (scripts) ARGV[1] only.
        let effects: Vec<String> = log(&server)
            .await
            .into_iter()
            .filter(|e| !e.starts_with('p'))
            .collect();
        assert_eq!(effects, ran, "round {round}");
    }
    // The path under test was taken: some flush landed inside a batch (thousands do, here).
    assert!(hits > 0, "no flush landed inside a batch");
}

#[tokio::test]
async fn a_transaction_the_server_refuses_as_a_whole_runs_nothing_and_names_the_entry() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(PUSH);
    let secret_key = "s3cr3t:key";
    let mut tx = Transaction::new();
    let _ = tx.exec(&script, ["log"], ["a"]);
    let _ = tx.cmd::<()>(("SET", secret_key, "v"));
    let _ = tx.cmd::<()>(["GET"]);
    let _ = tx.cmd::<()>(("NOSUCHCOMMAND", secret_key));
    let err = tx.run(&conn).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::Aborted);
    assert!(!err.may_have_run());
    assert_eq!(batch.entries(), [2, 3]);
    assert_eq!(
        err.to_string(),
        "the server refused the transaction as a whole, so nothing of it ran; entry 2: server \
         error ERR: wrong number of arguments for 'get' command; entry 3: server error ERR: \
         unknown command 'NOSUCHCOMMAND'"
    );
    assert_eq!(
        batch.server_error().and_then(Error::code),
        Some("EXECABORT")
    );
    assert_no_secrets(&err, &[secret_key]);
    assert_eq!(log(&server).await, Vec::<String>::new());
    let value: Option<String> = server.query(redis::cmd("GET").arg(secret_key)).await;
    assert_eq!(value, None);
}

#[tokio::test]
async fn a_handle_of_another_batch_is_an_error_not_a_wrong_value() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let mut one = Pipeline::new();
    let ping = one.cmd::<String>(["PING"]);
    let mut two = Pipeline::new();
    let _ = two.cmd::<String>(["PING"]);
    let _ = one.run(&conn).await.unwrap();
    let mut replies = two.run(&conn).await.unwrap();
    let err = replies.take(ping).unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::ForeignEntry);
    assert_eq!(
        err.to_string(),
        "entry 0 was queued in another batch; take it from the replies of the batch it was added to"
    );
}

#[tokio::test]
async fn a_connection_dropped_during_a_batch_fails_it_as_may_have_run_and_nothing_is_sent_again() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let lost = lost_reply::prepare(&server).await;
    let script = Script::<i64>::new(PUSH);
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&script, ["log"], ["before"]);
    let _ = pipe.exec(&lost, ["ran"], ());
    let _ = pipe.exec(&script, ["log"], ["after"]);
    let err = pipe.run(&conn).await.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Io);
    assert!(err.may_have_run(), "{err}");
    // Nothing was sent again: the entries before the drop ran once; the server stops reading a client
    // it drops, so the one after it may not have run at all.
    let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran, 1);
    let log = log(&server).await;
    assert!(log == ["before"] || log == ["before", "after"], "{log:?}");
    assert!(server.commandstats().await.calls("evalsha") <= 3);
}

#[tokio::test]
async fn a_batch_runs_on_one_connection_of_every_kind() {
    use redis_script::DynTransport;
    use std::sync::Arc;

    let server = RedisServer::start();
    let script = Script::<i64>::new(PUSH);
    let manager = server.connection_manager().await;
    let deadpool = deadpool_redis::Config::from_url(server.url())
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .unwrap();
    let bb8 = bb8::Pool::builder()
        .max_size(4)
        .build(bb8_redis::RedisConnectionManager::new(server.url()).unwrap())
        .await
        .unwrap();
    let dynamic: Arc<dyn DynTransport> = Arc::new(server.connection().await);

    async fn same_connection<C: redis_script::Transport + ?Sized>(
        conn: &C,
        script: &Script<i64>,
        tag: &str,
    ) {
        let mut pipe = Pipeline::new();
        let before = pipe.cmd::<i64>(("CLIENT", "ID"));
        let pushed = pipe.exec(script, ["log"], [tag]);
        let after = pipe.cmd::<i64>(("CLIENT", "ID"));
        let mut replies = pipe.run(conn).await.unwrap();
        assert!(replies.take(pushed).unwrap() >= 1);
        assert_eq!(
            replies.take(before).unwrap(),
            replies.take(after).unwrap(),
            "{tag}"
        );
    }
    same_connection(&manager, &script, "manager").await;
    same_connection(&deadpool, &script, "deadpool").await;
    same_connection(&bb8, &script, "bb8").await;
    same_connection(&dynamic, &script, "dyn").await;
    assert_eq!(log(&server).await, ["manager", "deadpool", "bb8", "dyn"]);
}

#[tokio::test]
async fn a_read_only_batch_runs_on_a_replica_and_a_write_there_is_refused() {
    let primary = RedisServer::start();
    let replica = RedisServer::start_replica_of(&primary).await;
    let _: i64 = primary
        .query(redis::cmd("RPUSH").arg("log").arg("x").arg("y"))
        .await;
    primary.wait_for_replica().await;
    let conn = replica.connection().await;
    let read = ScriptRO::<Vec<String>>::new(
        "#!lua flags=no-writes\nreturn redis.call('LRANGE', KEYS[1], 0, -1)",
    );
    replica.reset_stats().await;
    let mut pipe = Pipeline::new();
    let all = pipe.exec(&read, ["log"], ());
    let len = pipe.cmd::<i64>(("LLEN", "log"));
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!(replies.take(all).unwrap(), ["x", "y"]);
    assert_eq!(replies.take(len).unwrap(), 2);
    let stats = replica.commandstats().await;
    assert_eq!(stats.scripts(), (0, 0, 0, 1));
    assert_eq!(stats.calls("script|load"), 1);

    let writer = Script::<i64>::new(PUSH);
    let mut pipe = Pipeline::new();
    let write = pipe.exec(&writer, ["log"], ["z"]);
    let again = pipe.exec(&read, ["log"], ());
    let mut replies = pipe.run(&conn).await.unwrap();
    let err = replies.take(write).unwrap_err();
    assert_eq!(err.code(), Some("READONLY"), "{err}");
    assert!(
        matches!(err, Error::Script(_)),
        "refused inside the script: {err:?}"
    );
    assert_eq!(replies.take(again).unwrap(), ["x", "y"]);
    let log: Vec<String> = primary
        .query(redis::cmd("LRANGE").arg("log").arg(0).arg(-1))
        .await;
    assert_eq!(log, ["x", "y"]);
}
