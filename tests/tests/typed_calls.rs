//! Declared scripts called with their generated parameters (`RECORD.exec(&conn, Record { .. })`)
//! over every transport, in pipelines and transactions, read-only: each key lands in KEYS and each
//! argument in ARGV in the order the file declares, whatever order the call names them in, checked
//! on the server's own state and its `INFO commandstats`.

#![allow(clippy::unwrap_used)]

use redis_script::rest::Upstash;
use redis_script::{Pipeline, Script, ScriptRO, Transaction, Transport, lua_script};
use redis_script_tests::blocking::Blocking;
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{RedisCluster, RedisServer};

lua_script! {
    static RECORD: Script<i64, Record> = "../lua/typed_record.lua";
}

lua_script! {
    static LOCK: Script<Option<String>, Lock> = "../lua/typed_lock.lua";
}

// Inferred from `local hash = KEYS[1]` and `local field = ARGV[1]`; EVALSHA_RO by its type.
lua_script! {
    static FIELD: ScriptRO<Option<String>, Field> = "../lua/typed_field.lua";
}

/// What the script saw in ARGV for `Record { count: 42, ratio: 2.5, enabled: true, label }`.
fn recorded(label: &str) -> Vec<String> {
    vec!["42".into(), "2.5".into(), "1".into(), label.into()]
}

/// The typed calls of one transport, checked on `server` (the node that holds `key`).
async fn typed_calls(conn: &(impl Transport + ?Sized), server: &RedisServer, key: &str) {
    let label = String::from("héllo wörld");
    // Named in another order than declared: the file's order is what is sent.
    let params = Record {
        label: &label,
        enabled: true,
        ratio: 2.5,
        log: key,
        count: 42,
    };
    assert_eq!(RECORD.exec(conn, params).await.unwrap(), 4);
    let list: Vec<String> = server
        .query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
        .await;
    assert_eq!(list, recorded(&label));

    let lock = format!("{key}:lock");
    let held = LOCK
        .exec(
            conn,
            Lock {
                ttl: 60_000,
                token: "worker-1",
                lock: &lock,
            },
        )
        .await
        .unwrap();
    assert_eq!(held.as_deref(), Some("worker-1"));
    let ttl: i64 = server.query(redis::cmd("PTTL").arg(&lock)).await;
    assert!(ttl > 0 && ttl <= 60_000, "{ttl}");

    let hash = format!("{key}:hash");
    let _: i64 = server
        .query(redis::cmd("HSET").arg(&hash).arg("views").arg(7))
        .await;
    let views = FIELD
        .exec(
            conn,
            Field {
                hash: &hash,
                field: "views",
            },
        )
        .await
        .unwrap();
    assert_eq!(views.as_deref(), Some("7"));
}

#[tokio::test]
async fn resp_sends_keys_and_arguments_by_declaration() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    typed_calls(&conn, &server, "log").await;
    // (eval, evalsha, eval_ro, evalsha_ro): each script once EVALSHA -> EVAL, the read-only one with _RO.
    assert_eq!(server.commandstats().await.scripts(), (2, 2, 1, 1));
    // Warm, the same calls are EVALSHA alone.
    let _: i64 = server
        .query(redis::cmd("DEL").arg("log").arg("log:lock"))
        .await;
    typed_calls(&conn, &server, "log").await;
    assert_eq!(server.commandstats().await.scripts(), (2, 4, 1, 2));
}

#[tokio::test]
async fn eval_and_evalsha_take_the_parameters_too() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let params = Record {
        log: "log",
        count: 42,
        ratio: 2.5,
        enabled: true,
        label: "x",
    };
    let err = RECORD.evalsha(&conn, params).await.unwrap_err();
    assert!(err.is_noscript() && !err.may_have_run(), "{err:?}");
    assert_eq!(RECORD.eval(&conn, params).await.unwrap(), 4);
    assert_eq!(RECORD.evalsha(&conn, params).await.unwrap(), 8);
    let field = Field {
        hash: "h",
        field: "f",
    };
    assert_eq!(FIELD.eval_ro(&conn, field).await.unwrap(), None);
    assert_eq!(FIELD.evalsha_ro(&conn, field).await.unwrap(), None);
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 1, 1));
    let len: i64 = server.query(redis::cmd("LLEN").arg("log")).await;
    assert_eq!(len, 8);
}

#[tokio::test]
async fn a_cluster_routes_by_the_declared_keys() {
    let cluster = RedisCluster::start(3, 0);
    let exactly_once = cluster.exactly_once().await;
    let connection = cluster.connection().await;
    for (key, _) in cluster.key_per_master("typed").await {
        let node = cluster.master_for_key(&key).await;
        typed_calls(&exactly_once, node, &format!("{{{key}}}")).await;
        typed_calls(&connection, node, &format!("{{{key}}}:again")).await;
    }
}

/// The typed calls over blocking connections' own I/O: `redis::Connection` and a cluster.
#[tokio::test]
async fn blocking_connections_send_keys_and_arguments_by_declaration() {
    let server = RedisServer::start();
    let mut conn = server.client().get_connection().unwrap();
    server.reset_stats().await;
    typed_calls(&Blocking::new(&mut conn), &server, "log").await;
    assert_eq!(server.commandstats().await.scripts(), (2, 2, 1, 1));
    let _: i64 = server.query(redis::cmd("DEL").arg("log")).await;
    typed_batches(&Blocking::new(&mut conn), &server).await;

    let cluster = RedisCluster::start(3, 0);
    let mut blocking = cluster.blocking();
    for (key, _) in cluster.key_per_master("typed").await {
        let node = cluster.master_for_key(&key).await;
        typed_calls(&Blocking::new(&mut blocking), node, &format!("{{{key}}}")).await;
    }
}

/// `exec_blocking` and `call_blocking` of declared scripts and functions: the struct's fields in
/// KEYS and ARGV in the order the file declares, EVALSHA -> EVAL and FCALL -> FUNCTION LOAD once.
#[tokio::test]
async fn declared_calls_have_blocking_twins() {
    let server = RedisServer::start();
    let mut conn = server.client().get_connection().unwrap();
    server.reset_stats().await;
    for round in 1..=2 {
        let params = Record {
            label: "x",
            enabled: true,
            ratio: 2.5,
            log: "log",
            count: 42,
        };
        assert_eq!(RECORD.exec_blocking(&mut conn, params).unwrap(), round * 4);
        let field = Field {
            hash: "h",
            field: "f",
        };
        assert_eq!(FIELD.exec_blocking(&mut conn, field).unwrap(), None);
        let counter = IncrTtl {
            ttl: 3600,
            counter: "views",
        };
        assert_eq!(INCR_TTL.call_blocking(&mut conn, counter).unwrap(), round);
        let post = Post { post: "post" };
        assert_eq!(
            POST_STATS.call_blocking(&mut conn, post).unwrap(),
            (0, 0, 0.0)
        );
    }
    let list: Vec<String> = server
        .query(redis::cmd("LRANGE").arg("log").arg(0).arg(-1))
        .await;
    assert_eq!(list, [recorded("x"), recorded("x")].concat());
    let ttl: i64 = server.query(redis::cmd("TTL").arg("views")).await;
    assert!(ttl > 3500 && ttl <= 3600, "{ttl}");
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (1, 2, 1, 2));
    // The first FCALL was answered "Function not found", then the library loaded once.
    assert_eq!(
        (
            stats.calls("fcall"),
            stats.calls("fcall_ro"),
            stats.calls("function|load")
        ),
        (3, 2, 1)
    );
}

#[tokio::test]
async fn rest_sends_keys_and_arguments_by_declaration() {
    let server = RedisServer::start();
    let local = UpstashLocal::start(&server);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    server.reset_stats().await;
    typed_calls(&upstash, &server, "log").await;
    assert_eq!(server.commandstats().await.scripts(), (2, 2, 1, 1));
}

/// In a pipeline and a transaction, over RESP and REST: each entry's keys and arguments as declared,
/// in the order the entries were added.
async fn typed_batches(conn: &(impl Transport + ?Sized), server: &RedisServer) {
    let mut pipe = Pipeline::new();
    let first = pipe.exec_typed(
        &RECORD,
        Record {
            log: "log",
            count: 42,
            ratio: 2.5,
            enabled: true,
            label: "a",
        },
    );
    let field = pipe.exec_typed(
        &FIELD,
        Field {
            hash: "h",
            field: "f",
        },
    );
    let second = pipe.exec_typed(
        &RECORD,
        Record {
            label: "b",
            enabled: true,
            ratio: 2.5,
            count: 42,
            log: "log",
        },
    );
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(first).unwrap(), 4);
    assert_eq!(replies.take(field).unwrap(), None);
    assert_eq!(replies.take(second).unwrap(), 8);
    let list: Vec<String> = server
        .query(redis::cmd("LRANGE").arg("log").arg(0).arg(-1))
        .await;
    assert_eq!(list, [recorded("a"), recorded("b")].concat());

    let mut tx = Transaction::new();
    let lock = tx.exec_typed(
        &LOCK,
        Lock {
            lock: "lock",
            token: "t",
            ttl: 1_000,
        },
    );
    let again = tx.exec_typed(
        &LOCK,
        Lock {
            lock: "lock",
            token: "u",
            ttl: 1_000,
        },
    );
    let mut replies = tx.run(conn).await.unwrap();
    assert_eq!(replies.take(lock).unwrap().as_deref(), Some("t"));
    // NX: the second token did not take it.
    assert_eq!(replies.take(again).unwrap().as_deref(), Some("t"));
}

#[tokio::test]
async fn pipelines_and_transactions_over_resp() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    typed_batches(&conn, &server).await;
}

#[tokio::test]
async fn pipelines_and_transactions_over_rest() {
    let server = RedisServer::start();
    let local = UpstashLocal::start(&server);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    typed_batches(&upstash, &server).await;
}

redis_script::lua_library! {
    static SEED: redis_script::Library = "../../examples/lua/seed_library.lua";
    static INCR_TTL: redis_script::Function<i64, IncrTtl> = "incr_ttl";
    static POST_STATS: redis_script::FunctionRO<(i64, i64, f64), Post> = "post_stats";
}

/// Functions declare their keys and arguments above `redis.register_function`: FCALL and FCALL_RO
/// get them in that order, alone and in a pipeline.
#[tokio::test]
async fn functions_take_their_declared_parameters() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let count = INCR_TTL
        .call(
            &conn,
            IncrTtl {
                ttl: 3600,
                counter: "views",
            },
        )
        .await
        .unwrap();
    assert_eq!(count, 1);
    let ttl: i64 = server.query(redis::cmd("TTL").arg("views")).await;
    assert!(ttl > 3500 && ttl <= 3600, "{ttl}");
    let _: () = server
        .query(
            redis::cmd("MSET")
                .arg("post:views")
                .arg(10)
                .arg("post:likes")
                .arg(4),
        )
        .await;
    let stats = POST_STATS.call(&conn, Post { post: "post" }).await.unwrap();
    assert_eq!(stats, (10, 4, 0.4));

    let mut pipe = Pipeline::new();
    let second = pipe.call_typed(
        &INCR_TTL,
        IncrTtl {
            counter: "views",
            ttl: 60,
        },
    );
    let stats = pipe.call_typed(&POST_STATS, Post { post: "post" });
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!(replies.take(second).unwrap(), 2);
    assert_eq!(replies.take(stats).unwrap(), (10, 4, 0.4));
    let stats = server.commandstats().await;
    assert_eq!((stats.calls("fcall"), stats.calls("fcall_ro")), (3, 2));
    assert_eq!(SEED.name(), "seed");
}
