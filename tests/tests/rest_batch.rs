//! Pipelines and transactions over the Upstash REST API (`/pipeline`, `/multi-exec`) through
//! `upstash-local` in front of a real Redis: the checks every transport must pass
//! (`redis_script_tests::batches`), and what only REST shows: one request per batch, a transaction
//! refused as a whole in one error, text-only arguments, and retries for read-only batches only.

#![allow(clippy::unwrap_used)]

use redis_script::rest::Upstash;
use redis_script::{BatchErrorKind, Error, Pipeline, Script, ScriptRO, Transaction};
use redis_script_tests::batches::{self, PUSH, log};
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{RedisServer, assert_no_secrets};

fn rest(server: &RedisServer) -> (UpstashLocal, Upstash) {
    let local = UpstashLocal::start(server);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    (local, upstash)
}

macro_rules! shared {
    ($($name:ident => $check:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let server = RedisServer::start();
            let (local, upstash) = rest(&server);
            batches::$check(&upstash, &server).await;
            // Every batch was one request, to its endpoint.
            for request in local.requests() {
                assert!(
                    request.path == "/pipeline" || request.path == "/multi-exec",
                    "{}",
                    request.path
                );
            }
        }
    )*};
}

shared! {
    a_pipeline_of_100_calls_of_two_scripts_loads_each_once_and_sends_100_evalsha => loads_each_script_once_per_batch,
    after_batch_loading_sends_no_script_when_warm_and_runs_noscript_entries_once_after => after_batch_loading,
    a_script_flush_in_the_middle_of_a_pipeline_still_runs_every_entry_once_in_order => flush_in_the_middle,
    an_empty_batch_sends_nothing => empty_batches,
    a_batch_over_its_limits_is_refused_before_anything_is_sent => limits,
    commands_that_would_change_the_connection_are_refused_before_anything_is_sent => connection_commands,
    a_transaction_on_a_cold_cache_loads_its_scripts_inside_and_runs_atomically => transaction_on_a_cold_cache,
    a_command_failing_inside_exec_is_its_own_error_and_the_others_ran => failing_inside_exec,
    a_decode_failure_of_one_entry_leaves_the_others_intact => decode_failure,
    a_script_returning_noscript_itself_runs_once_in_a_pipeline_and_in_a_transaction => noscript_returned_by_a_script,
    a_script_returning_a_redirect_itself_may_have_run_in_a_pipeline_and_in_a_transaction => redirect_returned_by_a_script,
    a_script_redis_can_not_compile_fails_its_calls_with_the_compile_error => compile_error,
    an_evalsha_written_as_a_command_keeps_its_noscript => raw_evalsha_keeps_its_noscript,
}

#[tokio::test]
async fn each_batch_is_one_request_and_an_empty_one_is_none() {
    let server = RedisServer::start();
    let (local, upstash) = rest(&server);
    let script = Script::<i64>::new(PUSH);
    assert!(Pipeline::new().run(&upstash).await.unwrap().is_empty());
    assert!(local.requests().is_empty());

    let mut pipe = Pipeline::new();
    let calls: Vec<_> = (0..10).map(|i| pipe.exec(&script, ["log"], [i])).collect();
    let mut replies = pipe.run(&upstash).await.unwrap();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(replies.take(call).unwrap(), i as i64 + 1);
    }
    let requests = local.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/pipeline");
    // SCRIPT LOAD, then ten EVALSHA: the script text travels once.
    let commands = requests[0].body.as_array().unwrap();
    assert_eq!(commands.len(), 11);
    assert_eq!(commands[0][0], "SCRIPT");
    assert!(commands[1..].iter().all(|c| c[0] == "EVALSHA"));
}

#[tokio::test]
async fn a_transaction_refused_as_a_whole_is_one_error_and_nothing_ran() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    let script = Script::<i64>::new(PUSH);
    let secret = "s3cr3t:key";
    let mut tx = Transaction::new();
    let _ = tx.exec(&script, ["log"], ["a"]);
    let _ = tx.cmd::<()>(("SET", secret, "v"));
    let _ = tx.cmd::<()>(["GET"]);
    let err = tx.run(&upstash).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::Aborted);
    assert!(!err.may_have_run());
    assert!(
        err.to_string().starts_with(
            "the server refused the transaction as a whole, so nothing of it ran: server error \
             EXECABORT"
        ),
        "{err}"
    );
    assert_no_secrets(&err, &[secret]);
    assert_eq!(log(&server).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_value_the_rest_api_can_not_carry_refuses_the_batch_naming_its_entry() {
    let server = RedisServer::start();
    let (local, upstash) = rest(&server);
    let script = Script::<i64>::new(PUSH);
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&script, ["log"], ["fine"]);
    let _ = pipe.exec(&script, ["log"], [b"s3cr3t\xff".to_vec()]);
    let err = pipe.run(&upstash).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (batch.kind(), batch.entries()),
        (BatchErrorKind::NotAllowed, &[1][..])
    );
    assert_eq!(
        err.to_string(),
        "entry 1 can not be sent: argument ARGV[1] is not valid UTF-8, and the Upstash REST API \
         carries only text; send binary keys and arguments over the RESP transport; nothing was sent"
    );
    assert_no_secrets(&err, &["s3cr3t"]);
    assert!(local.requests().is_empty());
}

#[tokio::test]
async fn a_read_only_batch_reads_through_the_rest_api() {
    let server = RedisServer::start();
    let (local, upstash) = rest(&server);
    let _: i64 = server
        .query(redis::cmd("RPUSH").arg("log").arg("x").arg("y"))
        .await;
    let read = ScriptRO::<Vec<String>>::new(
        "#!lua flags=no-writes\nreturn redis.call('LRANGE', KEYS[1], 0, -1)",
    );
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    let all = pipe.exec(&read, ["log"], ());
    let len = pipe.cmd::<i64>(("LLEN", "log"));
    let mut replies = pipe.run(&upstash).await.unwrap();
    assert_eq!(replies.take(all).unwrap(), ["x", "y"]);
    assert_eq!(replies.take(len).unwrap(), 2);
    assert_eq!(server.commandstats().await.scripts(), (0, 0, 0, 1));
    assert_eq!(local.requests().len(), 1);
}
