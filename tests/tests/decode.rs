//! Decoding the replies of real scripts: every Lua value a script can return, into the Rust types users
//! ask for, over RESP2 and RESP3.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use redis::aio::MultiplexedConnection;
use redis_script::{Error, Reply, Script};
use redis_script_tests::RedisServer;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Runs `lua` (no keys, no args) and decodes its reply into `T`.
async fn run<T: DeserializeOwned>(
    conn: &MultiplexedConnection,
    lua: &str,
) -> redis_script::Result<T> {
    Script::<T>::new(lua.to_owned()).exec(conn, (), ()).await
}

/// The text of a decode error without the script it names at the end (`(script <sha1>)`), which it must.
fn text_without_script(e: &Error) -> String {
    let sha1 = e
        .script_sha1()
        .expect("a decode error of a call names its script");
    let text = e.to_string();
    text.strip_suffix(&format!(" (script {sha1})"))
        .unwrap_or_else(|| panic!("{text} does not end with its script"))
        .to_owned()
}

async fn resp3(server: &RedisServer) -> MultiplexedConnection {
    redis::Client::open(format!("{}?protocol=resp3", server.url()))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

#[derive(Debug, Deserialize, PartialEq)]
struct Stats {
    views: i64,
    likes: i64,
    ratio: f64,
}

/// The stats every table and hash below holds.
const POST_1: Stats = Stats {
    views: 1000,
    likes: 150,
    ratio: 0.15,
};

/// Stores [`POST_1`] as the hash `post:1`, the ratio as Redis would keep it: a string.
async fn hset_post_1(server: &RedisServer) {
    let () = server
        .query(
            redis::cmd("HSET")
                .arg("post:1")
                .arg("views")
                .arg(1000)
                .arg("likes")
                .arg(150)
                .arg("ratio")
                .arg("0.15"),
        )
        .await;
}

#[tokio::test]
async fn decode_lua_numbers() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    assert_eq!(run::<i64>(&conn, "return 42").await.unwrap(), 42);
    assert_eq!(run::<u8>(&conn, "return 255").await.unwrap(), 255);
    assert_eq!(run::<i32>(&conn, "return -7").await.unwrap(), -7);
    assert_eq!(run::<f64>(&conn, "return 3").await.unwrap(), 3.0);
    assert_eq!(run::<String>(&conn, "return 42").await.unwrap(), "42");
    // Lua numbers are truncated toward zero on the way out ...
    assert_eq!(run::<f64>(&conn, "return 2.9").await.unwrap(), 2.0);
    assert_eq!(run::<i64>(&conn, "return -2.9").await.unwrap(), -2);
    // ... so a float travels as a string.
    assert_eq!(
        run::<f64>(&conn, "return tostring(2.9)").await.unwrap(),
        2.9
    );
    assert_eq!(
        run::<f64>(&conn, "return tostring(1/0)").await.unwrap(),
        f64::INFINITY
    );
    assert_eq!(
        run::<f64>(&conn, "return tostring(-1/0)").await.unwrap(),
        f64::NEG_INFINITY
    );
    assert!(
        run::<f64>(&conn, "return tostring(0/0)")
            .await
            .unwrap()
            .is_nan()
    );
    assert_eq!(run::<i64>(&conn, "return '12'").await.unwrap(), 12);

    let e = run::<u8>(&conn, "return 256").await.unwrap_err();
    assert_eq!(
        text_without_script(&e),
        "can not decode reply 256 as u8: integer 256 does not fit in u8"
    );
}

#[tokio::test]
async fn decode_lua_strings_and_status() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    assert_eq!(
        run::<String>(&conn, "return 'héllo'").await.unwrap(),
        "héllo"
    );
    assert_eq!(
        run::<Vec<u8>>(&conn, "return '\\0\\255a'").await.unwrap(),
        [0, 255, b'a']
    );
    assert_eq!(
        run::<Reply>(&conn, "return '\\0\\255a'").await.unwrap(),
        Reply::Bulk(vec![0, 255, b'a'])
    );
    assert_eq!(
        run::<String>(&conn, "return redis.status_reply('PONG')")
            .await
            .unwrap(),
        "PONG"
    );
    assert_eq!(
        run::<Reply>(&conn, "return {ok = 'FINE'}").await.unwrap(),
        Reply::Status("FINE".into())
    );
    assert_eq!(run::<char>(&conn, "return 'x'").await.unwrap(), 'x');

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Decision {
        Allowed,
        Limited,
    }
    assert_eq!(
        run::<Decision>(&conn, "return 'limited'").await.unwrap(),
        Decision::Limited
    );

    let e = run::<String>(&conn, "return '\\255'").await.unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e}");
    assert_eq!(
        text_without_script(&e),
        "can not decode reply \"\\xff\" as String: expected a string, got bulk string \"\\xff\""
    );
}

#[tokio::test]
async fn decode_lua_booleans_and_nil() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    // true arrives as 1, false and nil as nil.
    assert!(run::<bool>(&conn, "return true").await.unwrap());
    assert!(!run::<bool>(&conn, "return false").await.unwrap());
    assert!(!run::<bool>(&conn, "return nil").await.unwrap());
    assert_eq!(
        run::<Reply>(&conn, "return true").await.unwrap(),
        Reply::Int(1)
    );
    assert_eq!(
        run::<Reply>(&conn, "return false").await.unwrap(),
        Reply::Nil
    );
    assert_eq!(
        run::<Option<i64>>(&conn, "return false").await.unwrap(),
        None
    );
    assert_eq!(
        run::<Option<String>>(&conn, "return 'a'").await.unwrap(),
        Some("a".into())
    );
    assert_eq!(
        run::<Vec<i64>>(&conn, "return nil").await.unwrap(),
        Vec::<i64>::new()
    );

    let e = run::<i64>(&conn, "return nil").await.unwrap_err();
    assert_eq!(
        text_without_script(&e),
        "can not decode reply nil as i64: expected an integer (i64), got nil"
    );
}

#[tokio::test]
async fn decode_lua_tables() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let stats = "return {1000, 150, tostring(0.15)}";
    assert_eq!(run::<Stats>(&conn, stats).await.unwrap(), POST_1);
    assert_eq!(
        run::<(i64, String, f64)>(&conn, stats).await.unwrap(),
        (1000, "150".to_owned(), 0.15)
    );
    assert_eq!(
        run::<Reply>(&conn, stats).await.unwrap(),
        Reply::Array(vec![Reply::Int(1000), Reply::Int(150), bulk("0.15")])
    );
    // A table stops at its first nil.
    assert_eq!(
        run::<Vec<i64>>(&conn, "return {1, 2, nil, 4}")
            .await
            .unwrap(),
        [1, 2]
    );
    assert_eq!(
        run::<Vec<Vec<String>>>(&conn, "return {{'a', 'b'}, {}, {'c'}}")
            .await
            .unwrap(),
        [
            vec!["a".to_owned(), "b".to_owned()],
            vec![],
            vec!["c".to_owned()]
        ]
    );
    let json: serde_json::Value = run(&conn, "return {1, 'two', {3}, false}").await.unwrap();
    // `false` inside a table is nil, which does not end the table (only a Lua nil does).
    assert_eq!(json, serde_json::json!([1, "two", [3], null]));

    let e = run::<Stats>(&conn, "return {1000, 150, 'abc'}")
        .await
        .unwrap_err();
    assert!(
        text_without_script(&e)
            .ends_with("Stats: at [2] (field `ratio`): expected a float, got bulk string \"abc\""),
        "{e}"
    );
    let e = run::<(i64, i64)>(&conn, "return {1, 2, 3}")
        .await
        .unwrap_err();
    assert_eq!(
        text_without_script(&e),
        "can not decode reply [1, 2, 3] as (i64, i64): expected an array of 2 items, got array [1, 2, 3]"
    );
}

#[tokio::test]
async fn decode_hgetall_into_maps_and_structs() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    hset_post_1(&server).await;
    let lua = "return redis.call('HGETALL', 'post:1')";
    assert_eq!(run::<Stats>(&conn, lua).await.unwrap(), POST_1);
    let map: HashMap<String, String> = run(&conn, lua).await.unwrap();
    assert_eq!(map["views"], "1000");
    assert_eq!(map["ratio"], "0.15");
    assert_eq!(map.len(), 3);
    let map: BTreeMap<String, f64> = run(&conn, lua).await.unwrap();
    assert_eq!(map["likes"], 150.0);
}

#[tokio::test]
async fn decode_ignores_replies_for_unit_but_keeps_effects() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    run::<()>(&conn, "redis.call('SET', 'a', 'x') return {1, 'ignored'}")
        .await
        .unwrap();
    run::<()>(&conn, "return redis.call('SET', 'b', 'y')")
        .await
        .unwrap();
    run::<()>(&conn, "return nil").await.unwrap();
    let (a, b): (String, String) = server.query(redis::cmd("MGET").arg("a").arg("b")).await;
    assert_eq!((a.as_str(), b.as_str()), ("x", "y"));

    // A reply that does not decode is an error, but the script ran: its writes stay.
    let e = run::<i64>(&conn, "redis.call('SET', 'c', 'z') return 'not a number'")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e}");
    assert!(e.may_have_run());
    let c: String = server.query(redis::cmd("GET").arg("c")).await;
    assert_eq!(c, "z");
}

#[tokio::test]
async fn decode_resp3_replies() {
    let server = RedisServer::start();
    let conn = resp3(&server).await;
    hset_post_1(&server).await;
    let hgetall = "redis.setresp(3) return redis.call('HGETALL', 'post:1')";
    let Reply::Map(pairs) = run::<Reply>(&conn, hgetall).await.unwrap() else {
        panic!("not a map")
    };
    assert!(pairs.contains(&(bulk("views"), bulk("1000"))), "{pairs:?}");
    assert_eq!(run::<Stats>(&conn, hgetall).await.unwrap(), POST_1);
    let map: HashMap<String, i64> = run(&conn, "return {map = {a = 1, b = 2}}").await.unwrap();
    assert_eq!(map, HashMap::from([("a".into(), 1), ("b".into(), 2)]));

    assert_eq!(
        run::<Reply>(&conn, "return {double = 0.5}").await.unwrap(),
        Reply::Double(0.5)
    );
    assert_eq!(
        run::<f64>(&conn, "return {double = 0.15}").await.unwrap(),
        0.15
    );
    // Booleans are RESP3 booleans only after `redis.setresp(3)`; before, `true` is still 1.
    assert_eq!(
        run::<Reply>(&conn, "return true").await.unwrap(),
        Reply::Int(1)
    );
    let yes = "redis.setresp(3) return true";
    let no = "redis.setresp(3) return false";
    assert_eq!(
        run::<Reply>(&conn, yes).await.unwrap(),
        Reply::Boolean(true)
    );
    assert_eq!(
        run::<Reply>(&conn, no).await.unwrap(),
        Reply::Boolean(false)
    );
    assert!(run::<bool>(&conn, yes).await.unwrap());
    assert!(!run::<bool>(&conn, no).await.unwrap());
    assert_eq!(run::<Option<bool>>(&conn, no).await.unwrap(), Some(false));
    assert_eq!(run::<Reply>(&conn, "return nil").await.unwrap(), Reply::Nil);

    let Reply::Set(mut members) = run::<Reply>(&conn, "return {set = {a = true, b = true}}")
        .await
        .unwrap()
    else {
        panic!("not a set")
    };
    members.sort_by_key(|m| m.to_string());
    assert_eq!(members, [bulk("a"), bulk("b")]);
    let mut members: Vec<String> = run(&conn, "return {set = {a = true, b = true}}")
        .await
        .unwrap();
    members.sort();
    assert_eq!(members, ["a", "b"]);

    let big = "return {big_number = '123456789012345678901234567890'}";
    assert_eq!(
        run::<Reply>(&conn, big).await.unwrap(),
        Reply::BigNumber("123456789012345678901234567890".into())
    );
    assert_eq!(
        run::<u128>(&conn, big).await.unwrap(),
        123456789012345678901234567890
    );
    let verbatim = "return {verbatim_string = {format = 'txt', string = 'hi'}}";
    assert_eq!(
        run::<Reply>(&conn, verbatim).await.unwrap(),
        Reply::Verbatim {
            format: "txt".into(),
            text: "hi".into()
        }
    );
    assert_eq!(run::<String>(&conn, verbatim).await.unwrap(), "hi");

    let json: serde_json::Value = run(&conn, "return {map = {k = {double = 1.5}}}")
        .await
        .unwrap();
    assert_eq!(json, serde_json::json!({"k": 1.5}));
}

/// Redis sends an error inside a table as an error reply nested in the array (`*3 $1 a -ERR x $1 c`).
#[tokio::test]
async fn decode_nested_error_replies() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let error_reply = "redis.call('SET', 'ran', '1') return {'a', redis.error_reply('ERR x'), 'c'}";
    let err_table = "return {'a', {err = 'MYERR y'}}";

    // Not a string: the decode fails and names the error, after the script ran.
    let e = run::<Vec<String>>(&conn, error_reply).await.unwrap_err();
    let Error::Decode(decode) = &e else {
        panic!("not a decode error: {e}")
    };
    assert_eq!(decode.path(), "[1]");
    assert_eq!(
        decode.reason(),
        "expected a string, got error reply \"ERR x\""
    );
    assert!(e.may_have_run());
    let ran: Option<String> = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran.as_deref(), Some("1"));
    let e = run::<Vec<Option<String>>>(&conn, err_table)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e}");
    assert!(e.to_string().contains("got error reply \"MYERR y\""), "{e}");

    // `Reply` keeps it exactly; `()` ignores it.
    assert_eq!(
        run::<Reply>(&conn, error_reply).await.unwrap(),
        Reply::Array(vec![bulk("a"), Reply::Error("ERR x".into()), bulk("c")])
    );
    assert_eq!(
        run::<Reply>(&conn, err_table).await.unwrap(),
        Reply::Array(vec![bulk("a"), Reply::Error("MYERR y".into())])
    );
    let () = run::<()>(&conn, error_reply).await.unwrap();
    let () = run::<()>(&conn, err_table).await.unwrap();

    // The same over RESP3.
    let conn3 = resp3(&server).await;
    assert_eq!(
        run::<Reply>(&conn3, err_table).await.unwrap(),
        Reply::Array(vec![bulk("a"), Reply::Error("MYERR y".into())])
    );
    let e = run::<Vec<String>>(&conn3, error_reply).await.unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e}");
    assert!(e.to_string().contains("got error reply \"ERR x\""), "{e}");
}

/// Lua's `tostring` keeps 14 significant digits; `string.format('%.17g', x)` keeps every bit of a double.
#[tokio::test]
async fn decode_floats_exactly_with_format_17g() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let exact = "return string.format('%.17g', 0.1 + 0.2)";
    assert_eq!(
        run::<Reply>(&conn, exact).await.unwrap(),
        bulk("0.30000000000000004")
    );
    assert_eq!(run::<f64>(&conn, exact).await.unwrap(), 0.1 + 0.2);
    let third = "return string.format('%.17g', 1 / 3)";
    assert_eq!(run::<f64>(&conn, third).await.unwrap(), 1.0 / 3.0);

    // `tostring` rounds to display precision: the value that comes back is 0.3, not 0.1 + 0.2.
    let display = "return tostring(0.1 + 0.2)";
    assert_eq!(run::<Reply>(&conn, display).await.unwrap(), bulk("0.3"));
    let shown = run::<f64>(&conn, display).await.unwrap();
    assert_eq!(shown, 0.3);
    assert_ne!(shown, 0.1 + 0.2);
}

/// `Vec<(K, V)>` reads ZRANGE ... WITHSCORES and HGETALL in the order the server gives them: as
/// flat arrays (RESP2), as arrays of pairs and as maps (a RESP3 client, the script after
/// `redis.setresp(3)`).
#[tokio::test]
async fn flat_pairs_and_maps_decode_as_pairs_in_order() {
    let server = RedisServer::start();
    for conn in [server.connection().await, resp3(&server).await] {
        for setresp in ["", "redis.setresp(3) "] {
            let zrange = format!(
                "{setresp}redis.call('DEL', 'z') redis.call('ZADD', 'z', 7, 'c', 1, 'b', 2.5, 'a') \
                 return redis.call('ZRANGE', 'z', 0, -1, 'WITHSCORES')"
            );
            let ranked: Vec<(String, f64)> = run(&conn, &zrange).await.unwrap();
            assert_eq!(
                ranked,
                [
                    ("b".to_owned(), 1.0),
                    ("a".to_owned(), 2.5),
                    ("c".to_owned(), 7.0)
                ],
                "{setresp}"
            );
            let hgetall = format!(
                "{setresp}redis.call('DEL', 'h') redis.call('HSET', 'h', 'y', 2, 'x', 1, 'z', 3) \
                 return redis.call('HGETALL', 'h')"
            );
            let fields: Vec<(String, i64)> = run(&conn, &hgetall).await.unwrap();
            assert_eq!(
                fields,
                [
                    ("y".to_owned(), 2),
                    ("x".to_owned(), 1),
                    ("z".to_owned(), 3)
                ],
                "{setresp}"
            );
            let by_name: BTreeMap<String, i64> = run(&conn, &hgetall).await.unwrap();
            assert_eq!(by_name.len(), 3);
        }
    }
}
