//! Functions in pipelines and transactions: each library loaded in front of its first call inside the
//! batch, every entry run once and in order, over RESP (async and blocking), over REST through
//! `upstash-local`, and on a cluster (each master loads the libraries its entries need).

#![allow(clippy::unwrap_used)]

use redis_script::rest::Upstash;
use redis_script::{Function, Library, Pipeline, Transaction, lua_library};
use redis_script_tests::function_batches::{self, LEN, LOG, PUSH, libraries};
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{RedisCluster, RedisServer};

lua_library! {
    static V1: Library = "../lua/counters_v1.lua";
    static BUMP_V1: Function<i64> = "bump";
}

lua_library! {
    static V2: Library = "../lua/counters_v2.lua";
    static BUMP_V2: Function<i64> = "bump";
}

macro_rules! on_both {
    ($($name:ident => $check:ident $(($($arg:expr),*))?),* $(,)?) => {
        mod resp {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let server = RedisServer::start();
                    let conn = server.connection().await;
                    function_batches::$check(&conn, &server $($(, $arg)*)?).await;
                }
            )*
        }
        mod rest {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let server = RedisServer::start();
                    let local = UpstashLocal::start(&server);
                    let upstash = Upstash::new(local.url(), local.token()).unwrap();
                    function_batches::$check(&upstash, &server $($(, $arg)*)?).await;
                    // Every batch was one request, to its endpoint.
                    for request in local.requests() {
                        assert!(
                            request.path == "/pipeline" || request.path == "/multi-exec",
                            "{}",
                            request.path
                        );
                    }
                }
            )*
        }
        mod blocking {
            use super::*;
            use redis_script_tests::blocking::Blocking;
            $(
                #[tokio::test]
                async fn $name() {
                    let server = RedisServer::start();
                    let mut conn = server.client().get_connection().unwrap();
                    function_batches::$check(&Blocking::new(&mut conn), &server $($(, $arg)*)?)
                        .await;
                }
            )*
        }
    };
}

on_both! {
    a_pipeline_loads_each_library_once_in_front_of_its_first_call => loads_each_library_once_per_batch,
    a_transaction_loads_its_libraries_inside_and_runs_atomically => transaction_loads_its_libraries_inside,
    a_function_flush_among_the_entries_loads_the_library_again => function_flush_in_the_middle,
    after_batch_loading_runs_calls_without_their_library_once_after => after_batch_loading,
    two_versions_of_a_library_run_their_own_code_in_one_batch => two_versions_in_one_batch((&BUMP_V1, &BUMP_V2)),
    a_library_the_server_refuses_fails_its_calls_and_nothing_of_it_runs => refused_library,
}

#[tokio::test]
async fn a_pipeline_over_three_masters_loads_the_library_on_each_and_runs_in_order() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection_without_retries().await;
    let keys = cluster.key_per_master("log").await;
    cluster.reset_stats().await;

    let mut pipe = Pipeline::new();
    let calls: Vec<_> = (0..30)
        .map(|i| pipe.call(&PUSH, [&keys[i % 3].0], [i]))
        .collect();
    let lens: Vec<_> = keys
        .iter()
        .map(|(key, _)| pipe.call(&LEN, [key], ()))
        .collect();
    let mut replies = pipe.run(&conn).await.unwrap();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(replies.take(call).unwrap(), i as i64 / 3 + 1, "entry {i}");
    }
    for len in lens {
        assert_eq!(replies.take(len).unwrap(), 10);
    }
    for (n, (key, port)) in keys.iter().enumerate() {
        let node = cluster.node(*port);
        let list: Vec<String> = node
            .query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
            .await;
        let expected: Vec<String> = (n..30).step_by(3).map(|i| i.to_string()).collect();
        assert_eq!(list, expected, "node {port}");
        let stats = node.commandstats().await;
        assert_eq!(stats.calls("fcall"), 10, "node {port}");
        assert_eq!(stats.calls("fcall_ro"), 1, "node {port}");
        assert_eq!(stats.calls("function|load"), 1, "node {port}");
        assert_eq!(libraries(node).await, [LOG.loaded_name()], "node {port}");
    }

    // A transaction in one slot loads the library on that slot's master, inside MULTI / EXEC.
    cluster.reset_stats().await;
    let owner = cluster.master_for_key("{user:1}").await.port();
    let mut tx = Transaction::new();
    let a = tx.call(&PUSH, ["{user:1}:log"], ["a"]);
    let b = tx.call(&PUSH, ["{user:1}:log"], ["b"]);
    let mut replies = tx.run(&conn).await.unwrap();
    assert_eq!((replies.take(a).unwrap(), replies.take(b).unwrap()), (1, 2));
    let stats = cluster.node(owner).commandstats().await;
    assert_eq!((stats.calls("exec"), stats.calls("fcall")), (1, 2));
    assert_eq!(stats.calls("function|load"), 1);
}
