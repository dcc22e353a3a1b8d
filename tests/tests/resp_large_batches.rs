//! Large pipelines over RESP, up to thousands of entries on one multiplexed connection: every entry
//! runs once, in the batch's order, with its own reply, while other callers share the connection and
//! while the script cache is cold; a pipeline answered after the response timeout says it may have
//! run, and did, once; cut at any byte, no entry runs twice and none that answered is missing. The
//! server's own list (each entry pushes its id) says what ran.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis_script::{Error, Pipeline, Script, ScriptLoading, TransportErrorKind};
use redis_script_tests::RedisServer;
use redis_script_tests::batches::PUSH;
use redis_script_tests::proxy::FaultProxy;
use redis_script_tests::sweep::{self, Shape};

/// Pushes its id, unless it is told to be slow: then it first keeps the server busy for `ARGV[3]`
/// milliseconds.
const SLOW_PUSH: &str = r"
if ARGV[2] == 'slow' then
  local t = redis.call('TIME')
  local start = t[1] * 1000 + t[2] / 1000
  repeat
    t = redis.call('TIME')
  until t[1] * 1000 + t[2] / 1000 - start >= tonumber(ARGV[3])
end
return redis.call('RPUSH', KEYS[1], ARGV[1])
";

async fn list(server: &RedisServer, key: &str) -> Vec<String> {
    server
        .query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
        .await
}

/// A pipeline of `n` calls pushing `0..n` to `key`, in `loading` mode: each reply must be the list's
/// length after that push, so a reply read for the wrong entry shows.
async fn push_in_order(
    conn: &redis::aio::MultiplexedConnection,
    key: &str,
    n: usize,
    loading: ScriptLoading,
) {
    let script = Script::<i64>::new(PUSH);
    let mut pipe = Pipeline::new();
    pipe.script_loading(loading);
    let calls: Vec<_> = (0..n)
        .map(|i| pipe.exec(&script, [key], [i.to_string()]))
        .collect();
    let mut replies = pipe.run(conn).await.unwrap();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(replies.take(call).unwrap(), i as i64 + 1, "entry {i}");
    }
}

#[tokio::test]
async fn a_large_pipeline_runs_every_entry_once_in_order_while_others_share_the_connection() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let n = 5_000;
    let expected: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    // Other callers on the same connection, each a bounded loop, until the pipelines are done.
    let done = std::sync::atomic::AtomicBool::new(false);
    let others = (0..4).map(|t| {
        let (mut conn, done) = (conn.clone(), &done);
        async move {
            let mut sent = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) && sent < 100_000 {
                let _: i64 = redis::cmd("INCR")
                    .arg(format!("other:{t}"))
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                sent += 1;
                tokio::task::yield_now().await;
            }
            sent
        }
    });
    let pipelines = async {
        // A cold cache: the script is loaded inside the batch, in front of its first call.
        push_in_order(&conn, "in-batch", n, ScriptLoading::InBatch).await;
        // A cold cache after the batch: every call answers NOSCRIPT, and runs once in the second
        // round trip.
        server.script_flush().await;
        push_in_order(&conn, "after-batch", n, ScriptLoading::AfterBatch).await;
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    let (sent, ()) = tokio::join!(futures_util::future::join_all(others), pipelines);
    assert_eq!(list(&server, "in-batch").await, expected);
    assert_eq!(list(&server, "after-batch").await, expected);
    for (t, sent) in sent.into_iter().enumerate() {
        let count: i64 = server
            .query(redis::cmd("GET").arg(format!("other:{t}")))
            .await;
        assert_eq!(count, sent, "caller {t}");
    }
}

/// One entry keeps the server busy past the connection's response timeout: the pipeline fails as may
/// have run, and every entry did run, once, in order, once the slow one lets the server go.
#[tokio::test]
async fn a_pipeline_answered_after_the_response_timeout_says_it_may_have_run_and_every_entry_ran_once()
 {
    let server = RedisServer::start();
    let config =
        AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_millis(300)));
    let conn = server.connection_with_config(&config).await;
    let script = Script::<i64>::new(SLOW_PUSH);
    let n = 1_000;
    let mut pipe = Pipeline::new();
    for i in 0..n {
        let speed = if i == 600 { "slow" } else { "fast" };
        let _ = pipe.exec(
            &script,
            ["log"],
            [i.to_string(), speed.to_owned(), "800".to_owned()],
        );
    }
    let err = pipe.run(&conn).await.unwrap_err();
    assert!(err.may_have_run(), "{err}");
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Timeout, "{err}");
    // Until the slow one lets the server go, others are answered BUSY (Redis 8 soon after it starts).
    // (Asked on the pipeline's own connection: a new one's handshake is answered BUSY too.)
    let mut waiting = conn.clone();
    for _ in 0..200 {
        let length: Result<usize, _> = redis::cmd("LLEN")
            .arg("log")
            .query_async(&mut waiting)
            .await;
        if length.is_ok_and(|length| length == n) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let expected: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    assert_eq!(list(&server, "log").await, expected);
}

/// A pipeline of 1,200 calls cut after sampled bytes each way, and held after sampled
/// bytes while another client flushes the script cache: no entry runs twice, none that answered is
/// missing, none that says it did not run ran.
#[tokio::test]
async fn large_pipelines_cut_anywhere_run_each_entry_at_most_once_and_say_so() {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port()).await;
    let setup = sweep::over_resp(&server, &proxy);
    let shape = Shape {
        atomic: false,
        entries: 1_200,
    };
    let (mut tally, runs, sent) = setup.both_ways(0, shape, 40).await;
    let flush = async || server.script_flush().await;
    tally.merge(
        setup
            .flushes(runs, shape, &sweep::offsets(sent - 1, 30), flush)
            .await,
    );
    tally.assert_exactly_once("RESP pipelines of 1,200 calls through the proxy");
}
