//! The registry of every `lua_script!` script, `preload` and `missing`, on one server, over REST, and
//! when a replica is promoted (a failover empties the script cache the calls find).

#![allow(clippy::unwrap_used)]

use redis_script::rest::Upstash;
use redis_script::{
    Error, Script, ScriptRO, ScriptRef, lua_script, missing, missing_scripts, preload,
    preload_scripts, scripts,
};
use redis_script_tests::RedisServer;
use redis_script_tests::upstash::UpstashLocal;

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");
static POST_STATS: ScriptRO<(i64, i64, String)> = lua_script!(
    "../../examples/lua/post_stats.lua",
    readonly,
    name = "post stats"
);
/// The same file again: registered twice, loaded once.
static INCR_TTL_AGAIN: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");

/// The SHA-1s the registry holds, sorted, each once.
fn registered() -> Vec<&'static str> {
    let mut shas: Vec<&str> = scripts().iter().map(|s| s.sha1()).collect();
    shas.sort_unstable();
    shas.dedup();
    shas
}

async fn cached(server: &RedisServer, sha1: &str) -> bool {
    let flags: Vec<i64> = server
        .query(redis::cmd("SCRIPT").arg("EXISTS").arg(sha1))
        .await;
    flags == [1]
}

#[test]
fn the_registry_lists_every_embedded_script_with_its_name_and_kind() {
    let incr: Vec<_> = scripts()
        .iter()
        .filter(|s| s.sha1() == INCR_TTL.sha1())
        .collect();
    // One entry per `lua_script!` call (two here, and the harness's own), named after the path as
    // written.
    assert!(incr.len() >= 2, "{incr:?}");
    assert!(
        incr.iter()
            .all(|s| s.name() == "../../examples/lua/incr_ttl.lua")
    );
    assert!(
        incr.iter()
            .all(|s| !s.is_read_only() && s.script() == INCR_TTL.script())
    );
    let stats: Vec<_> = scripts()
        .iter()
        .filter(|s| s.name() == "post stats")
        .collect();
    assert_eq!(stats.len(), 1);
    assert!(stats[0].is_read_only());
    assert_eq!(stats[0].sha1(), POST_STATS.sha1());
    assert_eq!(INCR_TTL.name(), Some("../../examples/lua/incr_ttl.lua"));
    assert_eq!(POST_STATS.name(), Some("post stats"));
    assert_eq!(INCR_TTL_AGAIN.sha1(), INCR_TTL.sha1());
    // Run-time scripts are not registered.
    let runtime = Script::<i64>::new("return 41 + 1");
    assert!(!registered().contains(&runtime.sha1()));
}

#[tokio::test]
async fn preload_loads_every_registered_script_once_and_exec_then_needs_no_eval() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let before = missing(&conn).await.unwrap();
    assert_eq!(before.len(), registered().len());
    server.reset_stats().await;

    let preloaded = preload(&conn).await.unwrap();
    assert_eq!(
        (preloaded.scripts, preloaded.servers),
        (registered().len(), 1)
    );
    // One SCRIPT LOAD per distinct script, though INCR_TTL is registered twice.
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("script|load"), registered().len() as u64);
    assert!(missing(&conn).await.unwrap().is_empty());
    for sha1 in registered() {
        assert!(cached(&server, sha1).await, "{sha1}");
    }

    server.reset_stats().await;
    assert_eq!(INCR_TTL.exec(&conn, ["views"], [60]).await.unwrap(), 1);
    assert_eq!(server.commandstats().await.scripts(), (0, 1, 0, 0));
}

#[tokio::test]
async fn missing_names_the_scripts_a_server_lacks() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let runtime = Script::<i64>::new("return 7").with_name("seven").unwrap();
    let set = [
        ScriptRef::from(&INCR_TTL),
        ScriptRef::from(&POST_STATS),
        ScriptRef::from(&runtime),
    ];
    preload_scripts(&conn, [ScriptRef::from(&POST_STATS)])
        .await
        .unwrap();
    let lacking = missing_scripts(&conn, set).await.unwrap();
    let names: Vec<_> = lacking.iter().map(|m| m.script.name()).collect();
    assert_eq!(
        names,
        [Some("../../examples/lua/incr_ttl.lua"), Some("seven")]
    );
    assert!(lacking.iter().all(|m| m.server.is_none()));
    assert_eq!(lacking[1].script.sha1(), runtime.sha1());
}

#[tokio::test]
async fn preload_refused_by_acl_says_which_scripts_failed_and_why() {
    let server = RedisServer::start();
    let conn = server.connection_denied("-script|load").await;
    let runtime = Script::<i64>::new("return 8").with_name("eight").unwrap();

    let err = preload_scripts(
        &conn,
        [ScriptRef::from(&INCR_TTL), ScriptRef::from(&runtime)],
    )
    .await
    .unwrap_err();
    let Error::Preload(preload) = &err else {
        panic!("{err:?}")
    };
    assert!(preload.loaded().is_empty());
    assert_eq!(preload.failed().len(), 2);
    assert!(
        preload
            .failed()
            .iter()
            .all(|f| f.error.code() == Some("NOPERM") && f.server.is_none())
    );
    assert_eq!(preload.failed()[1].name.as_deref(), Some("eight"));
    assert!(!err.may_have_run());
    let text = err.to_string();
    assert!(
        text.starts_with("2 of 2 script loads failed: \"../../examples/lua/incr_ttl.lua\": "),
        "{text}"
    );
    assert!(text.contains("\"eight\": server error NOPERM"), "{text}");
    assert!(!text.contains("app-password"), "{text}");
    // Nothing was loaded, and calls still work through EVAL.
    assert!(!cached(&server, runtime.sha1()).await);
    assert_eq!(runtime.exec(&conn, (), ()).await.unwrap(), 8);
}

#[tokio::test]
async fn preload_over_rest_loads_through_the_pipeline_endpoint() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    let preloaded = preload(&upstash).await.unwrap();
    assert_eq!(
        (preloaded.scripts, preloaded.servers),
        (registered().len(), 1)
    );
    assert!(missing(&upstash).await.unwrap().is_empty());
    for sha1 in registered() {
        assert!(cached(&redis, sha1).await, "{sha1}");
    }
    let paths: Vec<String> = local.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/pipeline", "/pipeline"]);
    redis.reset_stats().await;
    assert_eq!(INCR_TTL.exec(&upstash, ["views"], [60]).await.unwrap(), 1);
    assert_eq!(redis.commandstats().await.scripts(), (0, 1, 0, 0));
}

/// Starts a primary with a replica, runs INCR_TTL twice on the primary, and promotes the replica
/// (`REPLICAOF NO ONE`), as a failover does; returns the promoted server, the old one kept alive.
async fn failed_over() -> (RedisServer, RedisServer) {
    let primary = RedisServer::start();
    let replica = RedisServer::start_replica_of(&primary).await;
    let old = primary.connection().await;
    assert_eq!(INCR_TTL.exec(&old, ["hits"], [60]).await.unwrap(), 1);
    assert_eq!(INCR_TTL.exec(&old, ["hits"], [60]).await.unwrap(), 2);
    primary.wait_for_replica().await;
    let () = replica
        .query(redis::cmd("REPLICAOF").arg("NO").arg("ONE"))
        .await;
    // The promoted replica never saw the script itself: Redis replicates a script's effects.
    assert!(!cached(&replica, INCR_TTL.sha1()).await);
    (replica, primary)
}

/// A replica promoted to primary has its own, empty script cache: the first call there falls back
/// once, and no call runs twice.
#[tokio::test]
async fn after_a_failover_the_first_call_falls_back_once_and_runs_once() {
    let (promoted, _old) = failed_over().await;
    let conn = promoted.connection().await;
    promoted.reset_stats().await;
    assert_eq!(INCR_TTL.exec(&conn, ["hits"], [60]).await.unwrap(), 3);
    // (eval, evalsha, eval_ro, evalsha_ro): one EVALSHA answered NOSCRIPT, one EVAL that ran.
    assert_eq!(promoted.commandstats().await.scripts(), (1, 1, 0, 0));
    assert_eq!(INCR_TTL.exec(&conn, ["hits"], [60]).await.unwrap(), 4);
    assert_eq!(promoted.commandstats().await.scripts(), (1, 2, 0, 0));
    let hits: i64 = promoted.query(redis::cmd("GET").arg("hits")).await;
    assert_eq!(hits, 4, "no call ran twice");
}

/// Preloading right after the promotion saves even that one fallback.
#[tokio::test]
async fn preload_after_a_failover_makes_the_next_calls_evalsha_only() {
    let (promoted, _old) = failed_over().await;
    let conn = promoted.connection().await;
    assert!(!missing(&conn).await.unwrap().is_empty());
    preload(&conn).await.unwrap();
    assert!(missing(&conn).await.unwrap().is_empty());
    promoted.reset_stats().await;
    assert_eq!(INCR_TTL.exec(&conn, ["hits"], [60]).await.unwrap(), 3);
    assert_eq!(POST_STATS.exec(&conn, ["post:1"], ()).await.unwrap().0, 0);
    assert_eq!(promoted.commandstats().await.scripts(), (0, 1, 0, 1));
}
