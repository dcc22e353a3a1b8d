//! A `BlockingCluster` node connection stays in step with its node: after a reply the `redis` crate
//! could not read, a command half written when its write timed out, or a reply that timed out, the
//! connection is dropped, so that the next call neither reads an old reply nor has its bytes taken
//! as part of an old command; and a pipeline stops at its first reply that timed out. Counted by the
//! servers (counters the scripts increment).

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use redis_script::{Pipeline, Script, TransportErrorKind};
use redis_script_tests::RedisCluster;

const INCR: &str = "return redis.call('INCR', KEYS[1])";

/// Holds the node on `port` still (`DEBUG SLEEP`) for `seconds`, on a thread of its own; returns
/// once the node is asleep.
fn put_to_sleep(port: u16, seconds: f64) -> std::thread::JoinHandle<()> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
    let mut conn = client.get_connection().unwrap();
    let sleeper = std::thread::spawn(move || {
        let () = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg(seconds)
            .query(&mut conn)
            .unwrap();
    });
    std::thread::sleep(Duration::from_millis(100));
    sleeper
}

#[tokio::test]
async fn after_a_reply_too_deep_to_read_the_next_call_reads_its_own() {
    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking();
    let deep = Script::<i64>::new("local t = {KEYS[1]} for i = 1, 130 do t = {t} end return t");
    let incr = Script::<i64>::new(INCR);
    let err = deep.exec_blocking(&mut conn, ["{deep}:a"], ()).unwrap_err();
    assert!(err.may_have_run(), "{err:?}");
    for n in 1..=3 {
        assert_eq!(incr.exec_blocking(&mut conn, ["{deep}:n"], ()).unwrap(), n);
    }
    let owner = cluster.master_for_key("{deep}:n").await.port();
    let stats = cluster.node(owner).commandstats().await;
    assert_eq!(stats.calls("incr"), 3, "{stats:?}");
}

#[tokio::test]
async fn after_a_write_that_timed_out_the_next_call_runs_alone_and_once() {
    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking();
    let incr = Script::<i64>::new(INCR);
    let key = "{half}:n";
    let owner = cluster.master_for_key(key).await.port();
    // Connected, and the script cached on the node.
    assert_eq!(incr.exec_blocking(&mut conn, [key], ()).unwrap(), 1);
    conn.set_timeout(Some(Duration::from_millis(200))).unwrap();

    // An argument larger than the socket buffers: its write times out half done.
    let big = "x".repeat(64 << 20);
    let sleeper = put_to_sleep(owner, 1.5);
    let err = incr.exec_blocking(&mut conn, [key], [&big]).unwrap_err();
    let timed_out = matches!(&err, redis_script::Error::Transport(e) if e.kind() == TransportErrorKind::Timeout);
    assert!(timed_out, "{err:?}");
    assert!(err.may_have_run());
    sleeper.join().unwrap();
    drop(big);

    conn.set_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(incr.exec_blocking(&mut conn, [key], ()).unwrap(), 2);
    assert_eq!(incr.exec_blocking(&mut conn, [key], ()).unwrap(), 3);
    let stats = cluster.node(owner).commandstats().await;
    assert_eq!(
        stats.calls("incr"),
        3,
        "the half-written call never ran: {stats:?}"
    );
}

#[tokio::test]
async fn a_pipeline_whose_reply_timed_out_stops_there_and_the_next_call_reads_its_own() {
    let cluster = RedisCluster::start(3, 0);
    let mut conn = cluster.blocking();
    let incr = Script::<i64>::new(INCR);
    let key = "{slow}:n";
    let owner = cluster.master_for_key(key).await.port();
    assert_eq!(incr.exec_blocking(&mut conn, [key], ()).unwrap(), 1);
    conn.set_timeout(Some(Duration::from_millis(200))).unwrap();

    let sleeper = put_to_sleep(owner, 1.5);
    let mut pipe = Pipeline::new();
    let calls: Vec<_> = (0..20).map(|_| pipe.exec(&incr, [key], ())).collect();
    let started = Instant::now();
    let outcome = pipe.run_blocking(&mut conn);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(900),
        "waited {waited:?} for a pipeline whose first reply timed out after 200 ms"
    );
    match outcome {
        Ok(mut replies) => {
            for call in calls {
                let err = replies.take(call).unwrap_err();
                assert!(err.may_have_run(), "{err:?}");
            }
        }
        Err(err) => assert!(err.may_have_run(), "{err:?}"),
    }
    sleeper.join().unwrap();

    // The 20 entries ran once each when the node woke (unless it saw the connection close first);
    // the next call reads its own reply: the counter as the node counts its increments.
    conn.set_timeout(Some(Duration::from_secs(5))).unwrap();
    let n = incr.exec_blocking(&mut conn, [key], ()).unwrap();
    assert!(n == 22 || n == 2, "{n}");
    let stats = cluster.node(owner).commandstats().await;
    assert_eq!(stats.calls("incr"), n as u64, "{stats:?}");
}
