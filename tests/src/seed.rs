//! The examples of the seed documentation as checks that any [`Transport`] must pass: each runs one
//! example on `conn`, a client of `server`, and asserts its replies and its effects on `server`, read
//! directly. The RESP and REST test files call every check, so both transports are held to the same
//! behaviour.
//!
//! Each check expects a fresh server: it counts the script commands `server` has run since it began.

use redis_script::{Pipeline, Script, ScriptRO, Transaction, Transport, lua_script};
use serde::Deserialize;

use crate::RedisServer;

static GREETING: Script<String> = lua_script!("../../examples/lua/greeting.lua");
static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");
static SET_IF_HIGHER: Script<i64> = lua_script!("../../examples/lua/set_if_higher.lua");
static POST_STATS: ScriptRO<PostStats> = lua_script!("../../examples/lua/post_stats.lua", readonly);
static BATCH_INCR: Script<Vec<i64>> = lua_script!("../../examples/lua/batch_incr.lua");
static RATE_LIMIT: Script<(i64, i64)> = lua_script!("../../examples/lua/rate_limit.lua");
static USER_ACTIVITY: Script<()> = lua_script!("../../examples/lua/user_activity.lua");
static ECHO: Script<String> = lua_script!("../../examples/lua/echo.lua");
static GET: ScriptRO<Option<String>> = lua_script!("../../examples/lua/get.lua", readonly);
static LRANGE: ScriptRO<Vec<String>> = lua_script!("../../examples/lua/lrange.lua", readonly);

/// The `Stats` of the seed, decoded positionally from `{views, likes, tostring(ratio)}`.
#[derive(Debug, Deserialize, PartialEq)]
struct PostStats {
    views: i64,
    likes: i64,
    ratio: f64,
}

/// A script not cached yet: one EVALSHA answered NOSCRIPT, one EVAL ran it.
pub async fn greeting<C: Transport>(conn: &C, server: &RedisServer) {
    server.reset_stats().await;

    let message = GREETING.exec(conn, (), ["World"]).await.unwrap();
    assert_eq!(message, "Hello, World!");
    assert_eq!(server.commandstats().await.scripts(), (1, 1, 0, 0));
}

/// An argument comes back as it was sent, the empty one too.
pub async fn echo<C: Transport>(conn: &C, _server: &RedisServer) {
    assert_eq!(ECHO.exec(conn, (), ["hi"]).await.unwrap(), "hi");
    assert_eq!(ECHO.exec(conn, (), [""]).await.unwrap(), "");
}

/// The counter counts, and gets a TTL only when it has none.
pub async fn incr_ttl<C: Transport>(conn: &C, server: &RedisServer) {
    let key = "page:views:homepage";

    assert_eq!(INCR_TTL.exec(conn, [key], ["3600"]).await.unwrap(), 1);
    let ttl: i64 = server.query(redis::cmd("TTL").arg(key)).await;
    assert!((3590..=3600).contains(&ttl), "ttl {ttl}");

    // A TTL already set is left alone.
    let () = server.query(redis::cmd("EXPIRE").arg(key).arg(100)).await;
    assert_eq!(INCR_TTL.exec(conn, [key], [3600]).await.unwrap(), 2);
    let ttl: i64 = server.query(redis::cmd("TTL").arg(key)).await;
    assert!((1..=100).contains(&ttl), "ttl {ttl}");

    // A counter without TTL gets one again.
    let () = server.query(redis::cmd("PERSIST").arg(key)).await;
    assert_eq!(INCR_TTL.exec(conn, [key], ["60"]).await.unwrap(), 3);
    let ttl: i64 = server.query(redis::cmd("TTL").arg(key)).await;
    assert!((50..=60).contains(&ttl), "ttl {ttl}");
    let value: i64 = server.query(redis::cmd("GET").arg(key)).await;
    assert_eq!(value, 3);
}

/// Both branches: a higher score is stored, a lower or equal one is not.
pub async fn set_if_higher<C: Transport>(conn: &C, server: &RedisServer) {
    let key = "user:123:highscore";
    let stored = || async {
        server
            .query::<Option<i64>>(redis::cmd("GET").arg(key))
            .await
    };

    // Unset: stored.
    assert_eq!(
        SET_IF_HIGHER.exec(conn, [key], ["1500"]).await.unwrap(),
        1500
    );
    assert_eq!(stored().await, Some(1500));
    // Lower: kept, current value returned.
    assert_eq!(
        SET_IF_HIGHER.exec(conn, [key], ["1000"]).await.unwrap(),
        1500
    );
    assert_eq!(stored().await, Some(1500));
    // Equal: kept.
    assert_eq!(SET_IF_HIGHER.exec(conn, [key], [1500]).await.unwrap(), 1500);
    // Higher: stored.
    assert_eq!(SET_IF_HIGHER.exec(conn, [key], [2000]).await.unwrap(), 2000);
    assert_eq!(stored().await, Some(2000));
}

/// Views, likes and a fractional ratio (sent as a string), through read-only commands only.
pub async fn post_stats<C: Transport>(conn: &C, server: &RedisServer) {
    let () = server
        .query(
            redis::cmd("MSET")
                .arg("post:123:views")
                .arg(1000)
                .arg("post:123:likes")
                .arg(150),
        )
        .await;
    server.reset_stats().await;

    let stats = POST_STATS.exec(conn, ["post:123"], ()).await.unwrap();
    assert_eq!(
        stats,
        PostStats {
            views: 1000,
            likes: 150,
            ratio: 0.15
        }
    );
    // A post nobody saw: zeros, and no division.
    let empty = POST_STATS.exec(conn, ["post:404"], ()).await.unwrap();
    assert_eq!(
        empty,
        PostStats {
            views: 0,
            likes: 0,
            ratio: 0.0
        }
    );
    // The same reply as a tuple.
    let as_tuple = ScriptRO::<(i64, i64, f64)>::new(POST_STATS.script().to_owned())
        .exec(conn, ["post:123"], ())
        .await
        .unwrap();
    assert_eq!(as_tuple, (1000, 150, 0.15));

    // Read-only all the way: EVALSHA_RO, one EVAL_RO to load it, never EVAL.
    assert_eq!(server.commandstats().await.scripts(), (0, 0, 1, 3));
}

/// Every key is counted, and no keys give no counters.
pub async fn batch_incr<C: Transport>(conn: &C, server: &RedisServer) {
    let keys = ["counter:1", "counter:2", "counter:3"];

    assert_eq!(BATCH_INCR.exec(conn, keys, ()).await.unwrap(), [1, 1, 1]);
    assert_eq!(BATCH_INCR.exec(conn, keys, ()).await.unwrap(), [2, 2, 2]);
    let values: Vec<i64> = server.query(redis::cmd("MGET").arg(&keys)).await;
    assert_eq!(values, [2, 2, 2]);
    // No keys, no counters.
    assert_eq!(
        BATCH_INCR.exec(conn, (), ()).await.unwrap(),
        Vec::<i64>::new()
    );
}

/// Several users' rate limits and a batch increment in one round trip, as a pipeline and as a
/// transaction: every call runs once, the scripts are loaded inside the batch, never by EVAL.
pub async fn batches<C: Transport>(conn: &C, server: &RedisServer) {
    server.reset_stats().await;
    let users = ["ratelimit:user:1", "ratelimit:user:2", "ratelimit:user:3"];
    let mut pipe = Pipeline::new();
    let limits: Vec<_> = users
        .iter()
        .map(|user| pipe.exec(&RATE_LIMIT, [user], [100, 60]))
        .collect();
    let again = pipe.exec(&RATE_LIMIT, [users[0]], [100, 60]);
    let counters = pipe.exec(&BATCH_INCR, ["counter:a", "counter:b"], ());
    let mut replies = pipe.run(conn).await.unwrap();
    for limit in limits {
        let (requests, ttl) = replies.take(limit).unwrap();
        assert_eq!(requests, 1);
        assert!((59..=60).contains(&ttl), "ttl {ttl}");
    }
    assert_eq!(replies.take(again).unwrap().0, 2);
    assert_eq!(replies.take(counters).unwrap(), [1, 1]);
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 5, 0, 0));
    assert_eq!(stats.calls("script|load"), 2);

    // The same as one transaction: atomic, and loaded inside it.
    let mut tx = Transaction::new();
    let limits: Vec<_> = users
        .iter()
        .map(|user| tx.exec(&RATE_LIMIT, [user], [100, 60]))
        .collect();
    let counters = tx.exec(&BATCH_INCR, ["counter:a", "counter:b"], ());
    let mut replies = tx.run(conn).await.unwrap();
    let counts: Vec<i64> = limits
        .into_iter()
        .map(|limit| replies.take(limit).unwrap().0)
        .collect();
    assert_eq!(counts, [3, 2, 2]);
    assert_eq!(replies.take(counters).unwrap(), [2, 2]);
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 9, 0, 0));
    assert_eq!(stats.calls("script|load"), 4);
    assert_eq!((stats.calls("multi"), stats.calls("exec")), (1, 1));
    let values: Vec<i64> = server.query(redis::cmd("MGET").arg(&users)).await;
    assert_eq!(values, [3, 2, 2]);
}

/// Requests are counted in a window that expires.
pub async fn rate_limit<C: Transport>(conn: &C, server: &RedisServer) {
    let key = "ratelimit:user:123";

    let (requests, ttl) = RATE_LIMIT.exec(conn, [key], ["100", "60"]).await.unwrap();
    assert_eq!(requests, 1);
    assert!((59..=60).contains(&ttl), "ttl {ttl}");
    for expected in 2..=5 {
        let (requests, ttl) = RATE_LIMIT.exec(conn, [key], [100, 60]).await.unwrap();
        assert_eq!(requests, expected);
        assert!((1..=60).contains(&ttl), "ttl {ttl}");
    }
    let server_ttl: i64 = server.query(redis::cmd("TTL").arg(key)).await;
    assert!((1..=60).contains(&server_ttl), "ttl {server_ttl}");
    let count: i64 = server.query(redis::cmd("GET").arg(key)).await;
    assert_eq!(count, 5);
}

/// The user's hash is updated and the activity log keeps the last 100 entries.
pub async fn user_activity<C: Transport>(conn: &C, server: &RedisServer) {
    let () = USER_ACTIVITY
        .exec(conn, (), ["123", "logged_in", "1700000000000"])
        .await
        .unwrap();
    let mut user: Vec<(String, String)> = server.query(redis::cmd("HGETALL").arg("user:123")).await;
    user.sort();
    assert_eq!(
        user,
        [
            ("last_activity".to_owned(), "logged_in".to_owned()),
            ("last_seen".to_owned(), "1700000000000".to_owned()),
        ]
    );
    let score: f64 = server
        .query(
            redis::cmd("ZSCORE")
                .arg("user:123:activity")
                .arg("logged_in"),
        )
        .await;
    assert_eq!(score, 1_700_000_000_000.0);

    for i in 1..=104_i64 {
        let activity = format!("action:{i}");
        USER_ACTIVITY
            .exec(conn, (), ("123", activity.as_str(), 1_700_000_000_000 + i))
            .await
            .unwrap();
    }
    let count: i64 = server
        .query(redis::cmd("ZCARD").arg("user:123:activity"))
        .await;
    assert_eq!(count, 100);
    // The oldest five (logged_in, action:1..4) were trimmed.
    let oldest: Vec<String> = server
        .query(redis::cmd("ZRANGE").arg("user:123:activity").arg(0).arg(0))
        .await;
    assert_eq!(oldest, ["action:5"]);
    let last: String = server
        .query(redis::cmd("HGET").arg("user:123").arg("last_activity"))
        .await;
    assert_eq!(last, "action:104");
}

/// GET and LRANGE read through EVALSHA_RO, each script loaded once with EVAL_RO.
pub async fn get_and_lrange<C: Transport>(conn: &C, server: &RedisServer) {
    assert_eq!(GET.exec(conn, ["mykey"], ()).await.unwrap(), None);
    let () = server.query(redis::cmd("SET").arg("mykey").arg("v")).await;
    assert_eq!(
        GET.exec(conn, ["mykey"], ()).await.unwrap().as_deref(),
        Some("v")
    );

    assert!(LRANGE.exec(conn, ["mylist"], ()).await.unwrap().is_empty());
    let () = server
        .query(redis::cmd("RPUSH").arg("mylist").arg(&["a", "b", "c"]))
        .await;
    assert_eq!(
        LRANGE.exec(conn, ["mylist"], ()).await.unwrap(),
        ["a", "b", "c"]
    );

    let stats = server.commandstats().await;
    assert_eq!(stats.calls("eval"), 0);
    assert_eq!(stats.calls("evalsha"), 0);
    assert_eq!(stats.calls("eval_ro"), 2, "each script loaded once");
    assert_eq!(stats.calls("evalsha_ro"), 4);
}
