//! The REST transport against the local Upstash-compatible server in front of a real Redis: fallback and
//! its effects, base64 and binary values, read-your-writes, batches, and every failure mode.

#![allow(clippy::unwrap_used)]

mod rest_support;

use std::time::Duration;

use redis_script::rest::{RetryPolicy, Upstash};
use redis_script::{Error, Pipeline, Reply, Script, ScriptRO, Transaction, TransportErrorKind};
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{ClosedPort, RedisServer};
use rest_support::{assert_no_secrets, transport};

const KEY: &str = "key-s3cr3t-k1";
const ARG: &str = "arg-s3cr3t-a1";

fn client(local: &UpstashLocal) -> Upstash {
    Upstash::new(local.url(), local.token()).unwrap()
}

/// The command names the REST server received, oldest first.
fn commands_received(local: &UpstashLocal) -> Vec<String> {
    local
        .requests()
        .iter()
        .map(|r| r.body[0].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn exec_loads_the_script_once_then_runs_evalsha_and_falls_back_again_after_script_flush() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local);
    let incr = Script::<i64>::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    redis.reset_stats().await;

    assert_eq!(incr.exec(&upstash, [KEY], [2]).await.unwrap(), 2);
    assert_eq!(redis.commandstats().await.scripts(), (1, 1, 0, 0));
    assert_eq!(incr.exec(&upstash, [KEY], [3]).await.unwrap(), 5);
    assert_eq!(redis.commandstats().await.scripts(), (1, 2, 0, 0));

    redis.script_flush().await;
    assert_eq!(incr.exec(&upstash, [KEY], [5]).await.unwrap(), 10);
    assert_eq!(redis.commandstats().await.scripts(), (2, 3, 0, 0));
    let value: i64 = redis.query(redis::cmd("GET").arg(KEY)).await;
    assert_eq!(value, 10);
    assert_eq!(
        commands_received(&local),
        ["EVALSHA", "EVAL", "EVALSHA", "EVALSHA", "EVAL"]
    );
}

#[tokio::test]
async fn a_read_only_script_falls_back_to_eval_ro_and_cannot_write() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local);
    let () = redis.query(redis::cmd("SET").arg(KEY).arg("v")).await;
    redis.reset_stats().await;

    let get = ScriptRO::<Option<String>>::new("return redis.call('GET', KEYS[1])");
    assert_eq!(
        get.exec(&upstash, [KEY], ()).await.unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(
        get.exec(&upstash, [KEY], ()).await.unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(redis.commandstats().await.scripts(), (0, 0, 1, 2));

    let write = ScriptRO::<()>::new("return redis.call('SET', KEYS[1], ARGV[1])");
    let err = write.exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert!(err.is_read_only_violation(), "{err:?}");
    assert_no_secrets(&err, &[ARG, KEY, local.token()]);
    let value: String = redis.query(redis::cmd("GET").arg(KEY)).await;
    assert_eq!(value, "v");
}

#[tokio::test]
async fn all_256_byte_values_survive_with_base64() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local);
    let all_bytes = Script::<Reply>::new(
        "local t = {} for i = 0, 255 do t[#t + 1] = string.char(i) end \
         local s = table.concat(t) redis.call('SET', KEYS[1], s) return {s, s:reverse()}",
    );

    let reply = all_bytes.exec(&upstash, [KEY], ()).await.unwrap();
    let forward: Vec<u8> = (0..=255).collect();
    let backward: Vec<u8> = (0..=255).rev().collect();
    assert_eq!(
        reply,
        Reply::Array(vec![Reply::Bulk(forward.clone()), Reply::Bulk(backward)])
    );
    let stored: Vec<u8> = redis.query(redis::cmd("GET").arg(KEY)).await;
    assert_eq!(stored, forward);
    assert!(local.requests().iter().all(|r| {
        r.headers
            .iter()
            .any(|(n, v)| n == "upstash-encoding" && v == "base64")
    }));
}

#[tokio::test]
async fn text_round_trips_with_and_without_base64_and_ok_is_accepted_either_way() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let plain = Upstash::builder(local.url(), local.token())
        .base64(false)
        .build()
        .unwrap();
    let encoded = client(&local);
    let echo = Script::<String>::new("return ARGV[1]");
    let status = Script::<String>::new("return redis.status_reply('OK')");
    let nested =
        Script::<(i64, Option<String>, Vec<String>)>::new("return {42, false, {'a', 'é'}}");

    for upstash in [&plain, &encoded] {
        let text = "héllo \"world\" \\ ✓";
        assert_eq!(echo.exec(upstash, (), [text]).await.unwrap(), text);
        assert_eq!(status.exec(upstash, (), ()).await.unwrap(), "OK");
        // Lua `false` is a nil reply inside an array.
        let (n, none, list) = nested.exec(upstash, (), ()).await.unwrap();
        assert_eq!(
            (n, none, list),
            (42, None, vec!["a".to_owned(), "é".to_owned()])
        );
    }
    // The plain client loaded the three scripts (EVALSHA + EVAL each); the other found them cached.
    let with_header: Vec<bool> = local
        .requests()
        .iter()
        .map(|r| {
            r.headers
                .iter()
                .any(|(n, v)| n == "upstash-encoding" && v == "base64")
        })
        .collect();
    assert_eq!(with_header, [[false; 6].as_slice(), &[true; 3]].concat());
}

#[tokio::test]
async fn script_errors_keep_their_code_and_line_as_over_resp() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local);
    let () = redis.query(redis::cmd("RPUSH").arg(KEY).arg("x")).await;
    let wrong_type = Script::<i64>::new("local a = 1\nreturn redis.call('INCR', KEYS[1])");

    let err = wrong_type.exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    let Error::Script(script) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(script.code(), "WRONGTYPE");
    assert_eq!(script.line(), Some(2));
    assert!(!err.is_noscript());
    assert_no_secrets(&err, &[ARG, local.token()]);
    // The NOSCRIPT of the first EVALSHA was recognised, the EVAL ran and failed: two requests.
    assert_eq!(commands_received(&local), ["EVALSHA", "EVAL"]);
}

#[tokio::test]
async fn each_request_carries_the_sync_token_of_the_response_before_it() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local);
    let incr = Script::<i64>::new("return redis.call('INCR', KEYS[1])");

    for expected in 1..=3 {
        assert_eq!(incr.exec(&upstash, [KEY], ()).await.unwrap(), expected);
    }
    let requests = local.requests();
    assert_eq!(requests.len(), 4, "EVALSHA, EVAL, then EVALSHA twice");
    let sent = local.sync_tokens_received();
    let answered: Vec<Option<String>> = requests
        .iter()
        .map(|r| Some(r.response_sync_token.clone()))
        .collect();
    assert_eq!(sent[0], None);
    for i in 1..requests.len() {
        assert_eq!(sent[i], answered[i - 1], "request {i}");
    }
    assert_eq!(upstash.sync_token(), answered[3]);
}

#[tokio::test]
async fn pipelines_and_transactions_go_to_their_endpoints_with_script_calls_loaded_inside() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = client(&local);
    let script = Script::<i64>::new("return 7");

    let mut pipe = Pipeline::new();
    let set = pipe.cmd::<Reply>(("SET", KEY, ARG));
    let get = pipe.cmd::<String>(("GET", KEY));
    let incr = pipe.cmd::<i64>(("INCR", KEY));
    let seven = pipe.exec(&script, (), ());
    let mut replies = pipe.run(&upstash).await.unwrap();
    assert_eq!(replies.take(set).unwrap(), Reply::Bulk(b"OK".to_vec()));
    assert_eq!(replies.take(get).unwrap(), ARG);
    let err = replies.take(incr).unwrap_err();
    assert_eq!(err.code(), Some("ERR"));
    assert_no_secrets(&err, &[local.token()]);
    assert_eq!(replies.take(seven).unwrap(), 7);
    // Loaded inside the batch: SCRIPT LOAD then EVALSHA, never a NOSCRIPT or an EVAL.
    let stats = redis.commandstats().await;
    assert_eq!(stats.scripts(), (0, 1, 0, 0));
    assert_eq!(stats.calls("script|load"), 1);
    let paths: Vec<String> = local.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/pipeline"]);

    let counter = "counter";
    let mut tx = Transaction::new();
    let one = tx.cmd::<i64>(("INCR", counter));
    let eleven = tx.cmd::<i64>(("INCRBY", counter, 10));
    let mut replies = tx.run(&upstash).await.unwrap();
    assert_eq!(
        (replies.take(one).unwrap(), replies.take(eleven).unwrap()),
        (1, 11)
    );
    assert_eq!(local.requests().last().unwrap().path, "/multi-exec");

    // Refused transactions, retries and the rest: tests/rest_batch.rs.
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_and_never_shown() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let wrong = "wrong-t0ken-s3cr3t";
    let upstash = Upstash::new(local.url(), wrong).unwrap();
    let echo = Script::<String>::new("return ARGV[1]");

    let err = echo.exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Unauthorized);
    assert!(!err.may_have_run());
    assert!(
        err.to_string().contains("UPSTASH_REDIS_REST_TOKEN"),
        "{err}"
    );
    assert_no_secrets(&err, &[wrong, local.token(), KEY, ARG]);
    assert_eq!(redis.commandstats().await.scripts(), (0, 0, 0, 0));
}

#[tokio::test]
async fn a_stopped_rest_server_is_a_connect_error() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let (port, token) = (local.port(), local.token().to_owned());
    drop(local);
    // Keep the stopped server's port closed for the rest of the test; should another process have taken
    // it already, a port of our own that nobody listens on stands in for it.
    let stopped = ClosedPort::claim(port).unwrap_or_default();
    let url = stopped.http_url();
    let upstash = Upstash::builder(url, token.clone())
        .retry(RetryPolicy::new(1, Duration::from_millis(10)))
        .build()
        .unwrap();
    let echo = Script::<String>::new("return ARGV[1]");

    let err = echo.exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert_eq!(
        transport(&err).kind(),
        TransportErrorKind::Connect,
        "{err:?}"
    );
    assert!(!err.may_have_run());
    assert_no_secrets(&err, &[&token, KEY, ARG]);

    let closed = ClosedPort::new();
    let err = echo
        .exec(
            &Upstash::new(closed.http_url(), &token).unwrap(),
            [KEY],
            [ARG],
        )
        .await
        .unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Connect);
}

#[tokio::test]
async fn redis_down_behind_the_rest_server_is_a_500_that_only_read_only_scripts_retry() {
    let closed = ClosedPort::new();
    let local = UpstashLocal::start_for_url(&closed.url());
    let upstash = Upstash::builder(local.url(), local.token())
        .retry(RetryPolicy::new(2, Duration::from_millis(10)))
        .build()
        .unwrap();

    let write = Script::<i64>::new("return redis.call('INCR', KEYS[1])");
    let err = write.exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Protocol, "{err:?}");
    assert!(t.message().contains("500"), "{err}");
    assert!(err.may_have_run());
    assert_no_secrets(&err, &[local.token(), KEY, ARG]);
    assert_eq!(commands_received(&local), ["EVALSHA"]);

    local.clear_requests();
    let read = ScriptRO::<Option<String>>::new("return redis.call('GET', KEYS[1])");
    let err = read.exec(&upstash, [KEY], ()).await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Protocol);
    assert_eq!(commands_received(&local), ["EVALSHA_RO"; 3]);
}

#[tokio::test]
async fn a_client_built_from_the_environment_runs_scripts() {
    // Environment variables are process-wide: the check runs in a child process of this test binary.
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let run = |vars: &[(&str, &str)]| {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", "env_child", "--ignored", "--nocapture"])
            .env(ENV_CHILD, "1")
            .env_remove("UPSTASH_REDIS_REST_URL")
            .env_remove("UPSTASH_REDIS_REST_TOKEN");
        for (name, value) in vars {
            child.env(name, value);
        }
        let out = child.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };

    let (ok, out) = run(&[
        ("UPSTASH_REDIS_REST_URL", local.url()),
        ("UPSTASH_REDIS_REST_TOKEN", local.token()),
    ]);
    assert!(ok && out.contains("env-child: exec ok"), "{out}");
    let value: String = redis.query(redis::cmd("GET").arg("env:key")).await;
    assert_eq!(value, "from-env");

    let (_, out) = run(&[("UPSTASH_REDIS_REST_TOKEN", local.token())]);
    assert!(out.contains("env-child: error"), "{out}");
    assert!(out.contains("UPSTASH_REDIS_REST_URL is not set"), "{out}");

    let (_, out) = run(&[
        ("UPSTASH_REDIS_REST_URL", "ftp://example.com"),
        ("UPSTASH_REDIS_REST_TOKEN", "t0ken-s3cr3t"),
    ]);
    assert!(
        out.contains("UPSTASH_REDIS_REST_URL must start with https://"),
        "{out}"
    );
    assert!(!out.contains("t0ken-s3cr3t"), "{out}");

    let (_, out) = run(&[("UPSTASH_REDIS_REST_URL", local.url())]);
    assert!(out.contains("UPSTASH_REDIS_REST_TOKEN is not set"), "{out}");
}

/// Set by [`a_client_built_from_the_environment_runs_scripts`] for its child process only.
const ENV_CHILD: &str = "REDIS_SCRIPT_TESTS_ENV_CHILD";

/// The child process of the test above, which sets its environment. Run any other way (`--include-ignored`
/// with a developer's own `UPSTASH_REDIS_REST_URL`) it does nothing, so it never writes to a real database.
#[tokio::test]
#[ignore = "run as a child process by a_client_built_from_the_environment_runs_scripts"]
async fn env_child() {
    if std::env::var_os(ENV_CHILD).is_none() {
        println!(
            "env-child: skipped, run only by a_client_built_from_the_environment_runs_scripts"
        );
        return;
    }
    match Upstash::from_env() {
        Ok(upstash) => {
            let url = std::env::var("UPSTASH_REDIS_REST_URL").unwrap();
            assert!(
                url.starts_with("http://127.0.0.1:"),
                "env-child runs only against a local server, not {url}"
            );
            let set = Script::<String>::new("return redis.call('SET', KEYS[1], ARGV[1])");
            let reply = set.exec(&upstash, ["env:key"], ["from-env"]).await.unwrap();
            assert_eq!(reply, "OK");
            println!("env-child: exec ok");
        }
        Err(err) => {
            assert_eq!(transport(&err).kind(), TransportErrorKind::Config);
            println!("env-child: error {err} | {err:?}");
        }
    }
}
