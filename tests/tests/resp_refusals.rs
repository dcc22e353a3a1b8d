//! "Nothing ran" only when nothing ran: each error reply that reads like a refusal, sent once by the
//! server before it ran a script (or function), and once passed through by a script that had effects
//! (`return redis.pcall(..)` of a command that failed). The script's effects (a counter, or a PUBLISH
//! counted by `INFO commandstats` where the server refuses every write) say which it was.

#![allow(clippy::unwrap_used)]

use redis::aio::MultiplexedConnection;
use redis_script::{Error, Function, Library, Pipeline, Script};
use redis_script_tests::RedisServer;

/// The counter the scripts of these tests increment.
async fn counter(server: &RedisServer) -> Option<i64> {
    server.query(redis::cmd("GET").arg("counter")).await
}

/// Runs `script` (which increments `counter`, then fails) and checks that it ran once and that its
/// error says it may have run, with `code`.
async fn passed_through(
    server: &RedisServer,
    conn: &MultiplexedConnection,
    script: &str,
    code: &str,
) {
    let before = counter(server).await.unwrap_or(0);
    let err = Script::<()>::new(script.to_owned())
        .exec(conn, ["counter", "other"], ())
        .await
        .unwrap_err();
    assert_eq!(counter(server).await, Some(before + 1), "{err:?}");
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert!(
        err.may_have_run(),
        "the script ran, but the error says it did not: {err:?}"
    );
}

/// Runs `script` and checks that the server refused it before running it (the counter did not
/// move), that the error is `code`, and that it says nothing ran.
async fn refused(server: &RedisServer, conn: &MultiplexedConnection, script: &str, code: &str) {
    let before = counter(server).await;
    let err = Script::<()>::new(script.to_owned())
        .exec(conn, ["counter", "other"], ())
        .await
        .unwrap_err();
    assert_eq!(counter(server).await, before, "{err:?}");
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert!(
        !err.may_have_run(),
        "nothing ran, but the error says it may have: {err:?}"
    );
}

#[tokio::test]
async fn errors_of_commands_a_script_called_are_passed_through_after_it_wrote() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    // Not allowed in scripts: reads like a refusal, but only a running script meets it.
    let not_allowed = "redis.call('INCR', KEYS[1]) return redis.pcall('MULTI')";
    passed_through(&server, &conn, not_allowed, "ERR").await;
    // SINTERCARD's own refusal reads like EVAL's numkeys check.
    let numkeys = "redis.call('INCR', KEYS[1]) return redis.pcall('SINTERCARD', 5, 'a')";
    passed_through(&server, &conn, numkeys, "ERR").await;
    // HSET counts its own arguments: a wrong number of arguments naming hset, not evalsha.
    let arity = "redis.call('INCR', KEYS[1]) return redis.pcall('HSET', KEYS[2], 'f', 'v', 'g')";
    passed_through(&server, &conn, arity, "ERR").await;
}

#[tokio::test]
async fn acl_refusals_name_the_script_command_before_and_the_inner_command_after() {
    let server = RedisServer::start();
    let () = server
        .query(
            redis::cmd("ACL")
                .arg("SETUSER")
                .arg("noset")
                .arg("on")
                .arg(">pw")
                .arg("~*")
                .arg("+@all")
                .arg("-set"),
        )
        .await;
    let noset = redis::Client::open(format!("redis://noset:pw@127.0.0.1:{}/", server.port()))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    // A SET refused inside the script comes back as ERR (ACL failure in script), after the INCR.
    let denied_set = "redis.call('INCR', KEYS[1]) return redis.pcall('SET', KEYS[2], 'x')";
    passed_through(&server, &noset, denied_set, "ERR").await;
    // EVALSHA and EVAL themselves denied: NOPERM, nothing ran.
    let noeval = server.connection_denied("-@scripting").await;
    refused(
        &server,
        &noeval,
        "return redis.call('INCR', KEYS[1])",
        "NOPERM",
    )
    .await;
}

/// `maxmemory 1`: every write that can grow memory is refused.
async fn out_of_memory(server: &RedisServer) {
    let () = server
        .query(redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(1))
        .await;
}

#[tokio::test]
async fn oom_is_a_refusal_for_a_script_with_flags_and_may_come_after_writes_without() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let () = server.query(redis::cmd("SET").arg("counter").arg(0)).await;
    let library = Library::new(
        "#!lua name=refusals\nredis.register_function('incr', function(keys) \
         return redis.call('INCR', keys[1]) end)",
    );
    library.load(&conn).await.unwrap();
    let incr: Function<i64> = library.function("incr");
    out_of_memory(&server).await;

    // Without a shebang the script runs; its SET is refused, then a DEL (allowed over maxmemory)
    // makes it a writer and its INCR goes through; it returns the SET's OOM.
    let after_writing = "local refused = redis.pcall('SET', KEYS[2], 'x') \
        redis.call('DEL', KEYS[2]) redis.call('INCR', KEYS[1]) return refused";
    passed_through(&server, &conn, after_writing, "OOM").await;
    // With a shebang the server refuses it before it runs, with the same text.
    refused(
        &server,
        &conn,
        "#!lua\nreturn redis.call('INCR', KEYS[1])",
        "OOM",
    )
    .await;
    // A function declares its flags too.
    let err = incr.call(&conn, ["counter"], ()).await.unwrap_err();
    assert_eq!(err.code(), Some("OOM"), "{err:?}");
    assert!(!err.may_have_run(), "{err:?}");
    assert_eq!(counter(&server).await, Some(1));
}

/// How many PUBLISH commands the server ran.
async fn publishes(server: &RedisServer) -> u64 {
    server.commandstats().await.calls("publish")
}

/// Checks, on a server that refuses every write with `code`, that a script without a shebang runs
/// (its PUBLISH, which is not a write, goes through) and returns the refusal of its SET, saying it
/// may have run; and that one with a shebang is refused before it runs, saying nothing ran.
async fn writes_refused(server: &RedisServer, conn: &MultiplexedConnection, code: &str) {
    let published = "redis.call('PUBLISH', 'ch', 'x') return redis.pcall('SET', KEYS[1], 'x')";
    let before = publishes(server).await;
    let err = Script::<()>::new(published)
        .exec(conn, ["k"], ())
        .await
        .unwrap_err();
    assert_eq!(publishes(server).await, before + 1, "{err:?}");
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert!(err.may_have_run(), "{err:?}");

    let flagged = "#!lua\nredis.call('PUBLISH', 'ch', 'x') return redis.call('SET', KEYS[1], 'x')";
    let err = Script::<()>::new(flagged)
        .exec(conn, ["k"], ())
        .await
        .unwrap_err();
    assert_eq!(publishes(server).await, before + 1, "{err:?}");
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert!(!err.may_have_run(), "{err:?}");
}

#[tokio::test]
async fn readonly_on_a_replica_is_a_refusal_only_for_a_script_with_flags() {
    let primary = RedisServer::start();
    let replica = RedisServer::start_replica_of(&primary).await;
    writes_refused(&replica, &replica.connection().await, "READONLY").await;
}

#[tokio::test]
async fn noreplicas_is_a_refusal_only_for_a_script_with_flags() {
    let server = RedisServer::start_with_args(["--min-replicas-to-write", "1"]);
    writes_refused(&server, &server.connection().await, "NOREPLICAS").await;
}

#[tokio::test]
async fn misconf_is_a_refusal_only_for_a_script_with_flags() {
    let server =
        RedisServer::start_with_args(["--enable-protected-configs", "yes", "--save", "3600 1"]);
    // An RDB save that fails (nobody writes in /proc), and writes stop.
    let () = server
        .query(redis::cmd("CONFIG").arg("SET").arg("dir").arg("/proc"))
        .await;
    let _: String = server.query(&redis::cmd("BGSAVE")).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let info: String = server.query(redis::cmd("INFO").arg("persistence")).await;
        if info.contains("rdb_last_bgsave_status:err") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{info}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    writes_refused(&server, &server.connection().await, "MISCONF").await;
}

#[tokio::test]
async fn a_command_of_a_batch_refused_for_its_own_arguments_did_not_run() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let mut pipe = Pipeline::new();
    let arity = pipe.cmd::<i64>(("HSET", "h", "f", "v", "g"));
    let numkeys = pipe.cmd::<i64>(("SINTERCARD", 5, "a"));
    let mut replies = pipe.run(&conn).await.unwrap();
    for err in [
        replies.take(arity).unwrap_err(),
        replies.take(numkeys).unwrap_err(),
    ] {
        assert!(matches!(err, Error::Server(_)), "{err:?}");
        assert!(!err.may_have_run(), "{err:?}");
    }
}
