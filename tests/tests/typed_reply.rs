//! Declared replies (`---@return {allowed: boolean, remaining: integer, reset: integer}`) decoded
//! into the struct the macro generates, over RESP and REST: a positional array by the declared
//! order, names and values and RESP3 maps by name, whatever their order; checked against the
//! server's own state and its `INFO commandstats`.

#![allow(clippy::unwrap_used)]

use redis_script::rest::Upstash;
use redis_script::{Pipeline, Script, Transport, lua_script};
use redis_script_tests::RedisServer;
use redis_script_tests::upstash::UpstashLocal;

lua_script! {
    static LIMIT: Script<Limited, Limit> = "../lua/reply_limit.lua";
}

lua_script! {
    static STATS: Script<PostStats, Post> = "../lua/reply_by_name.lua";
}

lua_script! {
    static SHORT: Script<Pair, List> = "../lua/reply_short.lua";
}

/// Three requests against a limit of two: the fields carry what the script computed, by name.
async fn limits(conn: &(impl Transport + ?Sized), server: &RedisServer, bucket: &str) {
    let params = Limit {
        bucket,
        limit: 2,
        window: 60,
    };
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(LIMIT.exec(conn, params).await.unwrap());
    }
    let verdicts: Vec<(bool, i64)> = seen.iter().map(|l| (l.allowed, l.remaining)).collect();
    assert_eq!(verdicts, [(true, 1), (true, 0), (false, 0)]);
    let ttl: i64 = server.query(redis::cmd("TTL").arg(bucket)).await;
    for limited in &seen {
        assert!(
            limited.reset >= ttl && limited.reset <= 60,
            "{limited:?}, TTL {ttl}"
        );
    }
    let count: i64 = server.query(redis::cmd("GET").arg(bucket)).await;
    assert_eq!(count, 3);
}

/// A flat table of names and values, and a RESP3 map, in another order than declared.
async fn by_name(conn: &(impl Transport + ?Sized), server: &RedisServer, hash: &str) {
    let _: i64 = server
        .query(
            redis::cmd("HSET")
                .arg(hash)
                .arg("likes")
                .arg(7)
                .arg("title")
                .arg("héllo"),
        )
        .await;
    let flat = STATS
        .exec(
            conn,
            Post {
                hash,
                as_map: false,
            },
        )
        .await
        .unwrap();
    let expected = PostStats {
        views: 1,
        likes: 7,
        title: "héllo".to_owned(),
    };
    assert_eq!(flat, expected);
    let map = STATS.exec(conn, Post { hash, as_map: true }).await.unwrap();
    assert_eq!(
        map,
        PostStats {
            views: 2,
            ..expected
        }
    );
    let views: i64 = server
        .query(redis::cmd("HGET").arg(hash).arg("views"))
        .await;
    assert_eq!(views, 2);
}

/// A reply with fewer items than declared fields fails, naming the missing field.
async fn short(conn: &(impl Transport + ?Sized), server: &RedisServer, list: &str) {
    let _: i64 = server.query(redis::cmd("RPUSH").arg(list).arg("a")).await;
    let err = SHORT.exec(conn, List { list }).await.unwrap_err();
    assert!(err.to_string().contains("second"), "{err}");
    let _: i64 = server.query(redis::cmd("RPUSH").arg(list).arg("b")).await;
    let pair = SHORT.exec(conn, List { list }).await.unwrap();
    assert_eq!((pair.first.as_str(), pair.second.as_str()), ("a", "b"));
}

#[tokio::test]
async fn resp_reads_declared_replies_by_field() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    limits(&conn, &server, "rate:alice").await;
    by_name(&conn, &server, "post:1").await;
    short(&conn, &server, "list").await;
    // (eval, evalsha, eval_ro, evalsha_ro): each script loaded once, then EVALSHA alone.
    assert_eq!(server.commandstats().await.scripts(), (3, 7, 0, 0));
}

#[tokio::test]
async fn resp3_reads_the_map_by_name() {
    let server = RedisServer::start();
    let client = redis::Client::open(format!("{}?protocol=resp3", server.url())).unwrap();
    let conn = client.get_multiplexed_async_connection().await.unwrap();
    by_name(&conn, &server, "post:1").await;
}

#[tokio::test]
async fn rest_reads_declared_replies_by_field() {
    let server = RedisServer::start();
    let local = UpstashLocal::start(&server);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    limits(&upstash, &server, "rate:alice").await;
    by_name(&upstash, &server, "post:1").await;
    short(&upstash, &server, "list").await;
}

#[tokio::test]
async fn pipelines_read_declared_replies_by_field() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let mut pipe = Pipeline::new();
    let params = Limit {
        bucket: "rate:bob",
        limit: 1,
        window: 10,
    };
    let first = pipe.exec_typed(&LIMIT, params);
    let second = pipe.exec_typed(&LIMIT, params);
    let mut replies = pipe.run(&conn).await.unwrap();
    let (first, second): (Limited, Limited) =
        (replies.take(first).unwrap(), replies.take(second).unwrap());
    assert!(first.allowed && first.remaining == 0);
    assert!(!second.allowed && second.reset > 0 && second.reset <= 10);
}
