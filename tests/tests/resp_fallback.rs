//! When `exec` sends EVALSHA, EVAL, EVALSHA_RO and EVAL_RO, counted by the server (`INFO commandstats`).

#![allow(clippy::unwrap_used)]

use redis_script::{Error, Script, ScriptRO, lua_script};
use redis_script_tests::RedisServer;

const INCR: &str = "return redis.call('INCR', KEYS[1])";

async fn counter(server: &RedisServer, key: &str) -> Option<i64> {
    server.query(redis::cmd("GET").arg(key)).await
}

#[tokio::test]
async fn exec_loads_once_with_eval_then_uses_evalsha() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(INCR);
    server.reset_stats().await;

    // (eval, evalsha, eval_ro, evalsha_ro)
    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 1);
    assert_eq!(server.commandstats().await.scripts(), (1, 1, 0, 0));

    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 2);
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 0, 0));

    // A flushed cache costs exactly one more EVAL.
    server.script_flush().await;
    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 3);
    assert_eq!(server.commandstats().await.scripts(), (2, 3, 0, 0));

    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 4);
    assert_eq!(server.commandstats().await.scripts(), (2, 4, 0, 0));
    // The script ran once per exec, never twice.
    assert_eq!(counter(&server, "n").await, Some(4));
}

#[tokio::test]
async fn evalsha_alone_reports_noscript_and_runs_nothing() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(INCR);
    server.reset_stats().await;

    let err = script.evalsha(&conn, ["n"], ()).await.unwrap_err();
    assert!(err.is_noscript(), "{err:?}");
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(err.code(), Some("NOSCRIPT"));
    assert!(!err.may_have_run());
    assert_eq!(counter(&server, "n").await, None);
    assert_eq!(server.commandstats().await.scripts(), (0, 1, 0, 0));

    // Once loaded, evalsha alone runs it.
    assert_eq!(server.script_load(INCR).await, script.sha1());
    assert_eq!(script.evalsha(&conn, ["n"], ()).await.unwrap(), 1);
    assert_eq!(server.commandstats().await.scripts(), (0, 2, 0, 0));
}

#[tokio::test]
async fn eval_always_sends_the_script() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = Script::<i64>::new(INCR);
    server.reset_stats().await;

    for expected in 1..=3 {
        assert_eq!(script.eval(&conn, ["n"], ()).await.unwrap(), expected);
    }
    assert_eq!(server.commandstats().await.scripts(), (3, 0, 0, 0));
    // EVAL cached it: exec needs no fallback now.
    assert_eq!(script.exec(&conn, ["n"], ()).await.unwrap(), 4);
    assert_eq!(server.commandstats().await.scripts(), (3, 1, 0, 0));
}

/// The SHA-1 computed at compile time by `lua_script!` and at run time by `Script::new` is the one the
/// server computes.
#[tokio::test]
async fn sha1_is_what_script_load_returns() {
    static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");
    static POST_STATS: ScriptRO<(i64, i64, f64)> =
        lua_script!("../../examples/lua/post_stats.lua", readonly);
    static USER_ACTIVITY: Script<()> = lua_script!("../../examples/lua/user_activity.lua");
    let server = RedisServer::start();

    for (sha1, text) in [
        (INCR_TTL.sha1(), INCR_TTL.script()),
        (POST_STATS.sha1(), POST_STATS.script()),
        (USER_ACTIVITY.sha1(), USER_ACTIVITY.script()),
    ] {
        assert_eq!(sha1, server.script_load(text).await, "{text}");
    }
    assert_eq!(
        INCR_TTL.script(),
        include_str!("../../examples/lua/incr_ttl.lua"),
        "the embedded text is the file, byte for byte"
    );

    for source in [
        include_str!("../../examples/lua/greeting.lua"),
        include_str!("../../examples/lua/set_if_higher.lua"),
        include_str!("../../examples/lua/batch_incr.lua"),
        include_str!("../../examples/lua/rate_limit.lua"),
        INCR,
        "return 'caf\u{e9} \u{1f600}'",
    ] {
        let script = Script::<()>::new(source);
        let loaded = server.script_load(source).await;
        assert_eq!(script.sha1(), loaded, "{source}");
        assert_eq!(ScriptRO::<()>::new(source).sha1(), loaded);
        assert_eq!(script.script(), source);
    }
}

#[tokio::test]
async fn read_only_exec_uses_evalsha_ro_then_eval_ro_never_eval() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = ScriptRO::<Option<String>>::new("return redis.call('GET', KEYS[1])");
    let () = server.query(redis::cmd("SET").arg("k").arg("v")).await;
    server.reset_stats().await;

    assert_eq!(
        script.exec(&conn, ["k"], ()).await.unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(server.commandstats().await.scripts(), (0, 0, 1, 1));
    assert_eq!(
        script.exec(&conn, ["k"], ()).await.unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(server.commandstats().await.scripts(), (0, 0, 1, 2));

    server.script_flush().await;
    assert_eq!(
        script.exec(&conn, ["k"], ()).await.unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(server.commandstats().await.scripts(), (0, 0, 2, 3));

    // The single-command forms.
    assert_eq!(
        script.eval_ro(&conn, ["k"], ()).await.unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(
        script
            .evalsha_ro(&conn, ["k"], ())
            .await
            .unwrap()
            .as_deref(),
        Some("v")
    );
    assert_eq!(server.commandstats().await.scripts(), (0, 0, 3, 4));

    server.script_flush().await;
    let err = script.evalsha_ro(&conn, ["k"], ()).await.unwrap_err();
    assert!(err.is_noscript(), "{err:?}");
    assert_eq!(server.commandstats().await.scripts(), (0, 0, 3, 5));
}

/// A script that itself answers NOSCRIPT must not be run a second time by the fallback.
///
/// (A script returning the server's exact text, `NOSCRIPT No matching script. Please use EVAL.`, arrives
/// byte for byte like the server's own reply and can not be told apart on the wire.)
#[tokio::test]
async fn a_script_raising_noscript_runs_once() {
    for body in [
        "redis.call('INCR', KEYS[1]) return redis.error_reply('NOSCRIPT fake')",
        "redis.call('INCR', KEYS[1]) return {err = 'NOSCRIPT raised by the script'}",
    ] {
        let server = RedisServer::start();
        let conn = server.connection().await;
        let script = Script::<i64>::new(body);
        server.reset_stats().await;

        // EVALSHA -> the server's NOSCRIPT -> EVAL runs the script, which answers NOSCRIPT: returned as is.
        let err = script.exec(&conn, ["ran"], ()).await.unwrap_err();
        assert_eq!(err.code(), Some("NOSCRIPT"), "{err:?}");
        assert!(!err.is_noscript(), "{body}: {err:?}");
        assert_eq!(counter(&server, "ran").await, Some(1), "{body}");
        assert_eq!(
            server.commandstats().await.scripts(),
            (1, 1, 0, 0),
            "{body}"
        );

        // Cached now: EVALSHA runs it, its NOSCRIPT comes back, and no EVAL follows.
        let err = script.exec(&conn, ["ran"], ()).await.unwrap_err();
        assert_eq!(err.code(), Some("NOSCRIPT"));
        assert!(!err.is_noscript());
        assert_eq!(counter(&server, "ran").await, Some(2), "{body}");
        assert_eq!(
            server.commandstats().await.scripts(),
            (1, 2, 0, 0),
            "{body}"
        );
    }
}

#[tokio::test]
async fn other_errors_do_not_fall_back() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script =
        Script::<i64>::new("redis.call('INCR', KEYS[1]) return redis.call('INCR', KEYS[2])");
    let () = server.query(redis::cmd("RPUSH").arg("list").arg("x")).await;
    server.reset_stats().await;

    // First exec: NOSCRIPT, then EVAL fails on WRONGTYPE after the first INCR.
    let err = script.exec(&conn, ["n", "list"], ()).await.unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"), "{err:?}");
    assert_eq!(server.commandstats().await.scripts(), (1, 1, 0, 0));
    // Second: EVALSHA fails the same way; nothing is retried.
    let err = script.exec(&conn, ["n", "list"], ()).await.unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"));
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 0, 0));
    // No rollback in Redis scripts: each run's first INCR stays.
    assert_eq!(counter(&server, "n").await, Some(2));
}

/// Redis's exact NOSCRIPT text, returned by a script from its data (`redis.error_reply(ARGV[1])`),
/// in reply to EVAL: EVAL never answers NOSCRIPT itself, so the script ran and the error says it may
/// have. (In reply to EVALSHA the same bytes can not be told from the server's own; see the
/// `script` module's "When does `exec` fall back?".)
#[tokio::test]
async fn an_eval_answered_with_the_noscript_text_may_have_run() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script =
        Script::<i64>::new("redis.call('RPUSH', KEYS[1], 'ran') return redis.error_reply(ARGV[1])");
    for text in [
        "NOSCRIPT No matching script. Please use EVAL.",
        "NOSCRIPT No matching script.",
    ] {
        server.script_flush().await;
        server.reset_stats().await;
        // exec: EVALSHA, the server's NOSCRIPT, one EVAL that runs and returns the text.
        let err = script.exec(&conn, ["runs"], [text]).await.unwrap_err();
        assert_eq!(err.code(), Some("NOSCRIPT"), "{err:?}");
        assert!(err.may_have_run() && !err.is_noscript(), "{err:?}");
        assert_eq!(server.commandstats().await.scripts(), (1, 1, 0, 0));
        // eval alone: the same.
        let err = script.eval(&conn, ["runs"], [text]).await.unwrap_err();
        assert!(err.may_have_run() && !err.is_noscript(), "{err:?}");
    }
    let runs: i64 = server.query(redis::cmd("LLEN").arg("runs")).await;
    assert_eq!(runs, 4, "each EVAL ran the script once");
}
