//! Auto-pipelining of the REST client: `exec` calls issued together travel in shared `/pipeline`
//! requests (counted in the request log of `upstash-local` and of a recording server), and each keeps
//! its own reply, fallback, read-your-writes and retry rules.

#![allow(clippy::unwrap_used)]

mod rest_support;

use std::future::Future;
use std::time::Duration;

use futures_util::future::join_all;
use redis_script::rest::{AutoPipeline, RetryPolicy, Upstash};
use redis_script::{Reply, Script, ScriptRO, TransportErrorKind};
use redis_script_tests::RedisServer;
use redis_script_tests::upstash::UpstashLocal;
use rest_support::{Answer, FakeRest, assert_no_secrets, transport};

const INCR: &str = "return redis.call('INCR', KEYS[1])";
const GET: &str = "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])";

fn client(local: &UpstashLocal, limits: Option<AutoPipeline>) -> Upstash {
    Upstash::builder(local.url(), local.token())
        .auto_pipeline(limits)
        .build()
        .unwrap()
}

/// (path, number of commands) of every request the server received.
fn requests(local: &UpstashLocal) -> Vec<(String, usize)> {
    local
        .requests()
        .into_iter()
        .map(|r| {
            let commands = match r.path.as_str() {
                "/pipeline" => r.body.as_array().map_or(0, Vec::len),
                _ => 1,
            };
            (r.path, commands)
        })
        .collect()
}

#[tokio::test]
async fn a_burst_of_calls_takes_as_many_requests_as_the_limits_say() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let script = Script::<i64>::new(INCR);
    redis.script_load(INCR).await;

    // 100 calls at once, at most 30 per request: 4 requests, sent together.
    let upstash = client(&local, Some(AutoPipeline::new(30, 1_000_000)));
    let calls = (0..100).map(|i| script.exec(&upstash, [format!("n:{i}")], ()));
    for count in join_all(calls).await {
        assert_eq!(count.unwrap(), 1);
    }
    // (They leave at once, so they may arrive in any order.)
    let mut sent = requests(&local);
    sent.sort();
    assert_eq!(
        sent,
        [
            ("/pipeline".to_owned(), 10),
            ("/pipeline".to_owned(), 30),
            ("/pipeline".to_owned(), 30),
            ("/pipeline".to_owned(), 30)
        ]
    );
    assert_eq!(redis.commandstats().await.calls("evalsha"), 100);

    // The default limits (1,000 commands): one request for 50 calls.
    local.clear_requests();
    let upstash = client(&local, Some(AutoPipeline::DEFAULT));
    let calls = (0..50).map(|i| script.exec(&upstash, [format!("n:{i}")], ()));
    assert!(join_all(calls).await.into_iter().all(|c| c.unwrap() == 2));
    assert_eq!(requests(&local), [("/pipeline".to_owned(), 50)]);

    // A byte limit cuts earlier: each body is about 70 bytes, so three fit in 250.
    local.clear_requests();
    let upstash = client(&local, Some(AutoPipeline::new(1000, 250)));
    let calls = (0..7).map(|i| script.exec(&upstash, [format!("n:{i}")], ()));
    assert!(join_all(calls).await.into_iter().all(|c| c.unwrap() == 3));
    let mut sizes: Vec<usize> = requests(&local).into_iter().map(|(_, n)| n).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [1, 3, 3]);

    // One call alone goes to the base URL, as without auto-pipelining; so does every call when off.
    local.clear_requests();
    assert_eq!(script.exec(&upstash, ["n:0"], ()).await.unwrap(), 4);
    let off = client(&local, None);
    let calls = (0..3).map(|i| script.exec(&off, [format!("n:{i}")], ()));
    assert!(join_all(calls).await.into_iter().all(|c| c.unwrap() >= 4));
    assert_eq!(
        requests(&local),
        vec![("/".to_owned(), 1); 4],
        "one request per call"
    );
}

/// A burst is one request however it is issued: from spawned tasks (which Tokio polls after the task
/// that spawned them, so the first call's turn ends before the others are made), from one spawned
/// task, and from one task in numbers larger than what Tokio lets a task do in one poll.
#[tokio::test]
async fn a_burst_is_one_request_from_spawned_tasks_and_past_the_tasks_budget() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local, Some(AutoPipeline::DEFAULT));
    let script = Script::<i64>::new(INCR);
    redis.script_load(INCR).await;

    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let upstash = upstash.clone();
            tokio::spawn(async move {
                Script::<i64>::new(INCR)
                    .exec(&upstash, [format!("s:{i}")], ())
                    .await
            })
        })
        .collect();
    for task in join_all(tasks).await {
        assert_eq!(task.unwrap().unwrap(), 1);
    }
    assert_eq!(requests(&local), [("/pipeline".to_owned(), 10)]);

    local.clear_requests();
    let inside = upstash.clone();
    let pair = tokio::spawn(async move {
        let script = Script::<i64>::new(INCR);
        let (a, b) = futures_util::future::join(
            script.exec(&inside, ["p:a"], ()),
            script.exec(&inside, ["p:b"], ()),
        )
        .await;
        (a.unwrap(), b.unwrap())
    });
    assert_eq!(pair.await.unwrap(), (1, 1));
    assert_eq!(requests(&local), [("/pipeline".to_owned(), 2)]);

    local.clear_requests();
    let calls = (0..300).map(|i| script.exec(&upstash, [format!("b:{i}")], ()));
    assert!(join_all(calls).await.into_iter().all(|c| c.unwrap() == 1));
    assert_eq!(requests(&local), [("/pipeline".to_owned(), 300)]);
}

/// On a multi-threaded runtime the task sending a burst may start on another thread while the burst
/// is still being issued, and send it in parts: each call still runs once and gets its own reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_on_a_multi_threaded_runtime_runs_each_call_once() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local, Some(AutoPipeline::DEFAULT));
    let script = Script::<i64>::new(INCR);
    redis.script_load(INCR).await;
    for round in 1..=10 {
        local.clear_requests();
        let calls = (0..300).map(|i| script.exec(&upstash, [format!("m:{i}")], ()));
        assert!(
            join_all(calls)
                .await
                .into_iter()
                .all(|c| c.unwrap() == round)
        );
        let sent = requests(&local);
        assert_eq!(sent.iter().map(|(_, n)| n).sum::<usize>(), 300, "{sent:?}");
    }
    assert_eq!(redis.commandstats().await.calls("evalsha"), 3000);
}

#[tokio::test]
async fn calls_issued_while_a_request_is_on_its_way_go_together_in_the_next() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local, Some(AutoPipeline::DEFAULT));
    let script = Script::<i64>::new(INCR);
    redis.script_load(INCR).await;

    // 20 tasks each calling 10 times in a row: never more than 20 commands at once.
    let tasks = (0..20).map(|t| {
        let (upstash, script) = (&upstash, &script);
        async move {
            for _ in 0..10 {
                script.exec(upstash, [format!("t:{t}")], ()).await.unwrap();
            }
        }
    });
    join_all(tasks).await;
    let sent = requests(&local);
    let commands: usize = sent.iter().map(|(_, n)| n).sum();
    assert_eq!(commands, 200);
    assert!(sent.len() <= 20, "{} requests: {sent:?}", sent.len());
    for t in 0..20 {
        let n: i64 = redis.query(redis::cmd("GET").arg(format!("t:{t}"))).await;
        assert_eq!(n, 10, "each call ran once");
    }
}

#[tokio::test]
async fn reads_travel_apart_from_writes_and_each_keeps_its_reply_and_fallback() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local, Some(AutoPipeline::DEFAULT));
    let warm = Script::<i64>::new(INCR);
    let cold = Script::<i64>::new("return redis.call('INCRBY', KEYS[1], 10)");
    let read = ScriptRO::<Option<String>>::new(GET);
    redis.script_load(INCR).await;
    redis.script_load(GET).await;
    let _: () = redis.query(redis::cmd("SET").arg("v").arg("hello")).await;
    redis.reset_stats().await;

    let (a, b, c, d, e) = tokio::join!(
        warm.exec(&upstash, ["a"], ()),
        cold.exec(&upstash, ["b"], ()),
        read.exec(&upstash, ["v"], ()),
        warm.exec(&upstash, ["a"], ()),
        read.exec(&upstash, ["v"], ()),
    );
    assert_eq!((a.unwrap(), b.unwrap(), d.unwrap()), (1, 10, 2));
    assert_eq!(c.unwrap().as_deref(), Some("hello"));
    assert_eq!(e.unwrap().as_deref(), Some("hello"));

    // Two requests at once, the reads apart from the writes; the cold script's NOSCRIPT fell back
    // with an EVAL of its own, after them.
    // (The reads' request may arrive before or after the writes' and the EVAL.)
    let sent = local.requests();
    let mut seen: Vec<(&str, Vec<&str>)> = sent
        .iter()
        .map(|r| match r.path.as_str() {
            "/pipeline" => (
                "/pipeline",
                r.body
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c[0].as_str().unwrap())
                    .collect(),
            ),
            path => (path, vec![r.body[0].as_str().unwrap()]),
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("/", vec!["EVAL"]),
            ("/pipeline", vec!["EVALSHA", "EVALSHA", "EVALSHA"]),
            ("/pipeline", vec!["EVALSHA_RO", "EVALSHA_RO"]),
        ],
        "{sent:?}"
    );
    let eval = sent.iter().position(|r| r.path == "/").unwrap();
    let writes = sent
        .iter()
        .position(|r| r.path == "/pipeline" && r.body[0][0] == "EVALSHA")
        .unwrap();
    assert!(writes < eval, "the fallback follows the NOSCRIPT reply");
    assert_eq!(redis.commandstats().await.scripts(), (1, 3, 0, 2));
    let b: i64 = redis.query(redis::cmd("GET").arg("b")).await;
    assert_eq!(b, 10, "the cold script ran once");

    // Read-your-writes per call: a call made after another was answered carries its sync token.
    warm.exec(&upstash, ["a"], ()).await.unwrap();
    let sent = local.requests();
    let (last, before) = sent.split_last().unwrap();
    let newest = before
        .iter()
        .map(|r| r.response_sync_token.parse::<u64>().unwrap())
        .max()
        .unwrap();
    assert_eq!(
        last.sync_token.as_deref(),
        Some(newest.to_string().as_str())
    );
}

/// Answers `/pipeline` requests with one reply per command (the INCRs 1, the GETs "hi"), after closing
/// the connection of the first request of each kind (writes, reads) without an answer.
fn flaky() -> impl Fn(usize, &rest_support::Recorded) -> Answer + Send + Sync + 'static {
    let first = [
        std::sync::atomic::AtomicBool::new(true),
        std::sync::atomic::AtomicBool::new(true),
    ];
    move |_, request| {
        let reads = request.json()[0][0] == "EVALSHA_RO";
        if first[usize::from(reads)].swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Answer::Close;
        }
        answer(request)
    }
}

fn answer(request: &rest_support::Recorded) -> Answer {
    let replies: Vec<String> = match request.json() {
        serde_json::Value::Array(commands) if request.path.ends_with("/pipeline") => commands
            .iter()
            .map(|c| {
                if c[0] == "EVALSHA_RO" {
                    r#"{"result":"aGk="}"#.to_owned()
                } else {
                    r#"{"result":1}"#.to_owned()
                }
            })
            .collect(),
        _ => return Answer::json(200, r#"{"result":"aGk="}"#),
    };
    Answer::json(200, &format!("[{}]", replies.join(",")))
}

#[tokio::test]
async fn a_shared_request_that_lost_its_connection_fails_its_writes_and_sends_its_reads_again() {
    let server = FakeRest::start(flaky());
    let upstash = Upstash::builder(server.url(), "tok-s3cr3t")
        .retry(RetryPolicy::new(2, Duration::from_millis(10)))
        .build()
        .unwrap();
    let write = Script::<i64>::new(INCR);
    let read = ScriptRO::<Reply>::new(GET);
    let (w1, r1, w2, r2) = tokio::join!(
        write.exec(&upstash, ["k-s3cr3t"], ()),
        read.exec(&upstash, ["k-s3cr3t"], ()),
        write.exec(&upstash, ["k-s3cr3t"], ()),
        read.exec(&upstash, ["k-s3cr3t"], ()),
    );
    for w in [w1, w2] {
        let err = w.unwrap_err();
        assert_eq!(transport(&err).kind(), TransportErrorKind::Io, "{err:?}");
        assert!(err.may_have_run());
        assert_no_secrets(&err, &["tok-s3cr3t", "k-s3cr3t"]);
    }
    assert_eq!(r1.unwrap(), Reply::Bulk(b"hi".to_vec()));
    assert_eq!(r2.unwrap(), Reply::Bulk(b"hi".to_vec()));

    // The writes and the reads went apart, both cut; then the reads again, never the writes.
    let sent = server.requests();
    assert_eq!(sent.len(), 3, "{sent:?}");
    let names = |i: usize| -> Vec<String> {
        sent[i]
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[0].as_str().unwrap().to_owned())
            .collect()
    };
    let mut first_two = [names(0), names(1)];
    first_two.sort();
    assert_eq!(
        first_two,
        [["EVALSHA", "EVALSHA"], ["EVALSHA_RO", "EVALSHA_RO"]]
    );
    assert_eq!(names(2), ["EVALSHA_RO", "EVALSHA_RO"]);
}

#[test]
fn a_runtime_shut_down_before_its_sending_task_ran_leaves_the_client_usable() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local, Some(AutoPipeline::DEFAULT));
    let script = Script::<i64>::new(INCR);

    // A call is queued and its sending task spawned, then the runtime goes away before that task runs.
    let first = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    first.block_on(async {
        let call = std::pin::pin!(script.exec(&upstash, ["n"], ()));
        let waker = futures_util::task::noop_waker();
        let pending = call.poll(&mut std::task::Context::from_waker(&waker));
        assert!(pending.is_pending());
    });
    drop(first);

    // Another runtime: the client is not stuck waiting for that task.
    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let n = second
        .block_on(async {
            tokio::time::timeout(Duration::from_secs(10), script.exec(&upstash, ["n"], ())).await
        })
        .expect("the call on the second runtime hung")
        .unwrap();
    assert_eq!(n, 1, "the first call was never sent");
}
