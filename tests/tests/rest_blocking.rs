//! The blocking API over the Upstash REST API (`BlockingUpstash`, on a runtime of its own), against
//! `upstash-local` in front of a real Redis: the fallback once and only on NOSCRIPT, a pipeline and
//! a transaction that load their script inside the batch, and the batch checks every transport
//! passes; counted by the server. Plain `#[test]`s: a blocking call inside an async runtime is
//! refused, having sent nothing.

#![allow(clippy::unwrap_used)]

use redis_script::rest::BlockingUpstash;
use redis_script::{Pipeline, Script, Transaction, TransportErrorKind};
use redis_script_tests::batches::{self, PUSH};
use redis_script_tests::blocking::Blocking;
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{CommandStats, RedisServer};

fn stats(conn: &mut redis::Connection) -> CommandStats {
    let info: String = redis::cmd("INFO").arg("commandstats").query(conn).unwrap();
    CommandStats::parse(&info)
}

#[test]
fn scripts_and_batches_run_blocking_over_rest_exactly_once() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = BlockingUpstash::new(local.url(), local.token()).unwrap();
    let mut conn = redis.client().get_connection().unwrap();
    let push = Script::<i64>::new(PUSH);

    // (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO)
    assert_eq!(push.exec_blocking(&upstash, ["log"], ["a"]).unwrap(), 1);
    assert_eq!(stats(&mut conn).scripts(), (1, 1, 0, 0));
    assert_eq!(push.exec_blocking(&upstash, ["log"], ["b"]).unwrap(), 2);
    assert_eq!(stats(&mut conn).scripts(), (1, 2, 0, 0));

    let fresh = Script::<i64>::new(format!("{PUSH} -- fresh"));
    let mut pipe = Pipeline::new();
    let c = pipe.exec(&fresh, ["log"], ["c"]);
    let d = pipe.exec(&push, ["log"], ["d"]);
    let mut replies = pipe.run_blocking(&upstash).unwrap();
    assert_eq!((replies.take(c).unwrap(), replies.take(d).unwrap()), (3, 4));
    let mut transaction = Transaction::new();
    let e = transaction.exec(&fresh, ["log"], ["e"]);
    assert_eq!(
        transaction.run_blocking(&upstash).unwrap().take(e).unwrap(),
        5
    );
    let log: Vec<String> = redis::cmd("LRANGE")
        .arg("log")
        .arg(0)
        .arg(-1)
        .query(&mut conn)
        .unwrap();
    assert_eq!(log, ["a", "b", "c", "d", "e"]);
    let stats = stats(&mut conn);
    assert_eq!(stats.scripts(), (1, 5, 0, 0));
    assert_eq!(stats.calls("multi"), 1);
}

#[test]
fn a_blocking_call_inside_an_async_runtime_is_refused_and_sends_nothing() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = BlockingUpstash::new(local.url(), local.token()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = runtime.block_on(async {
        Script::<i64>::new(PUSH)
            .exec_blocking(&upstash, ["log"], ["x"])
            .unwrap_err()
    });
    let redis_script::Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Config, "{err}");
    assert!(!err.may_have_run());
    let mut conn = redis.client().get_connection().unwrap();
    assert_eq!(stats(&mut conn).scripts(), (0, 0, 0, 0));
}

/// The batch checks every transport passes (`redis_script_tests::batches`), over `BlockingUpstash`,
/// each on a fresh server: the checks run on a runtime of the test's, and each call of the
/// transport is made from a plain thread, since it refuses to block inside a runtime. Every batch
/// is one request, to its endpoint.
#[test]
fn the_batch_checks_pass_over_blocking_upstash() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let count = batches::every_check::<Blocking<&BlockingUpstash>>().len();
    for i in 0..count {
        let server = RedisServer::start();
        let local = UpstashLocal::start(&server);
        let upstash = BlockingUpstash::new(local.url(), local.token()).unwrap();
        let (name, check) = batches::every_check()[i];
        eprintln!("{name}");
        runtime.block_on(check(&Blocking::on_plain_threads(&upstash), &server));
        for request in local.requests() {
            assert!(
                request.path == "/pipeline" || request.path == "/multi-exec",
                "{name}: {}",
                request.path
            );
        }
    }
}
