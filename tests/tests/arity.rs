//! A call that passes fewer keys or arguments than its script (or function) reads on every run is
//! refused before anything is sent: on every transport, read-only or not, in a pipeline and a
//! transaction (the whole batch). The server's own counts (`INFO commandstats`) prove that nothing
//! reached it.

#![allow(clippy::unwrap_used)]

use redis_script::error::ArityError;
use redis_script::rest::Upstash;
use redis_script::script::Undeclared;
use redis_script::{
    BatchErrorKind, Error, Function, FunctionRO, Library, Pipeline, Script, ScriptRO, Transaction,
    lua_library, lua_script,
};
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{CommandStats, RedisCluster, RedisServer};

/// Needs 2 keys and 1 argument.
static TWO_KEYS: Script<i64> = lua_script!("../lua/arity_two_keys.lua");
/// Needs 1 key.
static READ: ScriptRO<Option<String>> = lua_script!("../lua/arity_readonly.lua", readonly);

lua_library! {
    static FUNCTIONS: Library = "../lua/arity_functions.lua";
    /// Declared: a variadic tail it reads two of on every run.
    static PUSH_ALL: Function<i64, PushAll> = "push_all";
    /// Undeclared: needs 2 keys, read by its own parameter names.
    static COPY: Function<String> = "copy";
    /// Declares only its reply.
    static SIZE: FunctionRO<Size, NoInput> = "size";
}

/// The same file, its type naming what it reads on every run: a short array does not build; a
/// `Vec` is checked when the call is made.
static TWO_KEYS_TYPED: Script<i64, Undeclared<2, 1>> = lua_script!("../lua/arity_two_keys.lua");

lua_script! {
    /// Declares only its reply.
    static SCRIPT_SIZE: ScriptRO<Size2, NoInput2> = "../lua/typed_size.lua";
}

/// The call's own refusal, naming the script, with both counts.
fn refused(error: &Error) -> &ArityError {
    let Error::Arity(arity) = error else {
        panic!("not an arity error: {error:?}")
    };
    assert!(!error.may_have_run(), "{error}");
    let sha1 = if arity.keys_needed() == 2 {
        TWO_KEYS.sha1()
    } else {
        READ.sha1()
    };
    assert_eq!(error.script_sha1(), Some(sha1), "{error}");
    arity
}

/// What a call or a batch of this file would send: none of it reached the server.
fn nothing_sent(stats: &CommandStats) {
    for command in [
        "eval",
        "evalsha",
        "eval_ro",
        "evalsha_ro",
        "script|load",
        "multi",
        "exec",
        "set",
    ] {
        assert_eq!(stats.calls(command), 0, "{command}: {stats:?}");
    }
}

#[tokio::test]
async fn exec_with_too_few_keys_or_args_sends_nothing() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;

    let e = TWO_KEYS.exec(&conn, ["a"], ["v"]).await.unwrap_err();
    let arity = refused(&e);
    assert_eq!((arity.keys_passed(), arity.keys_needed()), (1, 2));
    assert_eq!((arity.args_passed(), arity.args_needed()), (1, 1));
    assert_eq!(e.script_name(), Some("../lua/arity_two_keys.lua"));
    assert!(e.to_string().contains("KEYS[2]"), "{e}");
    let e = TWO_KEYS.exec(&conn, ["a", "b"], ()).await.unwrap_err();
    assert_eq!(refused(&e).args_needed(), 1);
    let e = TWO_KEYS.eval(&conn, (), ()).await.unwrap_err();
    assert_eq!(refused(&e).keys_passed(), 0);
    let e = TWO_KEYS.evalsha(&conn, ["a"], ["v"]).await.unwrap_err();
    refused(&e);
    let e = READ.exec(&conn, (), ()).await.unwrap_err();
    assert_eq!(refused(&e).keys_needed(), 1);
    let e = READ.eval_ro(&conn, (), ()).await.unwrap_err();
    refused(&e);
    nothing_sent(&server.commandstats().await);
    assert_eq!(server.query::<i64>(&redis::cmd("DBSIZE")).await, 0);

    // Enough, or more: it runs (an optional ARGV[2] and a conditional KEYS[3] are not needed).
    assert_eq!(TWO_KEYS.exec(&conn, ["a", "b"], ["v"]).await.unwrap(), 1);
    assert_eq!(
        TWO_KEYS
            .exec(&conn, ["a", "b", "c"], ("v", 60))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        READ.exec(&conn, ["a"], ()).await.unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(server.commandstats().await.calls("evalsha"), 2);
}

#[tokio::test]
async fn a_batch_with_a_short_entry_is_refused_whole() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;

    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&TWO_KEYS, ["a", "b"], ["v"]);
    let _ = pipe.cmd::<()>(("SET", "x", "1"));
    let _ = pipe.exec(&TWO_KEYS, ["a"], ["v"]);
    let _ = pipe.exec(&READ, (), ());
    let e = pipe.run(&conn).await.err().unwrap();
    let Error::Batch(batch) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::Arity);
    assert_eq!(batch.entries(), [2, 3]);
    assert!(!e.may_have_run());
    assert!(
        matches!(batch.server_error(), Some(Error::Arity(_))),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("entries 2 and 3 pass too few keys or arguments; entry 2:"),
        "{e}"
    );

    let mut tx = Transaction::new();
    let _ = tx.cmd::<()>(("SET", "y", "1"));
    let _ = tx.exec(&TWO_KEYS, ["a", "b"], ());
    let e = tx.run(&conn).await.err().unwrap();
    let Error::Batch(batch) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (batch.kind(), batch.entries()),
        (BatchErrorKind::Arity, &[1][..])
    );
    nothing_sent(&server.commandstats().await);

    let mut tx = Transaction::new();
    let first = tx.exec(&TWO_KEYS, ["a", "b"], ["v"]);
    let read = tx.exec(&READ, ["a"], ());
    let mut replies = tx.run(&conn).await.unwrap();
    assert_eq!(replies.take(first).unwrap(), 1);
    assert_eq!(replies.take(read).unwrap().as_deref(), Some("v"));
}

#[tokio::test]
async fn rest_and_cluster_refuse_before_sending() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    redis.reset_stats().await;
    let e = TWO_KEYS.exec(&upstash, ["a"], ["v"]).await.unwrap_err();
    refused(&e);
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&READ, (), ());
    let e = pipe.run(&upstash).await.err().unwrap();
    assert!(
        matches!(&e, Error::Batch(b) if b.kind() == BatchErrorKind::Arity),
        "{e:?}"
    );
    assert!(local.requests().is_empty(), "{:?}", local.requests());
    nothing_sent(&redis.commandstats().await);
    assert_eq!(
        TWO_KEYS
            .exec(&upstash, ["{t}a", "{t}b"], ["v"])
            .await
            .unwrap(),
        1
    );

    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection().await;
    for node in cluster.nodes() {
        node.reset_stats().await;
    }
    let e = TWO_KEYS.exec(&conn, ["{t}a"], ["v"]).await.unwrap_err();
    refused(&e);
    let own = cluster.exactly_once().await;
    let e = READ.exec(&own, (), ()).await.unwrap_err();
    refused(&e);
    for node in cluster.nodes() {
        nothing_sent(&node.commandstats().await);
    }
}

/// A function's call short of what the function reads on every run (a declared variadic tail's
/// first two items, an undeclared function's second key) is refused as a script's is: no FCALL,
/// no FUNCTION LOAD, on a call and in a batch.
#[tokio::test]
async fn functions_are_held_to_what_they_read_on_every_run() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let one = PushAll {
        lists: &["a"],
        value: "v",
    };
    let e = PUSH_ALL.call(&conn, one).await.unwrap_err();
    let Error::Arity(arity) = &e else {
        panic!("{e:?}")
    };
    assert_eq!((arity.keys_passed(), arity.keys_needed()), (1, 2));
    assert!(!e.may_have_run());
    assert_eq!(e.script_name(), Some("arity_functions.push_all"), "{e}");
    assert!(
        e.to_string()
            .contains("but the function needs 2 keys: it reads key 2 on every run"),
        "{e}"
    );
    let e = COPY.call(&conn, ["from"], ["v"]).await.unwrap_err();
    assert!(
        matches!(&e, Error::Arity(a) if a.keys_needed() == 2),
        "{e:?}"
    );
    let mut pipe = Pipeline::new();
    let _ = pipe.call_typed(&SIZE, NoInput {});
    let _ = pipe.call_typed(&PUSH_ALL, one);
    let e = pipe.run(&conn).await.err().unwrap();
    let Error::Batch(batch) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (batch.kind(), batch.entries()),
        (BatchErrorKind::Arity, &[1][..])
    );
    let stats = server.commandstats().await;
    for command in ["fcall", "fcall_ro", "function|load", "rpush", "set"] {
        assert_eq!(stats.calls(command), 0, "{command}: {stats:?}");
    }
    assert_eq!(server.query::<i64>(&redis::cmd("DBSIZE")).await, 0);

    // Enough: each runs, on the server's own lists and keys.
    let two = PushAll {
        lists: &["a", "b", "c"],
        value: "v",
    };
    assert_eq!(PUSH_ALL.call(&conn, two).await.unwrap(), 3);
    assert_eq!(COPY.call(&conn, ["x", "d"], ["v"]).await.unwrap(), "OK");
    let d: String = server.query(redis::cmd("GET").arg("d")).await;
    assert_eq!(d, "v");
    assert_eq!(
        SIZE.call(&conn, NoInput {}).await.unwrap(),
        Size { size: 4 }
    );
    assert_eq!(
        SCRIPT_SIZE.exec(&conn, NoInput2 {}).await.unwrap(),
        Size2 { size: 4 }
    );
    let stats = server.commandstats().await;
    assert_eq!((stats.calls("fcall"), stats.calls("fcall_ro")), (3, 1));
    assert_eq!(stats.calls("evalsha_ro"), 1);
    assert_eq!(FUNCTIONS.name(), "arity_functions");
}

#[tokio::test]
async fn a_type_that_carries_the_arity_still_checks_what_the_compiler_can_not_count() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    // A `Vec`'s length is the value's: refused when the call is made, before anything is sent.
    let e = TWO_KEYS_TYPED
        .exec(&conn, vec!["a"], ["v"])
        .await
        .unwrap_err();
    assert_eq!(refused(&e).keys_needed(), 2);
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&TWO_KEYS_TYPED, ["a", "b"], &["v"][..0]);
    let e = pipe.run(&conn).await.err().unwrap();
    assert!(
        matches!(&e, Error::Batch(b) if b.kind() == BatchErrorKind::Arity),
        "{e:?}"
    );
    nothing_sent(&server.commandstats().await);

    // Arrays and tuples long enough (checked when this file compiled) run, once each.
    assert_eq!(
        TWO_KEYS_TYPED.exec(&conn, ["a", "b"], ["v"]).await.unwrap(),
        1
    );
    assert_eq!(
        TWO_KEYS_TYPED
            .exec(&conn, ("a", "b", "c"), ("v", 0))
            .await
            .unwrap(),
        2
    );
    let mut pipe = Pipeline::new();
    let third = pipe.exec(&TWO_KEYS_TYPED, ["a", "b"], ["w"]);
    assert_eq!(pipe.run(&conn).await.unwrap().take(third).unwrap(), 3);
    let ran: Vec<String> = server
        .query(redis::cmd("LRANGE").arg("ran").arg(0).arg(-1))
        .await;
    assert_eq!(ran, ["a", "a", "a"]);
    let b: String = server.query(redis::cmd("GET").arg("b")).await;
    assert_eq!(b, "w");
}
