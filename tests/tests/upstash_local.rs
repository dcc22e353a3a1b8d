//! The local Upstash REST server over real HTTP, in front of a real `redis-server`: routes, auth,
//! encodings, error shapes, the sync token, and what happens while Redis is down.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{ClosedPort, RedisServer};
use serde_json::{Value, json};

/// One HTTP exchange, as seen by a client.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    sync_token: Option<u64>,
    content_type: Option<String>,
    body: Value,
}

/// How long one exchange may take before the test fails instead of hanging.
const EXCHANGE: Duration = Duration::from_secs(30);

/// `{method} {url}{path}` with a raw body and extra headers, on a fresh HTTP/1.1 connection;
/// `auth` is the whole `Authorization` value. Fails the test when there is no full answer within 30 s.
async fn request(
    method: Method,
    url: &str,
    path: &str,
    auth: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    tokio::time::timeout(EXCHANGE, exchange(method, url, path, auth, headers, body))
        .await
        .unwrap_or_else(|_| panic!("no answer to {path} from {url} within {EXCHANGE:?}"))
}

async fn exchange(
    method: Method,
    url: &str,
    path: &str,
    auth: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let authority = url.strip_prefix("http://").unwrap();
    let stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", authority)
        .header("content-type", "application/json");
    if let Some(auth) = auth {
        builder = builder.header("authorization", auth);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let sync_token = header("upstash-sync-token").map(|t| t.parse::<u64>().unwrap());
    let content_type = header("content-type");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|err| panic!("response body is not JSON ({err}): {bytes:?}"));
    Answer {
        status,
        sync_token,
        content_type,
        body,
    }
}

async fn send(
    url: &str,
    path: &str,
    auth: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    request(Method::POST, url, path, auth, headers, body).await
}

async fn get_path(url: &str, path: &str, auth: Option<&str>) -> Answer {
    request(Method::GET, url, path, auth, &[], "").await
}

/// `POST {path}` with `body`, authorized with the server's token.
async fn post(upstash: &UpstashLocal, path: &str, headers: &[(&str, &str)], body: Value) -> Answer {
    let auth = format!("Bearer {}", upstash.token());
    send(upstash.url(), path, Some(&auth), headers, &body.to_string()).await
}

/// An authorized command through `POST /`.
async fn call(upstash: &UpstashLocal, command: Value) -> Answer {
    post(upstash, "/", &[], command).await
}

/// An authorized request asking for base64-encoded replies.
async fn call_base64(upstash: &UpstashLocal, path: &str, body: Value) -> Answer {
    post(upstash, path, &[("upstash-encoding", "base64")], body).await
}

/// Authorized commands through `POST /pipeline` or `POST /multi-exec`.
async fn batch(upstash: &UpstashLocal, path: &str, commands: Value) -> Answer {
    post(upstash, path, &[], commands).await
}

async fn get(redis: &RedisServer, key: &str) -> Option<Vec<u8>> {
    redis.query(redis::cmd("GET").arg(key)).await
}

#[tokio::test]
async fn single_command_runs_on_redis_and_numbers_become_strings() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);

    let set = call(&upstash, json!(["SET", "n", 42])).await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(set.body, json!({ "result": "OK" }));
    assert_eq!(set.content_type.as_deref(), Some("application/json"));
    assert_eq!(get(&redis, "n").await, Some(b"42".to_vec()));

    let set = call(&upstash, json!(["SET", "f", 2.5])).await;
    assert_eq!(set.body, json!({ "result": "OK" }));
    assert_eq!(get(&redis, "f").await, Some(b"2.5".to_vec()));
    call(&upstash, json!(["SET", "b", true])).await;
    assert_eq!(get(&redis, "b").await, Some(b"true".to_vec()));

    assert_eq!(
        call(&upstash, json!(["INCRBY", "n", 8])).await.body,
        json!({ "result": 50 })
    );
    assert_eq!(
        call(&upstash, json!(["GET", "missing"])).await.body,
        json!({ "result": null })
    );
    let text = "héllo wörld ✓ 😀";
    call(&upstash, json!(["SET", "u", text])).await;
    assert_eq!(
        call(&upstash, json!(["GET", "u"])).await.body,
        json!({ "result": text })
    );
    assert_eq!(get(&redis, "u").await, Some(text.as_bytes().to_vec()));
    call(&upstash, json!(["RPUSH", "l", "a", "b"])).await;
    assert_eq!(
        call(&upstash, json!(["LRANGE", "l", 0, -1])).await.body,
        json!({ "result": ["a", "b"] })
    );
    // A script's nested reply keeps its shape: integers, strings, nested arrays.
    let nested = call(
        &upstash,
        json!(["EVAL", "return {1, 'two', {3, 'four'}}", 0]),
    )
    .await;
    assert_eq!(nested.body, json!({ "result": [1, "two", [3, "four"]] }));
}

#[tokio::test]
async fn command_error_is_400_with_the_full_redis_text() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);

    let sha = "0123456789abcdef0123456789abcdef01234567";
    let noscript = call(&upstash, json!(["EVALSHA", sha, 0])).await;
    assert_eq!(noscript.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        noscript.body,
        json!({ "error": noscript_text(&redis).await })
    );

    call(&upstash, json!(["SET", "s", "x"])).await;
    let wrongtype = call(&upstash, json!(["LPUSH", "s", "y"])).await;
    assert_eq!(wrongtype.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrongtype.body,
        json!({ "error": "WRONGTYPE Operation against a key holding the wrong kind of value" })
    );

    // A script's own error reply is passed on as Redis sent it, first word included.
    let scripted = call(
        &upstash,
        json!([
            "EVAL",
            "return redis.error_reply('NOSCRIPT from the script')",
            0
        ]),
    )
    .await;
    assert_eq!(scripted.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        scripted.body,
        json!({ "error": "NOSCRIPT from the script" })
    );

    // Errors are never base64-encoded.
    let encoded = call_base64(&upstash, "/", json!(["EVALSHA", sha, 0])).await;
    assert_eq!(
        encoded.body,
        json!({ "error": noscript_text(&redis).await })
    );
}

#[tokio::test]
async fn base64_encoding_covers_every_string_and_keeps_binary_intact() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);

    let binary: Vec<u8> = vec![0xff, 0x00, 0x80, b'a', 0xc3];
    let () = redis
        .query(redis::cmd("SET").arg("bin").arg(binary.as_slice()))
        .await;

    // Without the header a non-UTF-8 value cannot survive JSON text.
    let plain = call(&upstash, json!(["GET", "bin"])).await;
    assert_eq!(
        plain.body,
        json!({ "result": String::from_utf8_lossy(&binary) })
    );
    assert_ne!(plain.body["result"].as_str().unwrap().as_bytes(), binary);

    // With it, the exact bytes come back.
    let encoded = call_base64(&upstash, "/", json!(["GET", "bin"])).await;
    assert_eq!(encoded.status, StatusCode::OK);
    assert_eq!(encoded.body, json!({ "result": b64(&binary) }));

    // Status replies are strings too: "OK" is encoded.
    let ok = call_base64(&upstash, "/", json!(["SET", "k", "v"])).await;
    assert_eq!(ok.body, json!({ "result": "T0s=" }));
    let pong = call_base64(&upstash, "/", json!(["PING"])).await;
    assert_eq!(pong.body, json!({ "result": b64(b"PONG") }));

    // Integers and nil stay as they are, arrays are encoded recursively.
    let int = call_base64(&upstash, "/", json!(["INCR", "counter"])).await;
    assert_eq!(int.body, json!({ "result": 1 }));
    let nil = call_base64(&upstash, "/", json!(["GET", "missing"])).await;
    assert_eq!(nil.body, json!({ "result": null }));
    let nested = call_base64(
        &upstash,
        "/",
        json!(["EVAL", "return {1, 'two', {3, 'four'}}", 0]),
    )
    .await;
    assert_eq!(
        nested.body,
        json!({ "result": [1, b64(b"two"), [3, b64(b"four")]] })
    );

    // Pipelines: results encoded, errors not.
    let pipeline = call_base64(
        &upstash,
        "/pipeline",
        json!([["GET", "k"], ["LPUSH", "k", "x"], ["GET", "nope"]]),
    )
    .await;
    assert_eq!(
        pipeline.body,
        json!([
            { "result": b64(b"v") },
            { "error": "WRONGTYPE Operation against a key holding the wrong kind of value" },
            { "result": null }
        ])
    );
    let multi = call_base64(
        &upstash,
        "/multi-exec",
        json!([["SET", "m", "1"], ["GET", "m"]]),
    )
    .await;
    assert_eq!(
        multi.body,
        json!([{ "result": "T0s=" }, { "result": b64(b"1") }])
    );
}

#[tokio::test]
async fn pipeline_answers_every_command_in_order_with_error_entries_inside_200() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);

    let answer = batch(
        &upstash,
        "/pipeline",
        json!([
            ["SET", "a", 1],
            ["INCR", "a"],
            ["HSET", "a", "f", "v"],
            ["EVALSHA", "0123456789abcdef0123456789abcdef01234567", 0],
            ["GET", "a"]
        ]),
    )
    .await;
    let noscript = noscript_text(&redis).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body,
        json!([
            { "result": "OK" },
            { "result": 2 },
            { "error": "WRONGTYPE Operation against a key holding the wrong kind of value" },
            { "error": noscript },
            { "result": "2" }
        ])
    );
    assert_eq!(get(&redis, "a").await, Some(b"2".to_vec()));

    let empty = batch(&upstash, "/pipeline", json!([])).await;
    assert_eq!((empty.status, empty.body), (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn multi_exec_runs_in_one_transaction() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    redis.reset_stats().await;

    let answer = batch(
        &upstash,
        "/multi-exec",
        json!([
            ["SET", "t", "x"],
            ["INCR", "t"],
            ["APPEND", "t", "y"],
            ["GET", "t"]
        ]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    // A command failing at run time does not stop the others (Redis has no rollback).
    assert_eq!(
        answer.body,
        json!([
            { "result": "OK" },
            { "error": "ERR value is not an integer or out of range" },
            { "result": 2 },
            { "result": "xy" }
        ])
    );
    let stats = redis.commandstats().await;
    assert_eq!((stats.calls("multi"), stats.calls("exec")), (1, 1));
    assert_eq!(stats.calls("set"), 1);
}

#[tokio::test]
async fn multi_exec_rejected_as_a_whole_is_a_single_error_and_nothing_runs() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);

    // A wrong arity is refused while queuing, so EXEC discards everything.
    let answer = batch(
        &upstash,
        "/multi-exec",
        json!([["SET", "r", "1"], ["GET"], ["SET", "r2", "2"]]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body,
        json!({ "error": "EXECABORT Transaction discarded because of previous errors." })
    );
    assert_eq!(get(&redis, "r").await, None);
    assert_eq!(get(&redis, "r2").await, None);

    // The shared connection is not left inside MULTI: the next request runs normally.
    let after = call(&upstash, json!(["SET", "r", "ok"])).await;
    assert_eq!(after.body, json!({ "result": "OK" }));
    assert_eq!(get(&redis, "r").await, Some(b"ok".to_vec()));
}

#[tokio::test]
async fn multi_exec_is_not_interleaved_with_concurrent_requests() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    redis.reset_stats().await;

    // Many transactions at once, each with commands of its own between reads of a shared counter, and
    // single INCRs of that counter in between. A foreign command landing inside a transaction would show
    // in its EXEC reply: a read pair more than one apart, or a reply of someone else's command.
    const TRANSACTIONS: usize = 40;
    let mut tasks = Vec::new();
    for i in 0..2 * TRANSACTIONS {
        let url = upstash.url().to_owned();
        let auth = format!("Bearer {}", upstash.token());
        tasks.push(tokio::spawn(async move {
            let own = format!("own:{i}");
            let (path, body) = if i % 2 == 0 {
                let commands = json!([
                    ["SET", own, i],
                    ["GET", "c"],
                    ["INCR", "c"],
                    ["GET", "c"],
                    ["APPEND", own, "-done"],
                    ["GET", own]
                ]);
                ("/multi-exec", commands)
            } else {
                ("/", json!(["INCR", "c"]))
            };
            let answer = send(&url, path, Some(&auth), &[], &body.to_string()).await;
            (i, path, answer)
        }));
    }
    for task in tasks {
        let (i, path, answer) = task.await.unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        if path != "/multi-exec" {
            assert!(answer.body["result"].is_i64(), "{answer:?}");
            continue;
        }
        let replies = answer.body.as_array().unwrap();
        assert_eq!(replies.len(), 6, "transaction {i}: {answer:?}");
        assert_eq!(replies[0], json!({ "result": "OK" }), "transaction {i}");
        let before: i64 = replies[1]["result"]
            .as_str()
            .map_or(0, |s| s.parse().unwrap());
        let incr = replies[2]["result"].as_i64().unwrap();
        let after: i64 = replies[3]["result"].as_str().unwrap().parse().unwrap();
        assert_eq!((incr, after), (before + 1, before + 1), "transaction {i}");
        let own = format!("{i}-done");
        assert_eq!(
            replies[4],
            json!({ "result": own.len() }),
            "transaction {i}"
        );
        assert_eq!(replies[5], json!({ "result": own }), "transaction {i}");
    }
    let total = (2 * TRANSACTIONS).to_string();
    assert_eq!(get(&redis, "c").await, Some(total.into_bytes()));
    let stats = redis.commandstats().await;
    assert_eq!(
        (stats.calls("multi"), stats.calls("exec")),
        (TRANSACTIONS as u64, TRANSACTIONS as u64)
    );
}

#[tokio::test]
async fn authorization_missing_or_malformed_is_400_and_wrong_token_is_401() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    redis.reset_stats().await;
    let body = json!(["SET", "auth", "v"]).to_string();

    for auth in [
        None,
        Some("Basic abc"),
        Some("Bearer"),
        Some("token-without-scheme"),
    ] {
        let answer = send(upstash.url(), "/", auth, &[], &body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{auth:?}");
        assert_eq!(
            answer.body,
            json!({ "error": "Missing/Invalid authorization header" })
        );
    }
    for path in ["/", "/pipeline", "/multi-exec"] {
        let body = if path == "/" {
            body.clone()
        } else {
            json!([["SET", "auth", "v"]]).to_string()
        };
        let answer = send(upstash.url(), path, Some("Bearer wrong"), &[], &body).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(answer.body, json!({ "error": "Unauthorized" }));
    }
    assert_eq!(redis.commandstats().await.calls("set"), 0);
    assert_eq!(get(&redis, "auth").await, None);
}

#[tokio::test]
async fn body_must_be_a_json_command() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    let auth = format!("Bearer {}", upstash.token());

    let not_json = "ERR Request body is not valid JSON";
    let not_a_command =
        "ERR Invalid command array. Expected a non-empty array of strings, numbers or booleans.";
    let not_commands = "ERR Invalid command array. Expected an array of non-empty arrays of strings, numbers or booleans.";
    let cases = [
        ("/", "SET k v", not_json),
        ("/", r#"{"command":"PING"}"#, not_a_command),
        ("/", "[]", not_a_command),
        ("/", r#"["SET","k",{"nested":1}]"#, not_a_command),
        ("/", r#"["SET","k",null]"#, not_a_command),
        ("/", "", not_json),
        ("/pipeline", r#"["PING"]"#, not_commands),
        ("/pipeline", r#"[["PING"],"PING"]"#, not_commands),
        ("/multi-exec", "not json", not_json),
    ];
    for (path, body, problem) in cases {
        let answer = send(upstash.url(), path, Some(&auth), &[], body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path} {body}");
        let error = answer.body["error"].as_str().unwrap_or_default();
        assert!(error.starts_with(problem), "{path} {body}: {answer:?}");
    }
    assert_eq!(get(&redis, "k").await, None);
}

#[tokio::test]
async fn commands_that_would_take_over_the_shared_connection_are_refused() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    for command in [
        json!(["MULTI"]),
        json!(["select", 1]),
        json!(["SUBSCRIBE", "ch"]),
    ] {
        let answer = call(&upstash, command.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{command}");
        assert!(
            answer.body["error"]
                .as_str()
                .unwrap()
                .starts_with("ERR Command is not available"),
            "{answer:?}"
        );
    }
    // Still on database 0 and not inside a transaction.
    call(&upstash, json!(["SET", "db0", "yes"])).await;
    assert_eq!(get(&redis, "db0").await, Some(b"yes".to_vec()));
}

#[tokio::test]
async fn unknown_paths_and_methods_are_404_json() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    let auth = format!("Bearer {}", upstash.token());

    let post = send(upstash.url(), "/get/key", Some(&auth), &[], "[]").await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert_eq!(post.body, json!({ "error": "Endpoint not found" }));
    let get = get_path(upstash.url(), "/", Some(&auth)).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    assert_eq!(get.body, json!({ "error": "Endpoint not found" }));
}

#[tokio::test]
async fn every_response_carries_an_increasing_sync_token_and_received_ones_are_recorded() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    let auth = format!("Bearer {}", upstash.token());

    let first = send(upstash.url(), "/", Some(&auth), &[], r#"["SET","k","v"]"#).await;
    let token = first.sync_token.expect("sync token on a result");
    let second = send(
        upstash.url(),
        "/",
        Some(&auth),
        &[("upstash-sync-token", &token.to_string())],
        r#"["GET","k"]"#,
    )
    .await;
    let error = send(
        upstash.url(),
        "/",
        Some("Bearer wrong"),
        &[],
        r#"["GET","k"]"#,
    )
    .await;
    let missing = send(upstash.url(), "/nowhere", None, &[], "").await;
    let tokens: Vec<u64> = [&second, &error, &missing]
        .iter()
        .map(|a| a.sync_token.expect("sync token on every response"))
        .collect();
    assert!(token < tokens[0] && tokens[0] < tokens[1] && tokens[1] < tokens[2]);

    assert_eq!(
        upstash.sync_tokens_received(),
        vec![None, Some(token.to_string()), None, None]
    );
    let requests = upstash.requests();
    let answered: Vec<(String, u16)> = requests
        .iter()
        .map(|r| (r.response_sync_token.clone(), r.status))
        .collect();
    let given = [
        first.sync_token,
        second.sync_token,
        error.sync_token,
        missing.sync_token,
    ];
    let expected: Vec<(String, u16)> = given
        .iter()
        .map(|t| t.unwrap().to_string())
        .zip([200, 200, 401, 404])
        .collect();
    assert_eq!(answered, expected);
    assert_eq!(requests[1].path, "/");
    assert_eq!(requests[1].body, json!(["GET", "k"]));
    assert_eq!(requests[3].path, "/nowhere");
    assert!(requests.iter().all(|r| r.header("authorization").is_none()));

    // The same log over HTTP, for clients in other processes, with the server's token.
    let auth = format!("Bearer {}", upstash.token());
    let log = get_path(upstash.url(), "/__requests", Some(&auth)).await;
    assert_eq!(log.status, StatusCode::OK);
    assert_eq!(log.body[1]["sync_token"], json!(token.to_string()));
    assert_eq!(log.body.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn request_log_route_asks_for_the_token() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    call(&upstash, json!(["SET", "k", "s3cret-value"])).await;
    let missing = get_path(upstash.url(), "/__requests", None).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{missing:?}");
    let wrong = get_path(upstash.url(), "/__requests", Some("Bearer wrong")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
    for refused in [&missing, &wrong] {
        assert!(
            !refused.body.to_string().contains("s3cret-value"),
            "{refused:?}"
        );
    }
    let cleared = request(Method::DELETE, upstash.url(), "/__requests", None, &[], "").await;
    assert_eq!(cleared.status, StatusCode::BAD_REQUEST);
    let auth = format!("Bearer {}", upstash.token());
    let log = get_path(upstash.url(), "/__requests", Some(&auth)).await;
    assert_eq!(log.status, StatusCode::OK);
    assert_eq!(log.body[0]["body"], json!(["SET", "k", "s3cret-value"]));
    let cleared = request(
        Method::DELETE,
        upstash.url(),
        "/__requests",
        Some(&auth),
        &[],
        "",
    )
    .await;
    assert_eq!(cleared.status, StatusCode::OK);
    // Only the DELETE itself, logged once answered, is left.
    let left = upstash.requests();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(
        (left[0].method.as_str(), left[0].path.as_str()),
        ("DELETE", "/__requests")
    );
}

#[tokio::test]
async fn request_log_route_exists_only_when_recording() {
    let redis = RedisServer::start();
    let config = redis_script_tests::upstash::UpstashConfig::new(redis.url(), "t");
    let upstash = UpstashLocal::start_with(config);
    let log = get_path(upstash.url(), "/__requests", None).await;
    assert_eq!(log.status, StatusCode::NOT_FOUND);
    call(&upstash, json!(["PING"])).await;
    assert!(upstash.requests().is_empty());
}

#[tokio::test]
async fn slow_commands_are_not_cut_off_at_half_a_second() {
    let redis = RedisServer::start_with_args(["--enable-debug-command", "local"]);
    let upstash = UpstashLocal::start(&redis);
    let started = Instant::now();
    let answer = call(&upstash, json!(["DEBUG", "SLEEP", "0.8"])).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert!(started.elapsed() >= Duration::from_millis(800));
    // The shared connection survived it.
    assert_eq!(
        call(&upstash, json!(["PING"])).await.body,
        json!({ "result": "PONG" })
    );
}

#[tokio::test]
async fn blocking_commands_do_not_hold_up_other_requests() {
    let redis = RedisServer::start();
    let upstash = UpstashLocal::start(&redis);
    let url = upstash.url().to_owned();
    let auth = format!("Bearer {}", upstash.token());
    let blpop = tokio::spawn(async move {
        let body = json!(["BLPOP", "queue", 5]).to_string();
        send(&url, "/", Some(&auth), &[], &body).await
    });
    // Wait until Redis reports the blocked client, so the push below is what wakes it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let info: String = redis.query(redis::cmd("INFO").arg("clients")).await;
        if info.contains("blocked_clients:1") {
            break;
        }
        assert!(Instant::now() < deadline, "BLPOP never blocked: {info}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        call(&upstash, json!(["PING"])).await.body,
        json!({ "result": "PONG" })
    );
    let push = call(&upstash, json!(["RPUSH", "queue", "job"])).await;
    assert_eq!(push.body, json!({ "result": 1 }));
    let popped = blpop.await.unwrap();
    assert_eq!(popped.body, json!({ "result": ["queue", "job"] }));
}

/// The server's own reply to an unknown EVALSHA: `NOSCRIPT No matching script. Please use EVAL.` on
/// Redis, `NOSCRIPT No matching script.` on Valkey.
async fn noscript_text(redis: &RedisServer) -> String {
    let mut conn = redis.connection().await;
    let err = redis::cmd("EVALSHA")
        .arg("0123456789abcdef0123456789abcdef01234567")
        .arg(0)
        .query_async::<()>(&mut conn)
        .await
        .unwrap_err();
    format!("{} {}", err.code().unwrap(), err.detail().unwrap())
}

/// Starts the server binary (`$REDIS_SERVER` or `redis-server`) again on `socket` only (no TCP port: nobody else can take the address while
/// it is down), and waits until it answers there.
fn redis_on_socket(socket: &Path) -> Child {
    let mut child = Command::new(redis_script_tests::server_binary())
        .args(["--port", "0", "--unixsocket"])
        .arg(socket)
        .args([
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let pong = redis::Client::open(format!("redis+unix://{}", socket.display()))
            .unwrap()
            .get_connection_with_timeout(Duration::from_secs(1))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
        if pong.is_ok() {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "redis-server exited");
        assert!(Instant::now() < deadline, "redis-server did not come back");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn redis_down_is_500_and_the_server_reconnects_when_it_is_back() {
    let mut redis = RedisServer::start();
    // Through the server's own unix socket, so Redis comes back at an address no other test can take.
    let socket = redis.unix_socket();
    let upstash = UpstashLocal::start_for_url(&redis.unix_url());
    assert_eq!(
        call(&upstash, json!(["SET", "k", "v"])).await.status,
        StatusCode::OK
    );
    assert_eq!(get(&redis, "k").await, Some(b"v".to_vec()));

    redis.kill();
    // The broken connection may fail once while being noticed; every answer while Redis is down is
    // a 500 with a JSON error, for single commands and batches alike.
    for _ in 0..2 {
        let down = call(&upstash, json!(["GET", "k"])).await;
        assert_eq!(down.status, StatusCode::INTERNAL_SERVER_ERROR, "{down:?}");
        assert!(down.body["error"].is_string());
    }
    for path in ["/pipeline", "/multi-exec"] {
        let down = batch(&upstash, path, json!([["GET", "k"]])).await;
        assert_eq!(down.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(down.body["error"].is_string());
    }

    let back = KillOnDrop(redis_on_socket(&socket));
    let answer = call(&upstash, json!(["SET", "k", "back"])).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        call(&upstash, json!(["GET", "k"])).await.body,
        json!({ "result": "back" })
    );
    // It is the new process that got the write.
    let info: String = redis::Client::open(redis.unix_url())
        .unwrap()
        .get_connection()
        .and_then(|mut c| redis::cmd("INFO").arg("server").query(&mut c))
        .unwrap();
    assert!(
        info.contains(&format!("process_id:{}", back.0.id())),
        "{info}"
    );
}

#[tokio::test]
async fn redis_never_reachable_is_500() {
    // A port kept bound without listening for the whole test: connects are refused.
    let closed = ClosedPort::new();
    let upstash = UpstashLocal::start_for_url(&closed.url());
    let answer = call(&upstash, json!(["PING"])).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        answer.body["error"]
            .as_str()
            .unwrap()
            .contains("Unable to connect to the Redis server"),
        "{answer:?}"
    );
}
