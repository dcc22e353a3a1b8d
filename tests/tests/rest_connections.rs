//! The REST client's own keep-alive connections: a connection the server closed while it was idle is
//! not written to; one whose caller gave up before its reply came is never used again, so no reply
//! reaches the wrong call; calls issued while a lone call is on its way (sent from its caller's task)
//! neither wait for it nor depend on its caller polling it; TLS with roots of the application's own; and `reqwest` when the environment names a proxy. The
//! server's own state (a list each call pushes its id to, Redis's command counts) says what ran.

#![allow(clippy::unwrap_used)]

mod rest_support;

use std::time::Duration;

use redis_script::rest::{AutoPipeline, RetryPolicy, Upstash};
use redis_script::{Script, TransportErrorKind};
use redis_script_tests::RedisServer;
use redis_script_tests::batches::{PUSH, log};
use redis_script_tests::proxy::{Direction, FaultProxy};
use redis_script_tests::tls::TlsFront;
use redis_script_tests::upstash::UpstashLocal;
use rest_support::{assert_no_secrets, transport};

/// Redis, upstash-local in front of it, and a proxy in front of upstash-local (where the client
/// connects), with the script loaded.
async fn through_a_proxy() -> (RedisServer, UpstashLocal, FaultProxy) {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let proxy = FaultProxy::start(local.port()).await;
    redis.script_load(PUSH).await;
    (redis, local, proxy)
}

/// Polls `call` once, which must leave it waiting, as a caller that then stops polling it does.
async fn poll_once<F: std::future::Future>(mut call: std::pin::Pin<&mut F>) {
    std::future::poll_fn(|cx| {
        assert!(call.as_mut().poll(cx).is_pending());
        std::task::Poll::Ready(())
    })
    .await;
}

/// Without retries, so that a call that succeeds went out once.
fn client(url: &str, local: &UpstashLocal, auto: Option<AutoPipeline>) -> Upstash {
    Upstash::builder(url, local.token())
        .retry(RetryPolicy::none())
        .auto_pipeline(auto)
        .build()
        .unwrap()
}

/// A client through `proxy` whose auto-pipelining queue has room for 16 x 100 bytes.
fn with_little_room(proxy: &FaultProxy, local: &UpstashLocal) -> Upstash {
    client(&proxy.http_url(), local, Some(AutoPipeline::new(1000, 100)))
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_not_written_to() {
    let (redis, local, proxy) = through_a_proxy().await;
    let push = Script::<i64>::new(PUSH);
    for auto in [None, Some(AutoPipeline::DEFAULT)] {
        let upstash = client(&proxy.http_url(), &local, auto);
        redis.query::<i64>(redis::cmd("DEL").arg("log")).await;
        let before = proxy.accepted();
        assert_eq!(push.exec(&upstash, ["log"], ["first"]).await.unwrap(), 1);
        assert_eq!(proxy.accepted(), before + 1);
        // The server side goes away while the connection is idle in the client.
        proxy.cut_all();
        while proxy.open() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(push.exec(&upstash, ["log"], ["second"]).await.unwrap(), 2);
        assert_eq!(proxy.accepted(), before + 2, "a new connection was opened");
        // The one after reuses the new connection.
        assert_eq!(push.exec(&upstash, ["log"], ["third"]).await.unwrap(), 3);
        assert_eq!(proxy.accepted(), before + 2);
        assert_eq!(log(&redis).await, ["first", "second", "third"]);
    }
}

#[tokio::test]
async fn a_call_given_up_before_its_reply_leaves_its_connection_to_no_one() {
    let (redis, local, proxy) = through_a_proxy().await;
    let push = Script::<i64>::new(PUSH);
    for auto in [None, Some(AutoPipeline::DEFAULT)] {
        let upstash = client(&proxy.http_url(), &local, auto);
        redis.query::<i64>(redis::cmd("DEL").arg("log")).await;
        assert_eq!(push.exec(&upstash, ["log"], ["warm"]).await.unwrap(), 1);
        let before = proxy.accepted();
        proxy.hold_after(Direction::ToClient, 0);
        let gave_up = tokio::time::timeout(
            Duration::from_millis(200),
            push.exec(&upstash, ["log"], ["a"]),
        )
        .await;
        assert!(gave_up.is_err(), "{gave_up:?}");
        // It reached Redis; its reply is still on its way when the next call is made.
        assert_eq!(log(&redis).await, ["warm", "a"]);
        proxy.release();
        // Had the connection been put back, this call would read the reply meant for the one
        // before (2), not its own (3).
        assert_eq!(push.exec(&upstash, ["log"], ["b"]).await.unwrap(), 3);
        assert_eq!(proxy.accepted(), before + 1, "a new connection was opened");
        assert_eq!(log(&redis).await, ["warm", "a", "b"]);
    }
}

#[tokio::test]
async fn calls_issued_while_a_lone_call_is_on_its_way_run_once_whether_it_is_given_up_or_not() {
    let (redis, local, proxy) = through_a_proxy().await;
    let push = Script::<i64>::new(PUSH);
    let upstash = client(&proxy.http_url(), &local, Some(AutoPipeline::DEFAULT));
    assert_eq!(push.exec(&upstash, ["log"], ["warm"]).await.unwrap(), 1);
    let sent = proxy.forwarded(Direction::ToServer);
    proxy.hold_after(Direction::ToClient, 0);
    let lone = tokio::time::timeout(
        Duration::from_millis(300),
        push.exec(&upstash, ["log"], ["lone"]),
    );
    let behind = async {
        // The lone call is on its way (sent from its caller's task, its reply held); these two go at
        // once, together, from the queue's task.
        proxy
            .forwarded_at_least(Direction::ToServer, sent + 1)
            .await;
        let calls = tokio::time::timeout(
            Duration::from_secs(10),
            futures_util::future::join(
                push.exec(&upstash, ["log"], ["b"]),
                push.exec(&upstash, ["log"], ["c"]),
            ),
        );
        let release = async {
            // The lone call is given up meanwhile; then every reply goes on its way.
            tokio::time::sleep(Duration::from_millis(500)).await;
            proxy.release();
        };
        tokio::join!(calls, release).0
    };
    let (lone, behind) = tokio::join!(lone, behind);
    assert!(lone.is_err(), "{lone:?}");
    let (b, c) = behind.expect("the calls issued later were answered");
    let (b, c) = (b.unwrap(), c.unwrap());
    assert_eq!((b, c), (3, 4), "each call got its own reply");
    assert_eq!(log(&redis).await, ["warm", "lone", "b", "c"]);
    assert_eq!(redis.commandstats().await.calls("evalsha"), 4);
}

/// A lone call goes from its caller's task; a caller may stop polling it (a `select!`, a stream
/// consumed slowly) while its reply waits. Calls issued meanwhile do not wait for it.
#[tokio::test]
async fn a_lone_call_its_caller_stopped_polling_holds_up_no_other_call() {
    let (redis, local, proxy) = through_a_proxy().await;
    let push = Script::<i64>::new(PUSH);
    let upstash = client(&proxy.http_url(), &local, Some(AutoPipeline::DEFAULT));
    assert_eq!(push.exec(&upstash, ["log"], ["warm"]).await.unwrap(), 1);
    let sent = proxy.forwarded(Direction::ToServer);
    let mut lone = std::pin::pin!(push.exec(&upstash, ["log"], ["lone"]));
    // Polled until its request is on its way, then left alone.
    for _ in 0..1000 {
        poll_once(lone.as_mut()).await;
        if proxy.forwarded(Direction::ToServer) > sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(proxy.forwarded(Direction::ToServer) > sent);
    let others = futures_util::future::join(
        push.exec(&upstash, ["log"], ["b"]),
        push.exec(&upstash, ["log"], ["c"]),
    );
    let (b, c) = tokio::time::timeout(Duration::from_secs(10), others)
        .await
        .expect("the other calls did not wait for the lone one");
    let mut replies = [b.unwrap(), c.unwrap()];
    replies.sort_unstable();
    // The lone call ran first: its request had reached the server.
    assert_eq!(replies, [3, 4]);
    assert_eq!(lone.await.unwrap(), 2);
    assert_eq!(log(&redis).await, ["warm", "lone", "b", "c"]);
}

/// A call that found the queue idle takes no queue room in its first turn: a caller that polls it
/// once and then leaves it (a stream consumed slowly) holds up no call waiting for room.
#[tokio::test]
async fn a_lone_call_left_in_its_first_turn_holds_no_room() {
    let (redis, local, proxy) = through_a_proxy().await;
    let push = Script::<i64>::new(PUSH);
    // The lone call's body alone is larger than the room.
    let upstash = with_little_room(&proxy, &local);
    let big = "x".repeat(2000);
    let mut lone = std::pin::pin!(push.exec(&upstash, ["log"], [big.as_str()]));
    poll_once(lone.as_mut()).await;
    // Left in its first turn; another call needs room.
    let other = tokio::time::timeout(
        Duration::from_secs(5),
        push.exec(&upstash, ["log"], [big.as_str()]),
    )
    .await
    .expect("the call was not held up by the one left in its first turn");
    other.unwrap();
    // The one left went with it (it was queued first) and its reply waits for it.
    lone.await.unwrap();
    assert_eq!(log(&redis).await.len(), 2);
}

/// A call waiting for queue room holds none while it waits: one whose caller polled it once and left
/// it takes no room given back meanwhile, so later calls still get room.
#[tokio::test]
async fn a_call_left_while_it_waits_for_room_holds_up_no_other_call() {
    let (redis, local, proxy) = through_a_proxy().await;
    let push = Script::<i64>::new(PUSH);
    let upstash = with_little_room(&proxy, &local);
    let (small, large, all) = ("s".to_owned(), "l".repeat(1400), "a".repeat(2000));
    assert_eq!(push.exec(&upstash, ["log"], ["warm"]).await.unwrap(), 1);
    let sent = proxy.forwarded(Direction::ToServer);
    proxy.hold_after(Direction::ToClient, 0);
    // A burst whose second call takes most of the room; their replies are held.
    let burst = futures_util::future::join(
        push.exec(&upstash, ["log"], [small.as_str()]),
        push.exec(&upstash, ["log"], [large.as_str()]),
    );
    let left = async {
        proxy
            .forwarded_at_least(Direction::ToServer, sent + 1)
            .await;
        // A call needing all the room waits for it; polled once, then left (kept, not dropped).
        let mut waiting = Box::pin(push.exec(&upstash, ["log"], [all.as_str()]));
        poll_once(waiting.as_mut()).await;
        proxy.release();
        Some(waiting)
    };
    let ((a, b), waiting) = tokio::join!(burst, left);
    a.unwrap();
    b.unwrap();
    // The room came back while the left call was not polled; a burst needing room gets it.
    let later = tokio::time::timeout(
        Duration::from_secs(5),
        futures_util::future::join(
            push.exec(&upstash, ["log"], ["x"]),
            push.exec(&upstash, ["log"], ["y"]),
        ),
    )
    .await
    .expect("the later calls got room");
    later.0.unwrap();
    later.1.unwrap();
    drop(waiting);
    let log = log(&redis).await;
    assert_eq!(
        log.len(),
        5,
        "the call left waiting was never sent: {log:?}"
    );
    assert!(!log.contains(&all));
}

/// A connection is registered with the I/O driver of the runtime that opened it. One a
/// `BlockingUpstash` opened (its own runtime, driven only during its calls) is not taken by a task of
/// another runtime, where it would wait for a reply no driver reads.
#[test]
fn a_connection_opened_on_one_runtime_is_not_taken_on_another() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = Upstash::builder(local.url(), local.token())
        .retry(RetryPolicy::none())
        .auto_pipeline(None)
        .timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap();
    let blocking = redis_script::rest::BlockingUpstash::from_client(upstash.clone()).unwrap();
    let push = Script::<i64>::new(PUSH);
    assert_eq!(
        push.exec_blocking(&blocking, ["log"], ["blocking"])
            .unwrap(),
        1
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let reply = runtime.block_on(push.exec(&upstash, ["log"], ["async"]));
    assert_eq!(reply.unwrap(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // And back: the blocking client takes its own connection again.
    assert_eq!(
        push.exec_blocking(&blocking, ["log"], ["again"]).unwrap(),
        3
    );
    let log: Vec<String> = runtime.block_on(log(&redis));
    assert_eq!(log, ["blocking", "async", "again"]);
}

/// Outside a Tokio runtime a call is refused, having sent nothing, instead of panicking.
#[test]
fn a_call_made_outside_a_tokio_runtime_is_refused_before_anything_is_sent() {
    // The client's own connections, and a `reqwest::Client` (which would panic there).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let own = Upstash::builder("http://127.0.0.1:1", "token").build();
    let over_reqwest = Upstash::builder("http://127.0.0.1:1", "token")
        .http_client(redis_script::rest::reqwest::Client::new())
        .build();
    let push = Script::<i64>::new(PUSH);
    for upstash in [own.unwrap(), over_reqwest.unwrap()] {
        let mut call = std::pin::pin!(push.exec(&upstash, ["log"], ["outside"]));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let std::task::Poll::Ready(reply) = call.as_mut().poll(&mut cx) else {
            panic!("the call waited for something no runtime would wake")
        };
        let err = reply.unwrap_err();
        assert_eq!(
            transport(&err).kind(),
            TransportErrorKind::Config,
            "{err:?}"
        );
        assert!(!err.may_have_run());
        assert!(err.to_string().contains("Tokio runtime"), "{err}");
    }
}

/// A `BlockingUpstash` made from a client that async code shares sends its calls itself: the task
/// that sends shared requests never runs on its runtime, which runs only during its calls, so async
/// calls queued behind it do not wait for its next call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_calls_on_a_shared_client_leave_no_async_call_waiting() {
    let (redis, local, proxy) = through_a_proxy().await;
    let push = Script::<i64>::new(PUSH);
    let upstash = client(&proxy.http_url(), &local, Some(AutoPipeline::DEFAULT));
    let blocking = redis_script::rest::BlockingUpstash::from_client(upstash.clone()).unwrap();
    assert_eq!(push.exec(&upstash, ["log"], ["warm"]).await.unwrap(), 1);
    let sent = proxy.forwarded(Direction::ToServer);
    proxy.hold_after(Direction::ToClient, 0);
    // An async call alone on its way, its reply held.
    let lone = tokio::spawn({
        let upstash = upstash.clone();
        async move {
            Script::<i64>::new(PUSH)
                .exec(&upstash, ["log"], ["lone"])
                .await
        }
    });
    proxy
        .forwarded_at_least(Direction::ToServer, sent + 1)
        .await;
    // A blocking call meanwhile, on a thread of its own.
    let sent = proxy.forwarded(Direction::ToServer);
    let thread = std::thread::spawn(move || {
        Script::<i64>::new(PUSH).exec_blocking(&blocking, ["log"], ["blocking"])
    });
    proxy
        .forwarded_at_least(Direction::ToServer, sent + 1)
        .await;
    // An async call after it, then every reply goes on its way.
    let later = tokio::spawn({
        let upstash = upstash.clone();
        async move {
            Script::<i64>::new(PUSH)
                .exec(&upstash, ["log"], ["later"])
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.release();
    let blocking_reply = tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap();
    blocking_reply.unwrap();
    lone.await.unwrap().unwrap();
    let later = tokio::time::timeout(Duration::from_secs(5), later)
        .await
        .expect("the async call after the blocking one was answered");
    later.unwrap().unwrap();
    let mut log = log(&redis).await;
    log.sort();
    assert_eq!(log, ["blocking", "later", "lone", "warm"]);
}

#[tokio::test]
async fn https_with_roots_of_the_applications_own_and_none_without_them() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let front = TlsFront::start(local.port()).await;
    redis.script_load(PUSH).await;
    let push = Script::<i64>::new(PUSH);

    // The platform does not trust the test's CA: the handshake fails before anything is sent.
    let untrusted = client(&front.url(), &local, None);
    let err = push.exec(&untrusted, ["log"], ["never"]).await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Connect, "{err:?}");
    assert!(!err.may_have_run(), "{err:?}");
    assert_no_secrets(&err, &[local.token(), "never"]);
    assert_eq!(redis.commandstats().await.calls("evalsha"), 0);

    for auto in [None, Some(AutoPipeline::DEFAULT)] {
        let trusted = Upstash::builder(front.url(), local.token())
            .tls_config(front.client_config())
            .auto_pipeline(auto)
            .build()
            .unwrap();
        let first = push.exec(&trusted, ["log"], ["tls"]).await.unwrap();
        assert_eq!(
            push.exec(&trusted, ["log"], ["tls"]).await.unwrap(),
            first + 1
        );
    }
    assert_eq!(log(&redis).await, ["tls"; 4]);
}

#[tokio::test]
async fn a_proxy_named_by_the_environment_carries_the_requests() {
    // Environment variables are process-wide: the client is built in a child process of this test
    // binary. Its URL names a closed port: a call succeeds only through the proxy.
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let proxy = FaultProxy::start(local.port()).await;
    let closed = redis_script_tests::ClosedPort::new();
    // The proxy runs on this test's runtime: the child is awaited, not waited for.
    let run = async |proxy_var: Option<(&str, &str)>| {
        let mut child = tokio::process::Command::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", "proxy_child", "--ignored", "--nocapture"])
            .env(PROXY_CHILD, "1")
            .env("UPSTASH_REDIS_REST_URL", closed.http_url())
            .env("UPSTASH_REDIS_REST_TOKEN", local.token());
        for name in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            child.env_remove(name);
        }
        if let Some((name, value)) = proxy_var {
            child.env(name, value);
        }
        let out = child.output().await.unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let out = run(None).await;
    assert!(out.contains("proxy-child: error"), "{out}");
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        let before = proxy.accepted();
        let out = run(Some((name, &proxy.http_url()))).await;
        assert!(out.contains("proxy-child: exec ok"), "{name}: {out}");
        assert!(proxy.accepted() > before, "{name}");
    }
    let pushed: Vec<String> = redis
        .query(redis::cmd("LRANGE").arg("proxied").arg(0).arg(-1))
        .await;
    assert_eq!(pushed, ["via proxy"; 3]);
}

/// Set by [`a_proxy_named_by_the_environment_carries_the_requests`] for its child process only.
const PROXY_CHILD: &str = "REDIS_SCRIPT_TESTS_PROXY_CHILD";

/// The child process of the test above. Run any other way it does nothing.
#[tokio::test]
#[ignore = "run as a child process by a_proxy_named_by_the_environment_carries_the_requests"]
async fn proxy_child() {
    if std::env::var_os(PROXY_CHILD).is_none() {
        println!("proxy-child: skipped");
        return;
    }
    let url = std::env::var("UPSTASH_REDIS_REST_URL").unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let upstash = Upstash::builder_from_env()
        .unwrap()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let push = Script::<i64>::new(PUSH);
    match push.exec(&upstash, ["proxied"], ["via proxy"]).await {
        Ok(_) => println!("proxy-child: exec ok"),
        Err(err) => println!("proxy-child: error {err}"),
    }
}
