//! Soaks: many calls at once (scripts, functions, pipelines, transactions) while the servers
//! misbehave, every call's claim checked against the lists it pushed to. Each prints its counts and
//! fails unless none was doubled, lost or falsely said not to have run.
//!
//! Short by default; `SOAK_CALLS=100000` (or `scripts/soak 100000`) makes each longer.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use redis::aio::ConnectionManagerConfig;
use redis_script::rest::{AutoPipeline, RetryPolicy, Upstash};
use redis_script_tests::proxy::FaultProxy;
use redis_script_tests::soak::{self, Call};
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{RedisCluster, RedisServer};

async fn lrange(server: &RedisServer, key: &str) -> Vec<String> {
    server
        .query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
        .await
}

/// RESP through `ConnectionManager`s: SCRIPT FLUSH and FUNCTION FLUSH storms, clients killed, and the
/// server killed (`SIGKILL`) and restarted from its append-only file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp_under_flushes_killed_clients_and_crashes() {
    let calls = soak::calls(1_200);
    let mut server =
        RedisServer::start_with_args(["--appendonly", "yes", "--appendfsync", "always"]);
    let workers = 6;
    let mut conns = Vec::new();
    for _ in 0..workers {
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_connection_timeout(Some(Duration::from_secs(1)));
        conns.push(
            server
                .client()
                .get_connection_manager_with_config(config)
                .await
                .unwrap(),
        );
    }
    let (mut flushes, mut kills, mut crashes) = (0, 0, 0);
    let progress = soak::Progress::default();
    let ledgers = soak::run(
        &progress,
        conns.iter().enumerate().map(|(w, conn)| {
            let progress = &progress;
            async move {
                let (name, key) = (format!("w{w}"), format!("log:w{w}"));
                soak::worker(conn, &name, &key, &soak::ALL, progress).await
            }
        }),
        (calls, 24, Duration::from_millis(25)),
        async |round| match round % 12 {
            11 => {
                tokio::task::block_in_place(|| server.restart());
                crashes += 1;
            }
            r if r % 3 == 0 => {
                server.script_flush().await;
                flushes += 1;
            }
            r if r % 3 == 1 => {
                let _: redis::Value = server.query(redis::cmd("FUNCTION").arg("FLUSH")).await;
                flushes += 1;
            }
            _ => {
                server.kill_clients().await;
                kills += 1;
            }
        },
    )
    .await;
    let tally = soak::check(&ledgers, async |key| lrange(&server, key).await).await;
    eprintln!("{flushes} flushes, {kills} client kills, {crashes} crashes and restarts");
    tally.assert_exactly_once("soak, RESP");
}

/// A cluster through `redis_script::Cluster`: slots moved with their keys while calls land on them
/// (ASK, then MOVED), a master failed over to its replica, script caches flushed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_under_resharding_and_failover() {
    let calls = soak::calls(600);
    let cluster = RedisCluster::start(3, 1);
    let conn = cluster.exactly_once().await;
    let workers = 6;
    let keys: Vec<String> = (0..workers).map(|w| format!("{{w{w}}}:log")).collect();
    let (mut moves, mut failovers, mut flushes) = (0, 0, 0);
    let progress = soak::Progress::default();
    let ledgers = soak::run(
        &progress,
        keys.iter().enumerate().map(|(w, key)| {
            let (conn, progress) = (conn.clone(), &progress);
            async move { soak::worker(&conn, &format!("w{w}"), key, &soak::ALL, progress).await }
        }),
        (calls, 8, Duration::from_millis(50)),
        async |round| match round % 6 {
            5 if failovers == 0 => {
                let master = cluster.master_for_key(&keys[0]).await.port();
                let replica = cluster.replica_of(master).await.port();
                cluster.fail_over_to(replica).await;
                failovers += 1;
            }
            r if r % 2 == 0 => {
                let migration = cluster.begin_migration(&keys[round % workers]).await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                migration.finish().await;
                moves += 1;
            }
            _ => {
                cluster.script_flush().await;
                flushes += 1;
            }
        },
    )
    .await;
    let reader = cluster.connection().await;
    let tally = soak::check(&ledgers, async |key| {
        redis::cmd("LRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .query_async(&mut reader.clone())
            .await
            .unwrap()
    })
    .await;
    let mut redirects = 0;
    for node in cluster.nodes() {
        let errors: String = node.query(redis::cmd("INFO").arg("errorstats")).await;
        redirects += errors
            .lines()
            .filter(|l| l.starts_with("errorstat_ASK:") || l.starts_with("errorstat_MOVED:"))
            .filter_map(|l| l.split("count=").nth(1)?.parse::<u64>().ok())
            .sum::<u64>();
    }
    eprintln!(
        "{moves} slots moved, {failovers} failovers, {flushes} flushes, {redirects} redirects \
         answered"
    );
    tally.assert_exactly_once("soak, cluster");
}

/// REST with auto-pipelining: callers that give up on calls, connections cut by a proxy, script
/// caches flushed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_with_auto_pipelining_cancelled_callers_and_cut_connections() {
    let calls = soak::calls(1_000);
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let proxy = FaultProxy::start(local.port()).await;
    let upstash = Upstash::builder(proxy.http_url(), local.token())
        .auto_pipeline(Some(AutoPipeline::DEFAULT))
        .retry(RetryPolicy::new(2, Duration::from_millis(5)))
        .build()
        .unwrap();
    let workers = 8;
    let kinds = [
        Call::Script,
        Call::Abandoned,
        Call::Function,
        Call::Abandoned,
        Call::Pipeline,
        Call::Script,
        Call::Transaction,
    ];
    let (mut cuts, mut flushes) = (0, 0);
    let progress = soak::Progress::default();
    let ledgers = soak::run(
        &progress,
        (0..workers).map(|w| {
            let (upstash, progress, kinds) = (upstash.clone(), &progress, &kinds);
            async move {
                let (name, key) = (format!("w{w}"), format!("log:w{w}"));
                soak::worker(&upstash, &name, &key, kinds, progress).await
            }
        }),
        (calls, 20, Duration::from_millis(25)),
        async |round| {
            if round % 2 == 0 {
                proxy.cut_all();
                cuts += 1;
            } else {
                redis.script_flush().await;
                flushes += 1;
            }
        },
    )
    .await;
    // Calls given up on may still be on their way.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let tally = soak::check(&ledgers, async |key| lrange(&redis, key).await).await;
    eprintln!("{cuts} connection cuts, {flushes} flushes");
    tally.assert_exactly_once("soak, REST");
}
