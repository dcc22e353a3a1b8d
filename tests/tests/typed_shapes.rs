//! Optional, variadic and binary parameters (`---@arg ttl? integer`, `---@key lists... string`,
//! `---@arg value bytes`), and a function's declared reply: a `None` passes no value, a slice one
//! value per item, bytes arrive as they are; checked on the server's own state (what the script
//! counted in `#KEYS` / `#ARGV`, the lists and counters it wrote, on one server and a cluster) and
//! its `INFO commandstats`.

#![allow(clippy::unwrap_used)]

use redis_script::lua_script;
use redis_script::rest::Upstash;
use redis_script::{Function, FunctionRO, Library, Pipeline, Script, Transport, lua_library};
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{RedisCluster, RedisServer};

lua_script! {
    static PUSH: Script<(i64, i64), Push> = "../lua/typed_push.lua";
}

lua_script! {
    static ADD: Script<i64, Amounts> = "../lua/typed_amounts.lua";
}

lua_script! {
    static MEMBERS: Script<i64, Members> = "../lua/typed_members.lua";
}

lua_script! {
    static SET: Script<i64, SetTtl> = "../lua/typed_set_ttl.lua";
}

lua_script! {
    static VISIT: Script<i64, Visit> = "../lua/typed_maybe_log.lua";
}

lua_script! {
    static SCORES: Script<i64, Scores> = "../lua/typed_scores.lua";
}

lua_library! {
    static SHAPES: Library = "../../examples/lua/bump.lua";
    static BUMP: Function<Bumped, Bump> = "bump";
    static TOTAL: FunctionRO<Total, Counters> = "total";
}

/// Bytes that are no UTF-8, with a NUL and a CR LF inside.
const BINARY: &[u8] = b"\x00\xff\r\n\xfe bin";

/// The list at `key`, as bytes.
async fn list(server: &RedisServer, key: &str) -> Vec<Vec<u8>> {
    server
        .query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
        .await
}

/// The calls of one transport; `value` the bytes it can carry.
async fn shapes(conn: &(impl Transport + ?Sized), server: &RedisServer, value: &[u8]) {
    // Three keys from one slice, the bytes as they are, no TTL: ARGV holds one value.
    let three = ["a", "b", "c"];
    let seen = PUSH
        .exec(
            conn,
            Push {
                lists: &three,
                value,
                ttl: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(seen, (3, 1));
    for key in three {
        assert_eq!(list(server, key).await, [value.to_vec()]);
        let ttl: i64 = server.query(redis::cmd("TTL").arg(key)).await;
        assert_eq!(ttl, -1);
    }
    // `Some` passes ARGV[2].
    let seen = PUSH
        .exec(
            conn,
            Push {
                lists: &["d"],
                value: b"x",
                ttl: Some(100),
            },
        )
        .await
        .unwrap();
    assert_eq!(seen, (1, 2));
    let ttl: i64 = server.query(redis::cmd("TTL").arg("d")).await;
    assert!(ttl > 0 && ttl <= 100, "{ttl}");
    // No key at all: an empty slice.
    let seen = PUSH
        .exec(
            conn,
            Push {
                lists: &[],
                value: b"",
                ttl: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(seen, (0, 1));

    // A variadic argument after fixed keys: each amount in ARGV, in order.
    let total = ADD
        .exec(
            conn,
            Amounts {
                counter: "total",
                seen: "amounts",
                amounts: &[5, -2, 40],
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 43);
    let total = ADD
        .exec(
            conn,
            Amounts {
                amounts: &[],
                counter: "total",
                seen: "amounts",
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 43);
    let amounts: Vec<String> = server
        .query(redis::cmd("LRANGE").arg("amounts").arg(0).arg(-1))
        .await;
    assert_eq!(amounts, ["5", "-2", "40"]);
}

#[tokio::test]
async fn resp_passes_optional_variadic_and_binary_parameters() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    shapes(&conn, &server, BINARY).await;
    // (eval, evalsha, eval_ro, evalsha_ro): each script loaded once, then EVALSHA alone.
    assert_eq!(server.commandstats().await.scripts(), (2, 5, 0, 0));
}

#[tokio::test]
async fn rest_passes_optional_variadic_and_binary_parameters() {
    let server = RedisServer::start();
    let local = UpstashLocal::start(&server);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    shapes(&upstash, &server, "héllo\r\n".as_bytes()).await;
    // The REST API carries text only: bytes that are not UTF-8 are refused before anything is sent.
    let err = PUSH
        .exec(
            &upstash,
            Push {
                lists: &["binary"],
                value: BINARY,
                ttl: None,
            },
        )
        .await
        .unwrap_err();
    assert!(!err.may_have_run(), "{err:?}");
    assert!(
        err.to_string().contains("ARGV[1] is not valid UTF-8"),
        "{err}"
    );
    assert_eq!(list(&server, "binary").await, Vec::<Vec<u8>>::new());
}

#[tokio::test]
async fn a_pipeline_passes_them_per_entry() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let mut pipe = Pipeline::new();
    let first = pipe.exec_typed(
        &PUSH,
        Push {
            lists: &["p", "q"],
            value: BINARY,
            ttl: Some(50),
        },
    );
    let second = pipe.exec_typed(
        &PUSH,
        Push {
            lists: &["q"],
            value: b"y",
            ttl: None,
        },
    );
    let mut replies = pipe.run(&conn).await.unwrap();
    assert_eq!(replies.take(first).unwrap(), (2, 2));
    assert_eq!(replies.take(second).unwrap(), (1, 1));
    assert_eq!(list(&server, "q").await, [BINARY.to_vec(), b"y".to_vec()]);
}

/// A binary key, and a variadic argument the script reads the first item of where nil fails: an
/// empty slice is refused before anything is sent.
#[tokio::test]
async fn a_variadic_parameter_the_script_needs_one_of_is_held_to_that() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let set: &[u8] = b"set:\xff\x00";
    let added = MEMBERS
        .exec(
            &conn,
            Members {
                set,
                members: &[b"a", BINARY, b"a"],
            },
        )
        .await
        .unwrap();
    assert_eq!(added, 2);
    let err = MEMBERS
        .exec(&conn, Members { set, members: &[] })
        .await
        .unwrap_err();
    let redis_script::Error::Arity(arity) = &err else {
        panic!("{err:?}");
    };
    assert_eq!((arity.args_passed(), arity.args_needed()), (0, 1));
    assert!(!err.may_have_run());
    let size: i64 = server.query(redis::cmd("SCARD").arg(set)).await;
    assert_eq!(size, 2);
    // Only the first call reached the server: EVALSHA, then EVAL.
    assert_eq!(server.commandstats().await.scripts(), (1, 1, 0, 0));
}

/// In a cluster, a call whose keys are all in a slice goes to the node of their slot.
#[tokio::test]
async fn a_cluster_routes_by_the_variadic_keys() {
    let cluster = RedisCluster::start(3, 0);
    let connection = cluster.connection().await;
    for (key, _) in cluster.key_per_master("shapes").await {
        let lists = [format!("{{{key}}}:a"), format!("{{{key}}}:b")];
        let lists: Vec<&str> = lists.iter().map(String::as_str).collect();
        let seen = PUSH
            .exec(
                &connection,
                Push {
                    lists: &lists,
                    value: BINARY,
                    ttl: Some(60),
                },
            )
            .await
            .unwrap();
        assert_eq!(seen, (2, 2));
        let node = cluster.master_for_key(&key).await;
        for list_key in lists {
            assert_eq!(list(node, list_key).await, [BINARY.to_vec()]);
        }
    }
}

/// The script needs its first argument on every run and reads the optional second one only when
/// it is there: a call with `None` passes one argument, and is not refused for it.
#[tokio::test]
async fn an_optional_argument_is_not_needed_by_the_arity() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let seen = SET
        .exec(
            &conn,
            SetTtl {
                key: "plain",
                value: "v",
                ttl: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(seen, 1);
    let seen = SET
        .exec(
            &conn,
            SetTtl {
                key: "expiring",
                value: "w",
                ttl: Some(30),
            },
        )
        .await
        .unwrap();
    assert_eq!(seen, 2);
    let (plain, expiring): (i64, i64) = (
        server.query(redis::cmd("TTL").arg("plain")).await,
        server.query(redis::cmd("TTL").arg("expiring")).await,
    );
    assert_eq!(plain, -1);
    assert!(expiring > 0 && expiring <= 30, "{expiring}");
    let value: String = server.query(redis::cmd("GET").arg("plain")).await;
    assert_eq!(value, "v");
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 0, 0));
}

/// An optional key: `None` passes one key, `Some` two, and the script logs only then.
#[tokio::test]
async fn an_optional_key_is_passed_only_when_given() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let unlogged = Visit {
        counter: "visits",
        log: None,
        visitor: "alice",
    };
    assert_eq!(VISIT.exec(&conn, unlogged).await.unwrap(), 1);
    let logged = Visit {
        log: Some("visitors"),
        visitor: "bob",
        ..unlogged
    };
    assert_eq!(VISIT.exec(&conn, logged).await.unwrap(), 2);
    let visits: i64 = server.query(redis::cmd("GET").arg("visits")).await;
    assert_eq!(visits, 2);
    assert_eq!(list(&server, "visitors").await, [b"bob".to_vec()]);
}

/// A function's optional argument and variadic keys, and its declared reply read by field.
#[tokio::test]
async fn functions_take_optional_and_variadic_parameters_and_declare_replies() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let bumped = BUMP
        .call(
            &conn,
            Bump {
                counter: "x",
                by: Some(5),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        bumped,
        Bumped {
            before: 0,
            after: 5
        }
    );
    let bumped = BUMP
        .call(
            &conn,
            Bump {
                counter: "x",
                by: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((bumped.before, bumped.after), (5, 6));
    let _: () = server.query(redis::cmd("SET").arg("y").arg(10)).await;
    let summed = TOTAL
        .call(
            &conn,
            Counters {
                counters: &["x", "y", "z"],
            },
        )
        .await
        .unwrap();
    assert_eq!((summed.total, summed.count), (16, 3));
    let x: i64 = server.query(redis::cmd("GET").arg("x")).await;
    assert_eq!(x, 6);
    let stats = server.commandstats().await;
    // The first FCALL finds no library, which is then loaded and the call made again.
    assert_eq!((stats.calls("fcall"), stats.calls("fcall_ro")), (3, 1));
    assert_eq!(SHAPES.name(), "bump");
}

/// A variadic tail of pairs, `---@arg entries... [number, string]`: each item sends its score and
/// its member, in order; the script needs one pair, and an empty slice is refused unsent.
#[tokio::test]
async fn a_variadic_tuple_sends_each_item_s_values_in_order() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let entries = [(1.5, "alice"), (-2.0, "bob"), (3.0, "carol")];
    let added = SCORES
        .exec(
            &conn,
            Scores {
                board: "board",
                entries: &entries,
            },
        )
        .await
        .unwrap();
    assert_eq!(added, 3);
    let board: Vec<(String, f64)> = server
        .query(
            redis::cmd("ZRANGE")
                .arg("board")
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES"),
        )
        .await;
    assert_eq!(
        board,
        [
            ("bob".to_owned(), -2.0),
            ("alice".to_owned(), 1.5),
            ("carol".to_owned(), 3.0)
        ]
    );
    let err = SCORES
        .exec(
            &conn,
            Scores {
                board: "board",
                entries: &[],
            },
        )
        .await
        .unwrap_err();
    let redis_script::Error::Arity(arity) = &err else {
        panic!("{err:?}");
    };
    assert_eq!((arity.args_passed(), arity.args_needed()), (0, 2));
    // Only the first call reached the server: EVALSHA, then EVAL.
    assert_eq!(server.commandstats().await.scripts(), (1, 1, 0, 0));
}
