//! Conformance with the official Upstash SDK: `@upstash/redis` (pinned in tests/conformance/package.json)
//! runs scripts, pipelines and the documented examples against the local Upstash server in front of a
//! real Redis. Its results, the requests it sent and their effects on Redis are checked, then the Rust
//! REST client runs the same scripts and must give the same results with the same effects.
//!
//! Needs `node` and `npm` on PATH (scripts/install-test-deps installs them); the SDK is installed with
//! `npm ci` on first use.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::Mutex;
use std::time::Duration;

use redis_script::rest::Upstash;
use redis_script::{
    ArgList, Function, FunctionRO, Library, Pipeline, Reply, Script, ScriptRO, Transaction,
    lua_library,
};
use redis_script_tests::upstash::{RecordedRequest, UpstashLocal};
use redis_script_tests::{CommandStats, ProcessLock, RedisServer};
use serde_json::{Value, json};

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

/// Installs the pinned SDK with `npm ci` unless the installed one already matches the pin. Other test
/// processes (nextest) wait on a lock meanwhile rather than run `npm ci` on the same folder.
fn ensure_sdk_installed() {
    static INSTALL: Mutex<bool> = Mutex::new(false);
    let mut done = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    let dir = conformance_dir();
    let _installing = ProcessLock::acquire(&dir.join("node_modules").to_string_lossy());
    let node = StdCommand::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        panic!(
            "the SDK conformance test needs Node.js: `node` is not on PATH (run scripts/install-test-deps)"
        );
    }
    let pinned = read_json(&dir.join("package.json"))["dependencies"]["@upstash/redis"].clone();
    let installed_manifest = dir.join("node_modules/@upstash/redis/package.json");
    let installed = installed_manifest
        .exists()
        .then(|| read_json(&installed_manifest)["version"].clone());
    if installed.as_ref() != Some(&pinned) {
        let npm = StdCommand::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .output()
            .unwrap_or_else(|err| {
                panic!("the SDK conformance test needs npm on PATH (run scripts/install-test-deps): {err}")
            });
        assert!(
            npm.status.success(),
            "npm ci --prefix {} failed:\n{}\n{}",
            dir.display(),
            String::from_utf8_lossy(&npm.stdout),
            String::from_utf8_lossy(&npm.stderr)
        );
    }
    *done = true;
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Runs tests/conformance/sdk.mjs against `upstash` and returns the JSON object it prints.
async fn run_sdk(upstash: &UpstashLocal, auto_pipeline: bool) -> Value {
    let pipelining = if auto_pipeline { "1" } else { "0" };
    run_node(upstash, "sdk.mjs", &[("SDK_AUTO_PIPELINE", pipelining)]).await
}

/// Runs the SDK program `script` (in tests/conformance) against `upstash` with `env` and returns the
/// JSON object it prints.
async fn run_node(upstash: &UpstashLocal, script: &str, env: &[(&str, &str)]) -> Value {
    ensure_sdk_installed();
    let dir = conformance_dir();
    let child = tokio::process::Command::new("node")
        .arg(dir.join(script))
        .current_dir(&dir)
        .env("UPSTASH_REDIS_REST_URL", upstash.url())
        .env("UPSTASH_REDIS_REST_TOKEN", upstash.token())
        .env("UPSTASH_DISABLE_TELEMETRY", "1")
        .envs(env.iter().copied())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), child)
        .await
        .unwrap_or_else(|_| panic!("node {script} did not finish within 120 s"))
        .unwrap_or_else(|e| panic!("node {script} could not be started: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node {script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("node {script} printed no JSON object:\n{stdout}\n{stderr}"));
    serde_json::from_str(line).unwrap()
}

fn scripts(stats: &CommandStats) -> (u64, u64, u64, u64) {
    stats.scripts()
}

/// Every command the requests carried, lowercased, in order (a pipeline's commands one by one).
fn commands_sent(requests: &[RecordedRequest]) -> Vec<String> {
    let name = |command: &Value| command[0].as_str().unwrap().to_ascii_lowercase();
    requests
        .iter()
        .flat_map(|r| match r.path.as_str() {
            "/" => vec![name(&r.body)],
            "/pipeline" | "/multi-exec" => r.body.as_array().unwrap().iter().map(name).collect(),
            other => panic!("unexpected request path {other}"),
        })
        .collect()
}

fn count(commands: &[String], name: &str) -> u64 {
    commands.iter().filter(|c| *c == name).count() as u64
}

fn result<'a>(steps: &'a Value, name: &str) -> &'a Value {
    let step = &steps[name];
    assert!(
        step.get("result").is_some(),
        "step {name} did not succeed: {step}"
    );
    &step["result"]
}

/// What the documented examples and the other steps must give, as the SDK shows them.
fn check_step_results(out: &Value) {
    let steps = &out["steps"];
    let expected = [
        ("greet_exec_first", json!("Hello, World!")),
        ("greet_exec_second", json!("Hello, Again!")),
        ("greet_eval", json!("Hello, Eval!")),
        ("greet_evalsha", json!("Hello, Sha!")),
        ("ro_set", json!("OK")),
        ("ro_exec_first", json!("ro-value")),
        ("ro_exec_second", json!("ro-value")),
        ("ro_eval_ro", json!("ro-value")),
        ("ro_evalsha_ro", json!("ro-value")),
        // The SDK parses a reply that looks like a number: GET "2" shows as 2.
        ("pipeline", json!(["OK", 2, "Hello, Pipe!", 2])),
        ("multi", json!(["OK", 2, "xy"])),
        ("pipeline_scripts", json!([[1, 60], [1, 60], [2, 60], 1])),
        ("unicode_set", json!("OK")),
        ("unicode_get", out["unicode_input"].clone()),
        ("binaryish_set", json!("OK")),
        ("binaryish_get", out["binaryish_input"].clone()),
        ("seed_counter_first", json!(1)),
        ("seed_counter_second", json!(2)),
        ("seed_high_1500", json!(1500)),
        ("seed_high_1200", json!(1500)),
        ("seed_high_2000", json!(2000)),
        ("seed_stats_setup", json!(["OK", "OK"])),
        // Lua numbers become integers: the documented ratio 0.15 arrives as 0.
        ("seed_post_stats", json!([1000, 150, 0])),
        ("seed_batch", json!([1, 1, 1])),
        ("seed_rate_limit", json!([1, 60])),
        ("seed_activity", json!(null)),
    ];
    for (name, want) in expected {
        assert_eq!(result(steps, name), &want, "step {name}");
    }
    let typed = result(steps, "seed_typed");
    assert_eq!(typed[0], json!(1));
    assert!(
        typed[1].is_number(),
        "TIME seconds parsed by the SDK: {typed}"
    );
    let error = steps["ro_write_exec"]["error"].as_str().unwrap_or_else(|| {
        panic!(
            "a read-only script that writes must fail: {}",
            steps["ro_write_exec"]
        )
    });
    assert!(
        error.contains("Write commands are not allowed from read-only scripts"),
        "{error}"
    );
}

/// The SDK ran the examples' own files (examples/lua), the ones the Rust examples compile in.
fn check_sources_are_the_examples(out: &Value) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/lua");
    for (name, file) in [
        ("greet", "greeting.lua"),
        ("ro_get", "get.lua"),
        ("counter_ttl", "incr_ttl.lua"),
        ("set_if_higher", "set_if_higher.lua"),
        ("batch_increment", "batch_incr.lua"),
        ("rate_limit", "rate_limit.lua"),
        ("user_activity", "user_activity.lua"),
    ] {
        let text = std::fs::read_to_string(examples.join(file)).unwrap();
        assert_eq!(out["sources"][name], json!(text), "{name} is not {file}");
    }
}

/// The effects of the scenario on Redis, read directly.
async fn check_effects(redis: &RedisServer, out: &Value) {
    let get = |key: &'static str| async move {
        redis
            .query::<Option<Vec<u8>>>(redis::cmd("GET").arg(key))
            .await
    };
    let bytes = |v: &Value| Some(v.as_str().unwrap().as_bytes().to_vec());
    assert_eq!(get("text:unicode").await, bytes(&out["unicode_input"]));
    assert_eq!(get("text:binaryish").await, bytes(&out["binaryish_input"]));
    assert_eq!(get("user:123:highscore").await, Some(b"2000".to_vec()));
    assert_eq!(get("pipe:a").await, Some(b"2".to_vec()));
    assert_eq!(get("tx:a").await, Some(b"xy".to_vec()));
    assert_eq!(get("limit:user:1").await, Some(b"2".to_vec()));
    assert_eq!(get("limit:user:2").await, Some(b"1".to_vec()));
    assert_eq!(get("limit:hits").await, Some(b"1".to_vec()));
    assert_eq!(get("ro:written").await, None);
    for key in ["counter:1", "counter:2", "counter:3"] {
        assert_eq!(get(key).await, Some(b"1".to_vec()), "{key}");
    }
    assert_eq!(get("page:views:homepage").await, Some(b"2".to_vec()));
    let ttl: i64 = redis
        .query(redis::cmd("TTL").arg("page:views:homepage"))
        .await;
    assert!((3500..=3600).contains(&ttl), "counter TTL {ttl}");
    let ttl: i64 = redis
        .query(redis::cmd("TTL").arg("ratelimit:user:123"))
        .await;
    assert!((1..=60).contains(&ttl), "rate limit TTL {ttl}");
    let activity: Vec<Option<String>> = redis
        .query(
            redis::cmd("HMGET")
                .arg("user:123")
                .arg("last_activity")
                .arg("last_seen"),
        )
        .await;
    assert_eq!(
        activity,
        [
            Some("logged_in".to_owned()),
            Some("1700000000000".to_owned())
        ]
    );
    let score: Option<f64> = redis
        .query(
            redis::cmd("ZSCORE")
                .arg("user:123:activity")
                .arg("logged_in"),
        )
        .await;
    assert_eq!(score, Some(1_700_000_000_000.0));
}

/// Scripts the scenario runs: (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO) calls on Redis. Each `exec` of a
/// script not yet cached is EVALSHA (NOSCRIPT) + EVAL; every later `exec` is one EVALSHA.
const SCENARIO_SCRIPT_CALLS: (u64, u64, u64, u64) = (
    // greet: exec (fallback), eval; the documented writers each fall back once, but for the rate limit,
    // which the pipeline of scripts loaded (SCRIPT LOAD) before its exec.
    2 + 5,
    // greet: exec, exec, evalsha; pipeline evalsha; three calls in the pipeline of scripts; counter 2,
    // high score 3, batch, rate, activity, typed.
    3 + 1 + 3 + 2 + 3 + 1 + 1 + 1 + 1,
    // ro_get: exec (fallback), eval_ro; ro_write: exec (fallback, then refused); post stats (fallback).
    2 + 1 + 1,
    // ro_get: exec, exec, evalsha_ro; ro_write: exec; post stats: exec.
    3 + 1 + 1,
);

async fn sdk_scenario(auto_pipeline: bool) {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    redis.reset_stats().await;

    let out = run_sdk(&upstash, auto_pipeline).await;
    let stats = redis.commandstats().await;
    let requests = upstash.requests();
    assert_eq!(out["autoPipeline"], json!(auto_pipeline));

    check_step_results(&out);
    check_sources_are_the_examples(&out);
    check_effects(&redis, &out).await;

    // Server side: exactly the script calls the SDK's exec implies, no more (no retried request ran
    // twice) and no less.
    assert_eq!(scripts(&stats), SCENARIO_SCRIPT_CALLS);
    let sent = commands_sent(&requests);
    // (Scripts call SET, GET and INCR themselves, so those counts would not match.)
    for name in ["eval", "evalsha", "eval_ro", "evalsha_ro", "append"] {
        assert_eq!(count(&sent, name), stats.calls(name), "{name}: sent vs run");
    }
    assert_eq!((stats.calls("multi"), stats.calls("exec")), (1, 1));
    // exec = EVALSHA, then EVAL only after NOSCRIPT.
    let script_commands: Vec<&str> = sent
        .iter()
        .map(String::as_str)
        .filter(|c| c.starts_with("eval"))
        .take(5)
        .collect();
    assert_eq!(
        script_commands,
        ["evalsha", "eval", "evalsha", "eval", "evalsha"]
    );

    // The SDK's SHA-1 is the one Redis computes for the same text.
    let sha = redis
        .script_load(out["sources"]["greet"].as_str().unwrap())
        .await;
    assert_eq!(out["greet_sha1"], json!(sha));

    // Headers: base64 asked for on every request; the sync token is sent from the previous response
    // (empty before the first one).
    for request in &requests {
        assert_eq!(
            request.header("upstash-encoding"),
            Some("base64"),
            "{request:?}"
        );
        assert_eq!(request.header("content-type"), Some("application/json"));
    }
    // The SDK only takes a token from a successful (2xx) response.
    let mut latest = String::new();
    for request in &requests {
        assert_eq!(
            request.sync_token.as_deref(),
            Some(latest.as_str()),
            "{request:?}"
        );
        if (200..300).contains(&request.status) {
            latest.clone_from(&request.response_sync_token);
        }
    }

    // Routes: auto-pipelining batches even single commands through /pipeline.
    let paths = |p: &str| requests.iter().filter(|r| r.path == p).count();
    assert_eq!(paths("/multi-exec"), 1);
    if auto_pipeline {
        assert_eq!(paths("/"), 0);
        assert_eq!(paths("/pipeline"), requests.len() - 1);
    } else {
        assert_eq!(paths("/pipeline"), 3);
        assert_eq!(paths("/"), requests.len() - 4);
    }
}

#[tokio::test]
async fn official_sdk_with_auto_pipelining_passes_against_the_local_server() {
    sdk_scenario(true).await;
}

#[tokio::test]
async fn official_sdk_with_single_requests_passes_against_the_local_server() {
    sdk_scenario(false).await;
}

/// The SDK's automatic deserialization: a string that is a JSON number shows as that number.
fn as_sdk_shows(value: Value) -> Value {
    match value {
        Value::String(s) => match s.parse::<i64>() {
            Ok(n) if n.to_string() == s => json!(n),
            _ => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(as_sdk_shows).collect()),
        other => other,
    }
}

fn reply_json(reply: Reply) -> Value {
    match reply {
        Reply::Nil => Value::Null,
        Reply::Int(n) => json!(n),
        Reply::Bulk(bytes) => json!(String::from_utf8(bytes).unwrap()),
        Reply::Status(s) => json!(s),
        Reply::Array(items) => Value::Array(items.into_iter().map(reply_json).collect()),
        other => panic!("unexpected RESP3 reply through REST: {other:?}"),
    }
}

fn ok<T: serde::Serialize>(r: Result<T, redis_script::Error>) -> Value {
    match r {
        Ok(v) => json!({ "result": as_sdk_shows(serde_json::to_value(v).unwrap()) }),
        Err(err) => json!({ "error": err.to_string() }),
    }
}

async fn batch(upstash: &Upstash, commands: &[ArgList], transaction: bool) -> Value {
    let replies = if transaction {
        let mut tx = Transaction::new();
        let queued: Vec<_> = commands.iter().map(|c| tx.cmd::<Reply>(c)).collect();
        tx.run(upstash).await.map(|r| (r, queued))
    } else {
        let mut pipe = Pipeline::new();
        let queued: Vec<_> = commands.iter().map(|c| pipe.cmd::<Reply>(c)).collect();
        pipe.run(upstash).await.map(|r| (r, queued))
    };
    match replies {
        Ok((mut replies, queued)) => {
            let values: Vec<Value> = queued
                .into_iter()
                .map(|q| as_sdk_shows(reply_json(replies.take(q).unwrap())))
                .collect();
            json!({ "result": values })
        }
        Err(err) => json!({ "error": err.to_string() }),
    }
}

/// The SDK scenario, step for step, through `redis_script::rest::Upstash` and the same script texts.
async fn rust_scenario(upstash: &Upstash, sources: &Value, out: &Value) -> Value {
    let src = |name: &str| sources[name].as_str().unwrap().to_owned();
    let mut steps = serde_json::Map::new();
    let mut put = |name: &str, value: Value| {
        steps.insert(name.to_owned(), value);
    };
    let no_keys: [&str; 0] = [];

    let greet = Script::<String>::new(src("greet"));
    put(
        "greet_exec_first",
        ok(greet.exec(upstash, no_keys, ["World"]).await),
    );
    put(
        "greet_exec_second",
        ok(greet.exec(upstash, no_keys, ["Again"]).await),
    );
    put(
        "greet_eval",
        ok(greet.eval(upstash, no_keys, ["Eval"]).await),
    );
    put(
        "greet_evalsha",
        ok(greet.evalsha(upstash, no_keys, ["Sha"]).await),
    );

    let set = |k: &str, v: &str| ArgList::new(&("SET", k, v));
    let first = |v: Value| json!({ "result": v["result"][0].clone() });
    put(
        "ro_set",
        first(batch(upstash, &[set("ro:key", "ro-value")], false).await),
    );
    let ro = ScriptRO::<String>::new(src("ro_get"));
    put("ro_exec_first", ok(ro.exec(upstash, ["ro:key"], ()).await));
    put("ro_exec_second", ok(ro.exec(upstash, ["ro:key"], ()).await));
    put("ro_eval_ro", ok(ro.eval_ro(upstash, ["ro:key"], ()).await));
    put(
        "ro_evalsha_ro",
        ok(ro.evalsha_ro(upstash, ["ro:key"], ()).await),
    );
    let ro_write = ScriptRO::<String>::new(src("ro_write"));
    put(
        "ro_write_exec",
        ok(ro_write.exec(upstash, ["ro:written"], ()).await),
    );

    let pipeline = [
        set("pipe:a", "1"),
        ArgList::new(&("INCR", "pipe:a")),
        ArgList::new(&("EVALSHA", greet.sha1(), 0, "Pipe")),
        ArgList::new(&("GET", "pipe:a")),
    ];
    put("pipeline", batch(upstash, &pipeline, false).await);
    let multi = [
        set("tx:a", "x"),
        ArgList::new(&("APPEND", "tx:a", "y")),
        ArgList::new(&("GET", "tx:a")),
    ];
    put("multi", batch(upstash, &multi, true).await);

    let rate = Script::<Value>::new(src("rate_limit"));
    let mut pipe = Pipeline::new();
    let calls = [
        pipe.exec(&rate, ["limit:user:1"], ["10", "60"]),
        pipe.exec(&rate, ["limit:user:2"], ["10", "60"]),
        pipe.exec(&rate, ["limit:user:1"], ["10", "60"]),
    ];
    let hits = pipe.cmd::<Value>(("INCR", "limit:hits"));
    let mut replies = pipe.run(upstash).await.unwrap();
    let mut results: Vec<Value> = calls
        .into_iter()
        .map(|call| replies.take(call).unwrap())
        .collect();
    results.push(replies.take(hits).unwrap());
    put("pipeline_scripts", json!({ "result": results }));

    for (key, input, step) in [
        ("text:unicode", "unicode_input", "unicode"),
        ("text:binaryish", "binaryish_input", "binaryish"),
    ] {
        let text = out[input].as_str().unwrap();
        put(
            &format!("{step}_set"),
            first(batch(upstash, &[set(key, text)], false).await),
        );
        let get = batch(upstash, &[ArgList::new(&("GET", key))], false).await;
        put(&format!("{step}_get"), first(get));
    }

    let counter = Script::<i64>::new(src("counter_ttl"));
    put(
        "seed_counter_first",
        ok(counter
            .exec(upstash, ["page:views:homepage"], ["3600"])
            .await),
    );
    put(
        "seed_counter_second",
        ok(counter
            .exec(upstash, ["page:views:homepage"], ["3600"])
            .await),
    );
    let high = Script::<i64>::new(src("set_if_higher"));
    for score in ["1500", "1200", "2000"] {
        put(
            &format!("seed_high_{score}"),
            ok(high.exec(upstash, ["user:123:highscore"], [score]).await),
        );
    }
    let stats_setup = [set("post:123:views", "1000"), set("post:123:likes", "150")];
    put(
        "seed_stats_setup",
        batch(upstash, &stats_setup, false).await,
    );
    let post_stats = ScriptRO::<(i64, i64, i64)>::new(src("post_stats"));
    put(
        "seed_post_stats",
        ok(post_stats.exec(upstash, ["post:123"], ()).await),
    );
    let batch_incr = Script::<Vec<i64>>::new(src("batch_increment"));
    put(
        "seed_batch",
        ok(batch_incr
            .exec(upstash, ["counter:1", "counter:2", "counter:3"], ())
            .await),
    );
    let rate = Script::<(i64, i64)>::new(src("rate_limit"));
    put(
        "seed_rate_limit",
        ok(rate
            .exec(upstash, ["ratelimit:user:123"], ["100", "60"])
            .await),
    );
    let activity = Script::<Option<String>>::new(src("user_activity"));
    put(
        "seed_activity",
        ok(activity
            .exec(upstash, no_keys, ["123", "logged_in", "1700000000000"])
            .await),
    );
    let typed = Script::<(i64, String)>::new(src("typed"));
    put("seed_typed", ok(typed.exec(upstash, ["counter"], ()).await));

    Value::Object(steps)
}

#[tokio::test]
async fn rust_rest_client_matches_the_official_sdk() {
    // The official SDK on one Redis...
    let sdk_redis = RedisServer::start();
    let sdk_upstash = UpstashLocal::start(&sdk_redis);
    sdk_redis.reset_stats().await;
    let out = run_sdk(&sdk_upstash, true).await;
    let sdk_stats = sdk_redis.commandstats().await;
    check_step_results(&out);

    // ... and the Rust client on another, fresh one, with the same script texts.
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    redis.reset_stats().await;
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    let steps = rust_scenario(&upstash, &out["sources"], &out).await;
    let stats = redis.commandstats().await;

    for (name, sdk_step) in out["steps"].as_object().unwrap() {
        let rust_step = &steps[name];
        match name.as_str() {
            // TIME differs between runs; the count and the kind of value must not.
            "seed_typed" => {
                assert_eq!(rust_step["result"][0], sdk_step["result"][0]);
                assert!(rust_step["result"][1].is_number(), "{rust_step}");
            }
            // Both refuse the write; the SDK prefixes its own words to the server's message.
            "ro_write_exec" => {
                let text = rust_step["error"].as_str().unwrap_or_default();
                assert!(
                    text.contains("Write commands are not allowed from read-only scripts"),
                    "{rust_step}"
                );
            }
            _ => assert_eq!(rust_step, sdk_step, "step {name}"),
        }
    }

    // Same script traffic on the server, same effects.
    assert_eq!(scripts(&stats), scripts(&sdk_stats));
    assert_eq!(scripts(&stats), SCENARIO_SCRIPT_CALLS);
    check_effects(&redis, &out).await;

    // Read-your-writes: every request after the first sends the token of the response just before
    // it, error responses included (the SDK keeps the token of the last 2xx response).
    let requests = local.requests();
    assert!(
        requests.iter().any(|r| r.status == 400),
        "the scenario includes error replies"
    );
    assert_eq!(requests[0].sync_token, None);
    for pair in requests.windows(2) {
        assert_eq!(
            pair[1].sync_token.as_ref(),
            Some(&pair[0].response_sync_token),
            "{pair:?}"
        );
    }
    assert_eq!(
        upstash.sync_token().as_ref(),
        Some(&requests.last().unwrap().response_sync_token)
    );
}

lua_library! {
    static SEED: Library = "../../examples/lua/seed_library.lua";
    static INCR_TTL: Function<i64> = "incr_ttl";
    static GREETING: FunctionRO<String> = "greeting";
}

/// The SDK's Redis Functions API (`redis.functions`) against the local server, on the library
/// `lua_library!` loads: its requests, results and effects; then the Rust client calls the library the
/// SDK loaded, with FCALL alone.
#[tokio::test]
async fn official_sdk_functions_api_calls_a_versioned_library_against_the_local_server() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    let env = [
        ("LIBRARY_CODE", SEED.code()),
        ("LIBRARY", SEED.loaded_name()),
        ("INCR_TTL", INCR_TTL.called_name()),
        ("GREETING", GREETING.called_name()),
    ];
    let out = run_node(&upstash, "sdk_functions.mjs", &env).await;
    let steps = &out["steps"];
    let error = |name: &str| {
        steps[name]["error"]
            .as_str()
            .unwrap_or_else(|| panic!("step {name} must fail: {}", steps[name]))
            .to_owned()
    };
    // The SDK appends the command to the server's error text.
    let missing = error("call_before_load");
    assert!(
        missing.starts_with("ERR Function not found, command was: "),
        "{missing}"
    );
    assert_eq!(result(steps, "load"), &json!(SEED.loaded_name()));
    let exists = error("load_again");
    assert!(exists.contains("already exists"), "{exists}");
    let list = result(steps, "list");
    assert_eq!(list[0]["libraryName"], json!(SEED.loaded_name()));
    let functions = list[0]["functions"].as_array().unwrap();
    assert_eq!(functions.len(), 6, "{list}");
    assert!(
        functions.contains(&json!({"name": GREETING.called_name(), "flags": ["no-writes"]})),
        "{list}"
    );
    assert_eq!(result(steps, "call_first"), &json!(1));
    assert_eq!(result(steps, "call_second"), &json!(2));
    assert_eq!(result(steps, "call_ro"), &json!("Hello, SDK!"));
    let ro = error("call_ro_write");
    assert!(ro.contains("write flag using *_ro command"), "{ro}");
    assert_eq!(result(steps, "pipeline"), &json!([3, "Hello, Pipe!"]));
    assert_eq!(result(steps, "multi"), &json!([4, 1]));
    assert_eq!(
        result(steps, "stats")["LUA"],
        json!({"librariesCount": 1, "functionsCount": 6})
    );

    // What the SDK sent, one request per call or batch, and what Redis ran.
    let requests = upstash.requests();
    let sent = commands_sent(&requests);
    assert_eq!(count(&sent, "fcall"), 5, "{sent:?}");
    assert_eq!(count(&sent, "fcall_ro"), 3, "{sent:?}");
    assert_eq!(count(&sent, "function"), 4, "{sent:?}");
    let stats = redis.commandstats().await;
    assert_eq!(stats.calls("function|load"), 2);
    let views: i64 = redis.query(redis::cmd("GET").arg("fn:views")).await;
    assert_eq!(views, 4);
    let ttl: i64 = redis.query(redis::cmd("TTL").arg("fn:views")).await;
    assert!((1..=60).contains(&ttl), "{ttl}");

    // The Rust client calls the library the SDK loaded: FCALL alone, no load.
    redis.reset_stats().await;
    let rest = Upstash::new(upstash.url(), upstash.token()).unwrap();
    assert_eq!(INCR_TTL.call(&rest, ["fn:views"], [60]).await.unwrap(), 5);
    assert_eq!(
        GREETING.call(&rest, (), ["Rust"]).await.unwrap(),
        "Hello, Rust!"
    );
    let stats = redis.commandstats().await;
    assert_eq!(
        (
            stats.calls("fcall"),
            stats.calls("fcall_ro"),
            stats.calls("function|load")
        ),
        (1, 1, 0)
    );
}
