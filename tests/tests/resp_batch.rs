//! Pipelines and transactions over RESP: what the server runs (counted by `INFO commandstats`), in which
//! order (scripts push to a list), and what each entry gets back.

#![allow(clippy::unwrap_used)]

use redis_script::{
    BatchErrorKind, Error, Limits, Pipeline, Script, ScriptLoading, ScriptRO, Transaction,
    TransportErrorKind,
};
use redis_script_tests::{RedisServer, assert_no_secrets, lost_reply};

/// Pushes `ARGV[1]` to the list `KEYS[1]` and returns its length: the list is the order of effects.
const PUSH: &str = "return redis.call('RPUSH', KEYS[1], ARGV[1])";
/// The same effect written differently: a second script with its own SHA-1.
const PUSH_TOO: &str = "local n = redis.call('RPUSH', KEYS[1], ARGV[1]) return n";

async fn log(server: &RedisServer) -> Vec<String> {
    server
        .query(redis::cmd("LRANGE").arg("log").arg(0).arg(-1))
        .await
}

/// A pipeline of `n` calls alternating between the two scripts, each pushing its index.
fn hundred<'a>(
    pipe: &mut Pipeline<'a>,
    a: &'a Script<i64>,
    b: &'a Script<i64>,
    n: usize,
) -> Vec<redis_script::Queued<i64>> {
    (0..n)
        .map(|i| {
            let script = if i % 2 == 0 { a } else { b };
            pipe.exec(script, ["log"], [i])
        })
        .collect()
}

#[tokio::test]
async fn a_pipeline_of_100_calls_of_two_scripts_loads_each_once_and_sends_100_evalsha() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let (a, b) = (Script::<i64>::new(PUSH), Script::<i64>::new(PUSH_TOO));

    // Cold: nothing cached. Each script is loaded in front of its first call, inside the batch.
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    let queued = hundred(&mut pipe, &a, &b, 100);
    let mut replies = pipe.run(&conn).await.unwrap();
    for (i, q) in queued.into_iter().enumerate() {
        assert_eq!(replies.take(q).unwrap(), i as i64 + 1);
    }
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 100, 0, 0));
    assert_eq!(stats.calls("script|load"), 2);
    let expected: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    assert_eq!(log(&server).await, expected);

    // Warm: the same commands; still no EVAL and no NOSCRIPT.
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    let queued = hundred(&mut pipe, &a, &b, 100);
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!(
        replies.take(queued.into_iter().last().unwrap()).unwrap(),
        200
    );
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 100, 0, 0));
    assert_eq!(stats.calls("script|load"), 2);
}

#[tokio::test]
async fn after_batch_loading_sends_no_script_when_warm_and_runs_noscript_entries_once_after() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let (a, b) = (Script::<i64>::new(PUSH), Script::<i64>::new(PUSH_TOO));

    // Cold: every call answers NOSCRIPT (did not run), then all run once, in their order, after the
    // batch with their scripts loaded.
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    pipe.script_loading(ScriptLoading::AfterBatch);
    let queued = hundred(&mut pipe, &a, &b, 10);
    let raw = pipe.cmd::<i64>(("RPUSH", "log", "raw"));
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!(replies.take(raw).unwrap(), 1, "the command ran first");
    for (i, q) in queued.into_iter().enumerate() {
        assert_eq!(replies.take(q).unwrap(), i as i64 + 2);
    }
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 20, 0, 0));
    assert_eq!(stats.calls("script|load"), 2);
    let mut expected = vec!["raw".to_owned()];
    expected.extend((0..10).map(|i| i.to_string()));
    assert_eq!(log(&server).await, expected, "NOSCRIPT entries ran after");

    // Warm: EVALSHA only, no script text at all.
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    pipe.script_loading(ScriptLoading::AfterBatch);
    let queued = hundred(&mut pipe, &a, &b, 100);
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!(
        replies.take(queued.into_iter().last().unwrap()).unwrap(),
        111
    );
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 100, 0, 0));
    assert_eq!(stats.calls("script|load"), 0);
}

#[tokio::test]
async fn a_script_flush_in_the_middle_of_a_pipeline_still_runs_every_entry_once_in_order() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let (a, b) = (Script::<i64>::new(PUSH), Script::<i64>::new(PUSH_TOO));
    server.reset_stats().await;

    let mut pipe = Pipeline::new();
    let first = pipe.exec(&a, ["log"], ["0"]);
    let second = pipe.exec(&b, ["log"], ["1"]);
    let raw = pipe.cmd::<i64>(("RPUSH", "log", "2"));
    let flush = pipe.cmd::<()>(("SCRIPT", "FLUSH"));
    let third = pipe.exec(&a, ["log"], ["4"]);
    let fourth = pipe.exec(&b, ["log"], ["5"]);
    let fifth = pipe.exec(&a, ["log"], ["6"]);
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!(replies.take(first).unwrap(), 1);
    assert_eq!(replies.take(second).unwrap(), 2);
    assert_eq!(replies.take(raw).unwrap(), 3);
    replies.take(flush).unwrap();
    assert_eq!(replies.take(third).unwrap(), 4);
    assert_eq!(replies.take(fourth).unwrap(), 5);
    assert_eq!(replies.take(fifth).unwrap(), 6);
    assert_eq!(log(&server).await, ["0", "1", "2", "4", "5", "6"]);

    // Loaded again after the flush; never EVAL, and no call answered NOSCRIPT.
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 5, 0, 0));
    assert_eq!(stats.calls("script|load"), 4);
    assert_eq!(stats.calls("script|flush"), 1);
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
async fn an_empty_batch_sends_nothing() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let replies = Pipeline::new().run(&conn).await.unwrap();
    assert!(replies.is_empty());
    let replies = Transaction::new().run(&conn).await.unwrap();
    assert!(replies.is_empty());
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("multi"), 0);
    assert_eq!(stats.calls("exec"), 0);
    assert_eq!(
        stats.as_map().keys().collect::<Vec<_>>(),
        vec!["config|resetstat"]
    );
}

#[tokio::test]
async fn a_batch_over_its_limits_is_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(PUSH);
    server.reset_stats().await;

    let mut pipe = Pipeline::new();
    pipe.limits(Limits::new(3, 1 << 20));
    for i in 0..4 {
        let _ = pipe.exec(&script, ["log"], [i]);
    }
    let err = pipe.run(&conn).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::TooLarge);
    assert!(!err.may_have_run());
    assert_eq!(
        err.to_string(),
        "the batch has 4 entries, more than its limit of 3; nothing was sent: split it, or set \
         other Limits"
    );

    let mut tx = Transaction::new();
    tx.limits(Limits::new(10, 100));
    let secret = "s3cr3t-value-".repeat(10);
    let _ = tx.exec(&script, ["log"], [&secret]);
    let err = tx.run(&conn).await.unwrap_err();
    assert!(
        err.to_string().starts_with(
            "the keys and arguments of the batch take 133 bytes, more than its limit of 100"
        ),
        "{err}"
    );
    assert_no_secrets(&err, &[&secret]);
    assert_eq!(log(&server).await, Vec::<String>::new());
    assert_eq!(server.commandstats().await.calls("script|load"), 0);
}

#[tokio::test]
async fn commands_that_would_change_the_connection_are_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(PUSH);
    for (words, name) in [
        (vec!["SELECT", "1"], "SELECT"),
        (vec!["multi"], "MULTI"),
        (vec!["EXEC"], "EXEC"),
        (vec!["WATCH", "log"], "WATCH"),
        (vec!["SUBSCRIBE", "chan"], "SUBSCRIBE"),
        (vec!["client", "reply", "off"], "CLIENT REPLY"),
        (vec!["MONITOR"], "MONITOR"),
    ] {
        server.reset_stats().await;
        let mut pipe = Pipeline::new();
        let _ = pipe.exec(&script, ["log"], ["before"]);
        let _ = pipe.cmd::<()>(words);
        let err = pipe.run(&conn).await.unwrap_err();
        let Error::Batch(batch) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(batch.kind(), BatchErrorKind::NotAllowed);
        assert_eq!(batch.entries(), [1]);
        assert!(
            err.to_string().starts_with(&format!(
                "{name} (entry 1) would change the state of the connection"
            )),
            "{err}"
        );
        let stats = server.commandstats().await;
        assert_eq!(stats.scripts(), (0, 0, 0, 0), "{name}: nothing was sent");
    }
    let mut tx = Transaction::new();
    let _ = tx.cmd::<()>(Vec::<String>::new());
    let err = tx.run(&conn).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 0 of the batch is an empty command: give the command's name and arguments"
    );
    assert_eq!(log(&server).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_transaction_on_a_cold_cache_loads_its_scripts_inside_and_runs_atomically() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let (a, b) = (Script::<i64>::new(PUSH), Script::<i64>::new(PUSH_TOO));
    let read = ScriptRO::<Vec<String>>::new(
        "#!lua flags=no-writes\nreturn redis.call('LRANGE', KEYS[1], 0, -1)",
    );
    server.reset_stats().await;

    let mut tx = Transaction::new();
    let one = tx.exec(&a, ["log"], ["a"]);
    let two = tx.exec(&b, ["log"], ["b"]);
    let three = tx.exec(&a, ["log"], ["c"]);
    let len = tx.cmd::<i64>(("LLEN", "log"));
    let all = tx.exec(&read, ["log"], ());
    let mut replies = tx.run(&conn).await.unwrap();
    assert_eq!(
        (
            replies.take(one).unwrap(),
            replies.take(two).unwrap(),
            replies.take(three).unwrap()
        ),
        (1, 2, 3)
    );
    assert_eq!(replies.take(len).unwrap(), 3);
    assert_eq!(replies.take(all).unwrap(), ["a", "b", "c"]);

    let stats = server.commandstats().await;
    assert_eq!((stats.calls("multi"), stats.calls("exec")), (1, 1));
    assert_eq!(stats.calls("script|load"), 3);
    assert_eq!(stats.scripts(), (0, 3, 0, 1));
    // Every call found its script: none failed.
    let info: String = server.query(redis::cmd("INFO").arg("commandstats")).await;
    let evalsha = info
        .lines()
        .find(|l| l.starts_with("cmdstat_evalsha:"))
        .unwrap();
    assert!(evalsha.contains("failed_calls=0"), "{evalsha}");
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
async fn a_command_failing_inside_exec_is_its_own_error_and_the_others_ran() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(PUSH);
    let failing = Script::<i64>::new(
        "redis.call('RPUSH', KEYS[1], 'failing') return redis.call('INCR', KEYS[1])",
    );
    let mut tx = Transaction::new();
    let set = tx.cmd::<()>(("SET", "text", "x"));
    let incr = tx.cmd::<i64>(("INCR", "text"));
    let pushed = tx.exec(&script, ["log"], ["after"]);
    let raised = tx.exec(&failing, ["log"], ());
    let mut replies = tx.run(&conn).await.unwrap();
    replies.take(set).unwrap();
    let err = replies.take(incr).unwrap_err();
    assert_eq!(
        err.to_string(),
        "server error ERR: value is not an integer or out of range"
    );
    assert_eq!(replies.take(pushed).unwrap(), 1);
    let err = replies.take(raised).unwrap_err();
    let Error::Script(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.code(), "WRONGTYPE");
    assert!(
        err.may_have_run(),
        "its RPUSH stays: Redis does not roll back"
    );
    assert_eq!(log(&server).await, ["after", "failing"]);
}

#[tokio::test]
async fn a_decode_failure_of_one_entry_leaves_the_others_intact() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(PUSH);
    let mut pipe = Pipeline::new();
    let first = pipe.exec(&script, ["log"], ["a"]);
    let set = pipe.cmd::<i64>(("SET", "k", "v"));
    let wrong = pipe.cmd::<i64>(("GET", "k"));
    let last = pipe.exec(&script, ["log"], ["b"]);
    let mut replies = pipe.run(&conn).await.unwrap();
    let err = replies.take(set).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("can not decode reply OK as i64"),
        "{err}"
    );
    let err = replies.take(wrong).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(replies.take(first).unwrap(), 1);
    assert_eq!(replies.take(last).unwrap(), 2);
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
async fn a_script_returning_noscript_itself_runs_once_in_a_pipeline_and_in_a_transaction() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let liar = Script::<()>::new(
        "redis.call('INCR', KEYS[1]) return redis.error_reply('NOSCRIPT No matching script. Please use EVAL.')",
    );
    let mut pipe = Pipeline::new();
    let call = pipe.exec(&liar, ["ran"], ());
    let mut replies = pipe.run(&conn).await.unwrap();
    let err = replies.take(call).unwrap_err();
    assert!(!err.is_noscript(), "{err:?}");
    assert!(err.may_have_run());
    let Error::Script(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.code(), "NOSCRIPT");
    assert_eq!(e.sha1(), Some(liar.sha1()));
    let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran, 1, "run once, not again");

    let mut tx = Transaction::new();
    let call = tx.exec(&liar, ["ran"], ());
    let mut replies = tx.run(&conn).await.unwrap();
    let err = replies.take(call).unwrap_err();
    assert!(
        matches!(err, Error::Script(_)) && err.may_have_run(),
        "{err:?}"
    );
    let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran, 2);
}

#[tokio::test]
async fn a_script_redis_can_not_compile_fails_its_calls_with_the_compile_error() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let broken = Script::<i64>::new("return (");
    let script = Script::<i64>::new(PUSH);
    let mut pipe = Pipeline::new();
    let first = pipe.exec(&broken, (), ());
    let ok = pipe.exec(&script, ["log"], ["ok"]);
    let second = pipe.exec(&broken, (), ());
    let mut replies = pipe.run(&conn).await.unwrap();
    for q in [first, second] {
        let err = replies.take(q).unwrap_err();
        let Error::Script(e) = &err else {
            panic!("{err:?}")
        };
        assert!(e.is_compile_error(), "{err}");
        assert!(!err.may_have_run());
    }
    assert_eq!(replies.take(ok).unwrap(), 1);
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
