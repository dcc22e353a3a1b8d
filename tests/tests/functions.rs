//! Redis Functions: libraries checked by `lua_library!`, called with FCALL / FCALL_RO, loaded on the
//! server's "Function not found" and only then, versioned so that two builds run side by side, on one
//! server, a replica, a cluster and over REST.

#![allow(clippy::unwrap_used)]

use redis_script::rest::Upstash;
use redis_script::{
    Error, Function, FunctionRO, Library, lua_library, missing_libraries, preload_libraries,
};
use redis_script_tests::function_batches::{function_counts as counts, libraries};
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{RedisCluster, RedisServer};

lua_library! {
    /// The seed's examples as one library.
    static SEED: Library = "../../examples/lua/seed_library.lua";
    static GREETING: FunctionRO<String> = "greeting";
    static INCR_TTL: Function<i64> = "incr_ttl";
    static SET_IF_HIGHER: Function<i64> = "set_if_higher";
    static POST_STATS: FunctionRO<(i64, i64, f64)> = "post_stats";
    static BATCH_INCR: Function<Vec<i64>> = "batch_incr";
    static RATE_LIMIT: Function<(i64, i64)> = "rate_limit";
}

// Two builds of one library: the same names, different code.
lua_library! {
    static V1: Library = "../lua/counters_v1.lua";
    static BUMP_V1: Function<i64> = "bump";
    static PEEK_V1: FunctionRO<i64> = "peek";
}

lua_library! {
    static V2: Library = "../lua/counters_v2.lua";
    static BUMP_V2: Function<i64> = "bump";
}

lua_library! {
    static ECHOES: Library = "../lua/echoes.lua";
    static ECHO: Function<()> = "echo";
}

#[test]
fn the_macro_versions_the_library_and_every_function() {
    let version = SEED.version().unwrap();
    assert_eq!(version.len(), 12);
    assert_eq!(&SEED.sha1()[..12], version);
    assert_eq!(SEED.name(), "seed");
    assert_eq!(SEED.loaded_name(), format!("seed__{version}"));
    assert_eq!(INCR_TTL.name(), "incr_ttl");
    assert_eq!(INCR_TTL.called_name(), format!("incr_ttl__{version}"));
    assert!(
        SEED.code()
            .starts_with(&format!("#!lua name=seed__{version}\n"))
    );
    assert!(
        SEED.code()
            .contains(&format!("function_name = \"greeting__{version}\""))
    );
    // Only the names change: the lines stay where they were.
    let file = include_str!("../../examples/lua/seed_library.lua");
    assert_eq!(SEED.code().lines().count(), file.lines().count());
    assert_ne!(V1.version(), V2.version());
    assert_eq!(V1.name(), V2.name());
}

#[tokio::test]
async fn the_first_call_loads_the_library_once_then_fcall_alone() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    assert_eq!(INCR_TTL.call(&conn, ["visits"], [60]).await.unwrap(), 1);
    assert_eq!(
        counts(&server).await,
        (2, 0, 1),
        "FCALL, FUNCTION LOAD, FCALL"
    );
    assert_eq!(libraries(&server).await, [SEED.loaded_name()]);

    server.reset_stats().await;
    assert_eq!(INCR_TTL.call(&conn, ["visits"], [60]).await.unwrap(), 2);
    assert_eq!(counts(&server).await, (1, 0, 0), "FCALL only");

    let () = server.query(redis::cmd("FUNCTION").arg("FLUSH")).await;
    server.reset_stats().await;
    assert_eq!(INCR_TTL.call(&conn, ["visits"], [60]).await.unwrap(), 3);
    assert_eq!(
        counts(&server).await,
        (2, 0, 1),
        "after FUNCTION FLUSH, the same again"
    );
    let ttl: i64 = server.query(redis::cmd("TTL").arg("visits")).await;
    assert!((1..=60).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn the_seed_examples_as_one_library() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    assert_eq!(
        GREETING.call(&conn, (), ["World"]).await.unwrap(),
        "Hello, World!"
    );
    for (offered, high) in [(1500, 1500), (1200, 1500), (1800, 1800)] {
        assert_eq!(
            SET_IF_HIGHER
                .call(&conn, ["score"], [offered])
                .await
                .unwrap(),
            high
        );
    }
    let () = server
        .query(
            redis::cmd("MSET")
                .arg("post:views")
                .arg(1000)
                .arg("post:likes")
                .arg(150),
        )
        .await;
    assert_eq!(
        POST_STATS.call(&conn, ["post"], ()).await.unwrap(),
        (1000, 150, 0.15)
    );
    assert_eq!(
        BATCH_INCR.call(&conn, ["a", "b", "a"], ()).await.unwrap(),
        [1, 1, 2]
    );
    let (requests, ttl) = RATE_LIMIT.call(&conn, ["limit"], (100, 60)).await.unwrap();
    assert_eq!(requests, 1);
    assert!((1..=60).contains(&ttl));
    let stats = server.commandstats().await;
    assert_eq!(
        stats.calls("function|load"),
        1,
        "one load for the whole library"
    );
    // GREETING, the first call, was sent again after the load.
    assert_eq!(
        stats.calls("fcall_ro"),
        3,
        "GREETING twice and POST_STATS as FCALL_RO"
    );
}

#[tokio::test]
async fn concurrent_first_calls_load_the_library_and_each_runs_once() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    server.reset_stats().await;
    let calls = (0..64).map(|_| BUMP_V1.call(&conn, ["n"], ()));
    let mut results: Vec<i64> = futures_util::future::try_join_all(calls).await.unwrap();
    results.sort_unstable();
    assert_eq!(results, (1..=64).collect::<Vec<_>>());
    let value: i64 = server.query(redis::cmd("GET").arg("n")).await;
    assert_eq!(value, 64, "every call ran once");
    let log: i64 = server.query(redis::cmd("LLEN").arg("n:log")).await;
    assert_eq!(log, 64);
    let (fcall, _, loads) = counts(&server).await;
    // Each call that found no function loaded ("already exists" but for the first) and called again.
    assert!((1..=64).contains(&loads), "{loads}");
    assert_eq!(fcall, 64 + loads);
    assert_eq!(libraries(&server).await, [V1.loaded_name()]);
}

#[tokio::test]
async fn two_versions_run_side_by_side_and_the_old_one_can_be_deleted() {
    let server = RedisServer::start();
    let old = server.connection().await;
    let new = server.connection().await;
    // Interleaved, as two deployments of one service would be during a rolling deploy.
    for _ in 0..3 {
        BUMP_V1.call(&old, ["n"], ()).await.unwrap();
        BUMP_V2.call(&new, ["n"], ()).await.unwrap();
    }
    let value: i64 = server.query(redis::cmd("GET").arg("n")).await;
    assert_eq!(value, 3 * (1 + 10), "each build ran its own code");
    let log: Vec<String> = server
        .query(redis::cmd("LRANGE").arg("n:log").arg(0).arg(-1))
        .await;
    assert_eq!(log, ["v1", "v2", "v1", "v2", "v1", "v2"]);
    let mut both = vec![V1.loaded_name().to_owned(), V2.loaded_name().to_owned()];
    both.sort();
    assert_eq!(libraries(&server).await, both);

    assert_eq!(V2.other_versions(&new).await.unwrap(), [V1.loaded_name()]);
    assert_eq!(
        V2.delete_other_versions(&new).await.unwrap(),
        [V1.loaded_name()]
    );
    assert_eq!(libraries(&server).await, [V2.loaded_name()]);
    assert!(V2.other_versions(&new).await.unwrap().is_empty());
    // A straggler of the old build loads its version again, and still runs its own code.
    server.reset_stats().await;
    assert_eq!(BUMP_V1.call(&old, ["n"], ()).await.unwrap(), 34);
    assert_eq!(counts(&server).await, (2, 0, 1));
}

#[tokio::test]
async fn load_puts_the_library_on_the_server_so_the_first_call_is_fcall_alone() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    SEED.load(&conn).await.unwrap();
    SEED.load(&conn).await.unwrap();
    server.reset_stats().await;
    assert_eq!(INCR_TTL.call(&conn, ["k"], [60]).await.unwrap(), 1);
    assert_eq!(counts(&server).await, (1, 0, 0));
}

#[tokio::test]
async fn fcall_ro_runs_on_a_replica_and_a_write_there_is_refused_before_running() {
    let primary = RedisServer::start();
    let replica = RedisServer::start_replica_of(&primary).await;
    let on_primary = primary.connection().await;
    assert_eq!(BUMP_V1.call(&on_primary, ["n"], ()).await.unwrap(), 1);
    primary.wait_for_replica().await;

    let on_replica = replica.connection().await;
    replica.reset_stats().await;
    assert_eq!(PEEK_V1.call(&on_replica, ["n"], ()).await.unwrap(), 1);
    assert_eq!(counts(&replica).await, (0, 1, 0), "FCALL_RO on the replica");

    let err = BUMP_V1.call(&on_replica, ["n"], ()).await.unwrap_err();
    assert!(!err.may_have_run(), "{err:?}");
    assert!(
        err.to_string().contains("function \"counters.bump\""),
        "{err}"
    );
    let value: i64 = primary.query(redis::cmd("GET").arg("n")).await;
    assert_eq!(value, 1);
}

#[tokio::test]
async fn a_library_the_server_refuses_to_load_is_a_typed_error_and_nothing_ran() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    // Another library already registers `taken`: function names are global.
    let owner =
        Library::new("#!lua name=owner\nredis.register_function('taken', function() return 1 end)");
    assert_eq!(
        owner
            .function::<i64>("taken")
            .call(&conn, (), ())
            .await
            .unwrap(),
        1
    );
    let clash = Library::new(
        "#!lua name=clash\nredis.register_function('mine', function(keys) return redis.call('INCR', keys[1]) end)\nredis.register_function('taken', function() return 2 end)",
    );
    let err = clash
        .function::<i64>("mine")
        .call(&conn, ["k"], ())
        .await
        .unwrap_err();
    let Error::Preload(load) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(load.failed().len(), 1);
    assert_eq!(load.failed()[0].name.as_deref(), Some("clash"));
    assert!(!err.may_have_run());
    let text = err.to_string();
    assert!(
        text.starts_with("1 of 1 library loads failed: \"clash\": "),
        "{text}"
    );
    assert!(text.contains("Function taken already exists"), "{text}");
    let exists: i64 = server.query(redis::cmd("EXISTS").arg("k")).await;
    assert_eq!(exists, 0, "nothing ran");
}

/// A function of a versioned library that writes and then returns the server's exact `ERR Function
/// not found` text from its data (the checks refuse that text only where it is written in the function) reads, on the wire,
/// like the library is missing: the library is loaded and the function called again, and runs twice
/// (as a script returning Redis's exact NOSCRIPT text does). What can be told is that the second
/// reply came with the library there: its error says the function may have run, so that nobody
/// calls it a third time. A function's error that only starts
/// like that text is its own from the first reply.
#[tokio::test]
async fn a_function_returning_the_not_found_text_itself_may_have_run() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let echo = &ECHO;
    // First call: the library was missing (a real "not found"), is loaded, and the function runs.
    // Second: the library is there, the function runs, its reply reads "not found", it runs again.
    for ran_by_now in [1, 3] {
        let err = echo
            .call(&conn, ["ran"], ["ERR Function not found"])
            .await
            .unwrap_err();
        assert!(err.is_function_not_found(), "{err:?}");
        assert!(err.may_have_run(), "{err:?}");
        let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
        assert_eq!(ran, ran_by_now);
    }

    let err = echo
        .call(&conn, ["ran"], ["ERR Function not found for this tenant"])
        .await
        .unwrap_err();
    assert!(!err.is_function_not_found(), "{err:?}");
    assert!(err.may_have_run(), "{err:?}");
    let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran, 4);

    // In a batch, behind its library's load: it ran once, and says it may have run.
    let mut pipe = redis_script::Pipeline::new();
    let entry = pipe.call(echo, ["ran"], ["ERR Function not found"]);
    let err = pipe.run(&conn).await.unwrap().take(entry).unwrap_err();
    assert!(err.is_function_not_found() && err.may_have_run(), "{err:?}");
    let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran, 5);
}

#[tokio::test]
async fn function_load_refused_by_acl_is_a_typed_error_and_nothing_ran() {
    let server = RedisServer::start();
    let conn = server.connection_denied("-function").await;
    let err = BUMP_V1.call(&conn, ["n"], ()).await.unwrap_err();
    let Error::Preload(load) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(load.failed()[0].error.code(), Some("NOPERM"));
    assert!(!err.may_have_run());
    assert!(!err.to_string().contains("app-password"));
    let err = V1.load(&conn).await.unwrap_err();
    assert!(matches!(&err, Error::Preload(p) if p.failed()[0].error.code() == Some("NOPERM")));
    let exists: i64 = server.query(redis::cmd("EXISTS").arg("n")).await;
    assert_eq!(exists, 0, "nothing ran");
    assert!(libraries(&server).await.is_empty());
}

#[tokio::test]
async fn a_function_error_names_the_function_and_its_line() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let () = server
        .query(redis::cmd("SET").arg("n").arg("not a number"))
        .await;
    let err = BUMP_V1.call(&conn, ["n"], ()).await.unwrap_err();
    let Error::Script(script) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(script.line(), Some(5), "{err}");
    assert!(err.may_have_run(), "the RPUSH before it ran");
    assert_eq!(err.script_name(), Some("counters.bump"));
    assert!(
        err.to_string().contains("function \"counters.bump\""),
        "{err}"
    );
    assert!(!err.to_string().contains("not a number"), "{err}");
    // A run-time library whose function does not exist: one load, then the server's own answer.
    let missing = V1.function::<i64>("nope");
    let err = missing.call(&conn, ["n"], ()).await.unwrap_err();
    assert!(err.is_function_not_found(), "{err:?}");
    assert!(!err.may_have_run());
}

#[tokio::test]
async fn every_primary_of_a_cluster_loads_the_library_on_its_first_call() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection_without_retries().await;
    let keys = cluster.key_per_master("fn").await;
    cluster.reset_stats().await;
    for (key, _) in &keys {
        assert_eq!(INCR_TTL.call(&conn, [key.as_str()], [60]).await.unwrap(), 1);
    }
    for (key, _) in &keys {
        assert_eq!(INCR_TTL.call(&conn, [key.as_str()], [60]).await.unwrap(), 2);
    }
    for stats in cluster.commandstats_per_node().await {
        assert_eq!(stats.calls("function|load"), 1);
        assert_eq!(
            stats.calls("fcall"),
            3,
            "FCALL, FCALL after the load, FCALL"
        );
    }
    // `load` on every primary, two versions; the old one is deleted everywhere.
    V1.load(&conn).await.unwrap();
    V2.load(&conn).await.unwrap();
    assert_eq!(
        V2.delete_other_versions(&conn).await.unwrap(),
        [V1.loaded_name()]
    );
    for node in cluster.nodes() {
        let mut expected = vec![SEED.loaded_name().to_owned(), V2.loaded_name().to_owned()];
        expected.sort();
        assert_eq!(libraries(node).await, expected);
    }
}

#[tokio::test]
async fn over_rest_the_first_call_loads_the_library_in_one_pipeline() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    redis.reset_stats().await;
    assert_eq!(BUMP_V1.call(&upstash, ["n"], ()).await.unwrap(), 1);
    assert_eq!(counts(&redis).await, (2, 0, 1));
    assert_eq!(BUMP_V1.call(&upstash, ["n"], ()).await.unwrap(), 2);
    assert_eq!(PEEK_V1.call(&upstash, ["n"], ()).await.unwrap(), 2);
    assert_eq!(counts(&redis).await, (3, 1, 1));
    let paths: Vec<String> = local.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/", "/pipeline", "/", "/"], "{paths:?}");
}

#[tokio::test]
async fn the_registry_lists_every_library_and_preload_loads_each_once_per_server() {
    let registered: Vec<&str> = redis_script::libraries()
        .iter()
        .map(Library::loaded_name)
        .collect();
    for library in [&SEED, &V1, &V2] {
        assert!(
            registered.contains(&library.loaded_name()),
            "{registered:?}"
        );
    }
    let server = RedisServer::start();
    let conn = server.connection().await;
    let mine = [&SEED, &V1, &V2, &SEED];
    let missing = missing_libraries(&conn, mine).await.unwrap();
    let names: Vec<&str> = missing.iter().map(|m| m.library.loaded_name()).collect();
    assert_eq!(
        names,
        [SEED.loaded_name(), V1.loaded_name(), V2.loaded_name()]
    );
    assert!(missing.iter().all(|m| m.server.is_none()));

    server.reset_stats().await;
    assert_eq!(
        preload_libraries(&conn, mine).await.unwrap(),
        1,
        "one server"
    );
    assert_eq!(counts(&server).await, (0, 0, 3), "each library once");
    let mut expected = vec![SEED.loaded_name(), V1.loaded_name(), V2.loaded_name()];
    expected.sort();
    assert_eq!(libraries(&server).await, expected);
    assert!(missing_libraries(&conn, mine).await.unwrap().is_empty());
    // Loaded already: "already exists" counts as loaded; then a call is FCALL alone.
    assert_eq!(preload_libraries(&conn, mine).await.unwrap(), 1);
    server.reset_stats().await;
    assert_eq!(BUMP_V2.call(&conn, ["n"], ()).await.unwrap(), 10);
    assert_eq!(counts(&server).await, (1, 0, 0));

    // A library the server refuses: the error says which, and the others are loaded.
    let () = server.query(redis::cmd("FUNCTION").arg("FLUSH")).await;
    let clash = Library::new(
        "#!lua name=clash\nredis.register_function('taken', function() return 1 end)\n\
         redis.register_function('taken', function() return 2 end)",
    );
    let e = preload_libraries(&conn, [&clash, &V1]).await.unwrap_err();
    let Error::Preload(refused) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(refused.failed().len(), 1, "{e}");
    assert_eq!(refused.failed()[0].name.as_deref(), Some("clash"));
    assert_eq!(refused.loaded()[0].name.as_deref(), Some(V1.loaded_name()));
    assert_eq!(libraries(&server).await, [V1.loaded_name()]);
}

#[tokio::test]
async fn preload_and_missing_libraries_cover_every_cluster_primary_and_rest() {
    let cluster = RedisCluster::start(3, 0);
    let conn = cluster.connection().await;
    let missing = missing_libraries(&conn, [&SEED]).await.unwrap();
    assert_eq!(missing.len(), 3, "{missing:?}");
    assert!(missing.iter().all(|m| m.server.is_some()));
    assert_eq!(preload_libraries(&conn, [&SEED]).await.unwrap(), 3);
    for node in cluster.nodes() {
        assert_eq!(libraries(node).await, [SEED.loaded_name()]);
    }
    assert!(missing_libraries(&conn, [&SEED]).await.unwrap().is_empty());

    let server = RedisServer::start();
    let local = UpstashLocal::start(&server);
    let rest = Upstash::new(local.url(), local.token()).unwrap();
    assert_eq!(missing_libraries(&rest, [&SEED]).await.unwrap().len(), 1);
    assert_eq!(preload_libraries(&rest, [&SEED]).await.unwrap(), 1);
    assert_eq!(libraries(&server).await, [SEED.loaded_name()]);
    assert!(missing_libraries(&rest, [&SEED]).await.unwrap().is_empty());
}
