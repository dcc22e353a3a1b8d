//! The REST client when callers give up and connections fail on purpose: a call dropped while it
//! waits for a shared request is never sent; batches cut byte by byte by a proxy in front of
//! `upstash-local`. The server's own state (a list each call pushes its id to) says what ran.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use redis_script::Script;
use redis_script::rest::{AutoPipeline, RetryPolicy, Upstash};
use redis_script_tests::RedisServer;
use redis_script_tests::batches::{PUSH, log};
use redis_script_tests::proxy::{Direction, FaultProxy};
use redis_script_tests::sweep::{self, Setup, Shape};
use redis_script_tests::tally::Tally;
use redis_script_tests::upstash::UpstashLocal;

/// A Redis, a proxy in front of it, and upstash-local talking to Redis through the proxy: holding
/// Redis's replies there keeps a REST request on its way for as long as a test needs.
async fn behind_a_proxy() -> (RedisServer, FaultProxy, UpstashLocal) {
    let redis = RedisServer::start();
    let proxy = FaultProxy::start(redis.port()).await;
    let local = UpstashLocal::start_for_url(&proxy.url());
    (redis, proxy, local)
}

/// A call that waits in the auto-pipelining queue behind a shared request on its way, dropped by a
/// timeout and made again at once (as a caller that retries after a timeout does): the server runs it
/// once, not once per try. (Two calls issued together make the shared request: a call alone would go
/// from its caller's task, and nothing waits for such a call.)
#[tokio::test]
async fn a_call_dropped_while_it_waits_for_a_shared_request_is_never_sent() {
    let (redis, proxy, local) = behind_a_proxy().await;
    let upstash = Upstash::builder(local.url(), local.token())
        .auto_pipeline(Some(AutoPipeline::DEFAULT))
        .build()
        .unwrap();
    let push = Script::<i64>::new(PUSH);
    redis.script_load(PUSH).await;
    assert_eq!(push.exec(&upstash, ["log"], ["first"]).await.unwrap(), 1);

    let sent = proxy.forwarded(Direction::ToServer);
    proxy.hold_after(Direction::ToClient, 0);
    let on_its_way = futures_util::future::join(
        push.exec(&upstash, ["log"], ["held"]),
        push.exec(&upstash, ["log"], ["held too"]),
    );
    let caller = async {
        // A request is on its way (its reply held); this call waits for the next shared request.
        proxy
            .forwarded_at_least(Direction::ToServer, sent + 1)
            .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let gave_up = tokio::time::timeout(
            Duration::from_millis(50),
            push.exec(&upstash, ["log"], ["once"]),
        )
        .await;
        assert!(
            gave_up.is_err(),
            "the call should still be waiting: {gave_up:?}"
        );
        // The caller tries again at once; then the held reply goes on its way.
        let again = push.exec(&upstash, ["log"], ["once"]);
        let release = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            proxy.release();
        };
        tokio::join!(again, release).0
    };
    let ((held, held_too), again) = tokio::join!(on_its_way, caller);
    assert_eq!((held.unwrap(), held_too.unwrap()), (2, 3));
    assert_eq!(again.unwrap(), 4);
    // Nothing else is on its way.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(log(&redis).await, ["first", "held", "held too", "once"]);
    assert_eq!(redis.commandstats().await.calls("evalsha"), 4);
}

/// The queue holds at most 16 requests' worth of calls: with one call per request, 16 wait (the
/// calls on their way among them) and the others wait for room. Calls given up while waiting, in the queue or for room, are never sent;
/// calls still wanted all run, once each.
#[tokio::test]
async fn the_queue_is_bounded_and_calls_given_up_while_waiting_for_room_are_never_sent() {
    let (redis, proxy, local) = behind_a_proxy().await;
    let upstash = Upstash::builder(local.url(), local.token())
        .auto_pipeline(Some(AutoPipeline::new(1, 1_000_000)))
        .build()
        .unwrap();
    let push = Script::<i64>::new(PUSH);
    redis.script_load(PUSH).await;
    assert_eq!(push.exec(&upstash, ["log"], ["first"]).await.unwrap(), 1);

    let sent = proxy.forwarded(Direction::ToServer);
    proxy.hold_after(Direction::ToClient, 0);
    // Two requests of one call, sent by the queue's task (their replies held): the calls below wait
    // for them, 14 in the queue (two of its 16 places are taken by these) and 10 for room.
    let on_its_way = futures_util::future::join(
        push.exec(&upstash, ["log"], ["held"]),
        push.exec(&upstash, ["log"], ["held too"]),
    );
    let givers_up = async {
        proxy
            .forwarded_at_least(Direction::ToServer, sent + 1)
            .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let calls = (0..24).map(|i| {
            tokio::time::timeout(
                Duration::from_millis(50),
                push.exec(&upstash, ["log"], [format!("dropped {i}")]),
            )
        });
        for outcome in futures_util::future::join_all(calls).await {
            assert!(outcome.is_err(), "{outcome:?}");
        }
        proxy.release();
    };
    let ((held, held_too), ()) = tokio::join!(on_its_way, givers_up);
    // The two requests left at once, so they may have run in either order.
    let mut held = [held.unwrap(), held_too.unwrap()];
    held.sort_unstable();
    assert_eq!(held, [2, 3]);
    let calls = (0..40).map(|i| push.exec(&upstash, ["log"], [format!("kept {i}")]));
    let done = futures_util::future::join_all(calls).await;
    assert!(done.iter().all(Result::is_ok), "{done:?}");
    let log = log(&redis).await;
    assert_eq!(log.len(), 43, "{log:?}");
    assert!(log.iter().all(|id| !id.starts_with("dropped")), "{log:?}");
}

/// Waits until upstash-local has done what it received on connections that are gone (it runs a
/// request it read in full even when its client left).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(30)).await;
}

/// Sends requests until upstash-local's sync token (a number one larger per request, which requests
/// and responses carry) has three digits: the sizes of the requests and replies of a sweep stay the
/// same from run to run (below 1,000 requests).
async fn three_digit_sync_tokens(local: &UpstashLocal) {
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    let ping = Script::<i64>::new("return 1");
    for _ in 0..100 {
        ping.exec(&upstash, (), ()).await.unwrap();
    }
}

/// `/pipeline` and `/multi-exec` requests of three calls, cut after sampled bytes going either way
/// through a proxy in front of upstash-local: no entry runs twice, none that answered is missing,
/// none that says it did not run ran.
#[tokio::test]
async fn rest_batches_cut_at_sampled_bytes_run_each_entry_at_most_once() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let proxy = FaultProxy::start(local.port()).await;
    three_digit_sync_tokens(&local).await;
    let setup = Setup {
        proxy: &proxy,
        connect: async || {
            Upstash::builder(proxy.http_url(), local.token())
                .retry(RetryPolicy::none())
                .auto_pipeline(None)
                .build()
                .unwrap()
        },
        read: async |key: String| -> Vec<String> {
            redis
                .query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
                .await
        },
        settle: async || settle().await,
    };
    let mut tally = Tally::default();
    let (mut run, mut boundaries) = (0, 0);
    for atomic in [false, true] {
        let shape = Shape { atomic, entries: 3 };
        let (cut, runs, _) = setup.both_ways(run, shape, 40).await;
        tally.merge(cut);
        (run, boundaries) = (run + runs, boundaries + runs - 1);
    }
    eprintln!("{boundaries} byte boundaries swept");
    tally.assert_exactly_once("REST /pipeline and /multi-exec through the proxy");
}

/// Auto-pipelined calls (three issued together, one `/pipeline` request), cut after sampled bytes
/// going either way: each call runs at most once and says so.
#[tokio::test]
async fn auto_pipelined_calls_cut_at_sampled_bytes_run_at_most_once() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let proxy = FaultProxy::start(local.port()).await;
    let script = Script::<i64>::new(PUSH);
    redis.script_load(PUSH).await;
    three_digit_sync_tokens(&local).await;
    let connect = || {
        Upstash::builder(proxy.http_url(), local.token())
            .retry(RetryPolicy::none())
            .auto_pipeline(Some(AutoPipeline::DEFAULT))
            .build()
            .unwrap()
    };
    let send = async |upstash: &Upstash, run: usize| {
        let (key, ids) = sweep::run_ids(run, 3);
        let calls = ids.iter().map(|id| script.exec(upstash, [&key], [id]));
        let results: Vec<Result<(), redis_script::Error>> = futures_util::future::join_all(calls)
            .await
            .into_iter()
            .map(|r| r.map(drop))
            .collect();
        (key, ids, results)
    };
    // Measured without faults.
    let (sent0, received0) = (
        proxy.forwarded(Direction::ToServer),
        proxy.forwarded(Direction::ToClient),
    );
    let (_, _, results) = send(&connect(), 0).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let sent = proxy.forwarded(Direction::ToServer) - sent0;
    let received = proxy.forwarded(Direction::ToClient) - received0;
    let mut tally = Tally::default();
    let mut run = 1;
    for (direction, total) in [(Direction::ToServer, sent), (Direction::ToClient, received)] {
        for offset in sweep::offsets(total, 40) {
            let upstash = connect();
            proxy.cut_after(direction, offset);
            let (key, ids, results) = send(&upstash, run).await;
            proxy.release();
            settle().await;
            let log: Vec<String> = redis
                .query(redis::cmd("LRANGE").arg(&key).arg(0).arg(-1))
                .await;
            sweep::count(&mut tally, &ids, &Ok(results), &log);
            run += 1;
        }
    }
    tally.assert_exactly_once("REST auto-pipelining through the proxy");
}

/// upstash-local in front of a server that refuses MULTI: `/multi-exec` answers 500 (the commands
/// ran one by one), and the transaction says it may have run; each entry ran once.
#[tokio::test]
async fn a_transaction_over_rest_whose_multi_the_server_refused_says_it_may_have_run() {
    let redis = RedisServer::start_with_config("rename-command MULTI \"\"\n");
    let local = UpstashLocal::start(&redis);
    let upstash = Upstash::builder(local.url(), local.token())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let push = Script::<i64>::new(PUSH);
    let mut tx = redis_script::Transaction::new();
    let _ = tx.exec(&push, ["log"], ["a"]);
    let _ = tx.exec(&push, ["log"], ["b"]);
    let err = tx.run(&upstash).await.unwrap_err();
    assert!(err.may_have_run(), "{err:?}");
    assert!(err.to_string().contains("refused MULTI"), "{err}");
    assert_eq!(log(&redis).await, ["a", "b"]);
}
