//! The REST transport on the wire, against a tiny real HTTP server that records every request and
//! misbehaves on purpose: headers, read-your-writes, retry rules, timeouts and error mapping.

#![allow(clippy::unwrap_used)]

use redis_script_tests::error_texts;

mod rest_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use redis_script::rest::{RetryPolicy, Upstash, reqwest};
use redis_script::{
    BatchErrorKind, Error, Pipeline, Reply, Script, ScriptRO, Transaction, TransportErrorKind,
};
use redis_script_tests::ClosedPort;
use rest_support::{Answer, FakeRest, assert_no_secrets, transport};

const TOKEN: &str = "tok-s3cr3t-4f9a";
const KEY: &str = "key-s3cr3t-k1";
const ARG: &str = "arg-s3cr3t-a1";
const SECRETS: &[&str] = &[TOKEN, KEY, ARG];

fn writer() -> Script<Reply> {
    Script::new("return redis.call('INCR', KEYS[1])")
}

fn reader() -> ScriptRO<Reply> {
    ScriptRO::new("return redis.call('GET', KEYS[1])")
}

/// A client that sends each command as a request of its own (auto-pipelining has tests of its own).
fn client(server: &FakeRest, retry: RetryPolicy) -> Upstash {
    Upstash::builder(server.url(), TOKEN)
        .retry(retry)
        .timeout(Some(Duration::from_secs(5)))
        .auto_pipeline(None)
        .build()
        .unwrap()
}

fn fast_retries(n: u32) -> RetryPolicy {
    RetryPolicy::new(n, Duration::from_millis(10))
}

#[tokio::test]
async fn requests_carry_auth_json_and_base64_headers_and_the_command_array() {
    let server = FakeRest::start(|_, _| Answer::json(200, r#"{"result":"aGk="}"#));
    let upstash = client(&server, RetryPolicy::default());

    let reply = writer().eval(&upstash, [KEY], [ARG, "é"]).await.unwrap();
    assert_eq!(reply, Reply::Bulk(b"hi".to_vec()));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("upstash-encoding"), Some("base64"));
    assert_eq!(request.header("upstash-sync-token"), None);
    assert_eq!(
        request.json(),
        serde_json::json!(["EVAL", writer().script(), 1, KEY, ARG, "é"])
    );
}

#[tokio::test]
async fn without_base64_no_encoding_header_is_sent_and_strings_are_taken_as_they_are() {
    let server = FakeRest::start(|_, _| Answer::json(200, r#"{"result":["aGk=",null,3]}"#));
    let upstash = Upstash::builder(server.url(), TOKEN)
        .base64(false)
        .build()
        .unwrap();
    let reply = writer().eval(&upstash, [KEY], ()).await.unwrap();
    assert_eq!(
        reply,
        Reply::Array(vec![
            Reply::Bulk(b"aGk=".to_vec()),
            Reply::Nil,
            Reply::Int(3)
        ])
    );
    assert_eq!(server.requests()[0].header("upstash-encoding"), None);
}

#[tokio::test]
async fn the_sync_token_of_each_response_is_sent_on_the_very_next_request() {
    // Every response carries a new token, errors included: the NOSCRIPT answer to EVALSHA too.
    let server = FakeRest::start(|n, request| {
        let headers = vec![("upstash-sync-token".to_owned(), format!("sync-{n}"))];
        let is_evalsha = request.json()[0] == "EVALSHA";
        if n == 0 && is_evalsha {
            let body = r#"{"error":"NOSCRIPT No matching script. Please use EVAL."}"#;
            Answer::Http(400, headers, body.as_bytes().to_vec())
        } else {
            Answer::Http(200, headers, br#"{"result":1}"#.to_vec())
        }
    });
    let upstash = client(&server, RetryPolicy::default());
    assert_eq!(upstash.sync_token(), None);

    // exec: EVALSHA (NOSCRIPT) then EVAL, which must already carry the token of the NOSCRIPT reply.
    assert_eq!(
        writer().exec(&upstash, [KEY], [ARG]).await.unwrap(),
        Reply::Int(1)
    );
    // A clone shares the token.
    let clone = upstash.clone();
    assert_eq!(
        reader().exec(&clone, [KEY], ()).await.unwrap(),
        Reply::Int(1)
    );

    let requests = server.requests();
    let names: Vec<_> = requests.iter().map(|r| r.json()[0].clone()).collect();
    assert_eq!(names, ["EVALSHA", "EVAL", "EVALSHA_RO"]);
    let tokens: Vec<_> = requests
        .iter()
        .map(|r| r.header("upstash-sync-token"))
        .collect();
    assert_eq!(tokens, [None, Some("sync-0"), Some("sync-1")]);
    assert_eq!(upstash.sync_token().as_deref(), Some("sync-2"));
}

#[tokio::test]
async fn read_your_writes_off_sends_no_sync_token() {
    let server = FakeRest::start(|n, _| {
        let headers = vec![("upstash-sync-token".to_owned(), format!("sync-{n}"))];
        Answer::Http(200, headers, br#"{"result":1}"#.to_vec())
    });
    let upstash = Upstash::builder(server.url(), TOKEN)
        .read_your_writes(false)
        .build()
        .unwrap();
    for _ in 0..2 {
        writer().eval(&upstash, [KEY], ()).await.unwrap();
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("upstash-sync-token").is_none())
    );
    assert_eq!(upstash.sync_token(), None);
}

#[tokio::test]
async fn a_writing_script_is_sent_exactly_once_when_the_connection_drops_after_sending() {
    let server = FakeRest::start(|_, _| Answer::Close);
    let upstash = client(&server, fast_retries(5));

    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Io, "{err:?}");
    assert!(err.may_have_run());
    // No retry and no EVAL fallback: only the one EVALSHA reached the server.
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].json()[0], "EVALSHA");
    assert_no_secrets(&err, SECRETS);
}

#[tokio::test]
async fn a_read_only_script_is_retried_up_to_the_limit_when_the_connection_drops() {
    let server = FakeRest::start(|_, _| Answer::Close);
    let upstash = client(&server, fast_retries(2));

    let err = reader().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Io, "{err:?}");
    assert!(err.to_string().contains("3 tries"), "{err}");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.json()[0] == "EVALSHA_RO"));
    assert_no_secrets(&err, SECRETS);

    // With retries off it is sent once.
    let server = FakeRest::start(|_, _| Answer::Close);
    let upstash = client(&server, RetryPolicy::none());
    reader().exec(&upstash, [KEY], ()).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_read_only_script_is_retried_after_5xx_until_it_succeeds() {
    let server = FakeRest::start(|n, _| match n {
        0 => Answer::json(503, r#"{"error":"unavailable"}"#),
        1 => Answer::json(502, "bad gateway"),
        _ => Answer::json(200, r#"{"result":"aGk="}"#),
    });
    let upstash = client(&server, fast_retries(3));
    let reply = reader().exec(&upstash, [KEY], ()).await.unwrap();
    assert_eq!(reply, Reply::Bulk(b"hi".to_vec()));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_writing_script_is_not_retried_after_a_5xx() {
    let body = format!(r#"{{"error":"redis down while running {ARG} for {TOKEN}"}}"#);
    let server = FakeRest::start(move |_, _| Answer::json(500, &body));
    let upstash = client(&server, fast_retries(3));

    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Protocol);
    assert!(err.may_have_run());
    assert!(t.message().contains("500"), "{err}");
    assert!(t.message().contains("redis down"), "{err}");
    assert_eq!(server.requests().len(), 1);
    assert_no_secrets(&err, SECRETS);
}

#[tokio::test]
async fn a_timeout_is_reported_as_such_and_the_script_may_have_run() {
    let server = FakeRest::start(|_, _| Answer::Hang);
    let upstash = Upstash::builder(server.url(), TOKEN)
        .timeout(Some(Duration::from_millis(300)))
        .retry(fast_retries(3))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert_eq!(
        transport(&err).kind(),
        TransportErrorKind::Timeout,
        "{err:?}"
    );
    assert!(err.may_have_run());
    // The configured 300 ms, not the 10 s default nor the server's 30 s hang.
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert_eq!(server.requests().len(), 1);
    assert_no_secrets(&err, SECRETS);

    // A read-only script is retried on timeouts.
    let err = reader().exec(&upstash, [KEY], ()).await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Timeout);
    assert_eq!(server.requests().len(), 1 + 4);
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error_and_nothing_ran() {
    let closed = ClosedPort::new();
    let upstash = Upstash::builder(closed.http_url(), TOKEN)
        .retry(fast_retries(2))
        .build()
        .unwrap();
    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert_eq!(
        transport(&err).kind(),
        TransportErrorKind::Connect,
        "{err:?}"
    );
    assert!(!err.may_have_run());
    // Nothing was sent, so even a writing script was tried again.
    assert!(err.to_string().contains("3 tries"), "{err}");
    assert_no_secrets(&err, SECRETS);
}

/// A resolver that counts connection attempts (reqwest resolves the host for each new connection) and
/// starts listening on the bound socket only when the second one begins: the first is refused.
struct ListenOnSecondAttempt {
    addr: SocketAddr,
    attempts: AtomicUsize,
    socket: Mutex<Option<tokio::net::TcpSocket>>,
    server: Arc<Mutex<Option<FakeRest>>>,
}

impl reqwest::dns::Resolve for ListenOnSecondAttempt {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        if self.attempts.fetch_add(1, Ordering::SeqCst) == 1
            && let Some(socket) = self.socket.lock().unwrap().take()
        {
            let listener = socket.listen(16).unwrap().into_std().unwrap();
            let server = FakeRest::serve(listener, |_, _| Answer::json(200, r#"{"result":7}"#));
            *self.server.lock().unwrap() = Some(server);
        }
        let addr = self.addr;
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs) })
    }
}

#[tokio::test]
async fn a_writing_script_is_retried_when_connecting_failed_and_then_runs_once() {
    // Bound but not listening: a connection attempt is refused until the resolver starts listening.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let server = Arc::new(Mutex::new(None));
    let resolver = Arc::new(ListenOnSecondAttempt {
        addr,
        attempts: AtomicUsize::new(0),
        socket: Mutex::new(Some(socket)),
        server: Arc::clone(&server),
    });
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::Client::builder()
        .dns_resolver(Arc::clone(&resolver))
        .build()
        .unwrap();
    let upstash = Upstash::builder(format!("http://retry.test:{}", addr.port()), TOKEN)
        .http_client(http)
        .retry(RetryPolicy::new(5, Duration::from_millis(50)))
        .build()
        .unwrap();

    let reply = writer().eval(&upstash, [KEY], [ARG]).await.unwrap();
    assert_eq!(reply, Reply::Int(7));
    // One refused attempt, then the retry that ran it, once.
    assert_eq!(resolver.attempts.load(Ordering::SeqCst), 2);
    let server = server.lock().unwrap().take().unwrap();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn a_refused_token_is_unauthorized_and_names_the_variable_not_the_token() {
    let server = FakeRest::start(|_, _| Answer::json(401, r#"{"error":"Unauthorized"}"#));
    let upstash = client(&server, fast_retries(3));
    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Unauthorized);
    assert!(!err.may_have_run());
    assert!(
        err.to_string().contains("UPSTASH_REDIS_REST_TOKEN"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    assert_no_secrets(&err, SECRETS);
}

#[tokio::test]
async fn an_unexpected_body_is_a_protocol_error_with_a_short_excerpt() {
    let page = format!(
        "<html>proxy says: {TOKEN} {KEY} {ARG} {}</html>",
        "x".repeat(10_000)
    );
    let server =
        FakeRest::start(move |_, _| Answer::Http(502, Vec::new(), page.clone().into_bytes()));
    let upstash = client(&server, RetryPolicy::none());
    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Protocol);
    assert!(t.message().contains("502"), "{err}");
    assert!(t.message().contains("proxy says"), "{err}");
    assert!(err.to_string().len() < 400, "{err}");
    assert_no_secrets(&err, SECRETS);

    // A 200 whose body is not JSON.
    let server = FakeRest::start(|_, _| Answer::json(200, "not json"));
    let upstash = client(&server, RetryPolicy::none());
    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Protocol);
    assert!(err.to_string().contains("not JSON"), "{err}");
}

#[tokio::test]
async fn binary_arguments_are_refused_before_anything_is_sent() {
    let server = FakeRest::start(|_, _| Answer::json(200, r#"{"result":1}"#));
    let upstash = client(&server, RetryPolicy::default());
    let binary = b"arg-s3cr3t-\xff".to_vec();
    let err = writer()
        .exec(&upstash, [KEY], (ARG, binary))
        .await
        .unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Config);
    assert!(!err.may_have_run());
    assert!(t.message().contains("ARGV[2]"), "{err}");
    assert!(t.message().contains("RESP"), "{err}");
    assert_no_secrets(&err, SECRETS);
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn a_script_error_reply_keeps_its_code_and_is_not_a_missing_script() {
    let server = FakeRest::start(|_, _| {
        Answer::json(
            400,
            r#"{"error":"NOSCRIPT raised by the script script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1."}"#,
        )
    });
    let upstash = client(&server, RetryPolicy::default());
    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert!(matches!(err, redis_script::Error::Script(_)), "{err:?}");
    assert!(!err.is_noscript());
    // Not a missing script: no EVAL fallback was sent.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn pipeline_and_multi_exec_post_arrays_of_commands_to_their_routes() {
    let server = FakeRest::start(|_, request| match request.path.as_str() {
        "/prefix/pipeline" => Answer::json(
            200,
            r#"[{"result":"T0s="},{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}]"#,
        ),
        "/prefix/multi-exec" => Answer::json(400, r#"{"error":"EXECABORT Transaction discarded"}"#),
        "/prefix" => Answer::json(200, r#"{"result":1}"#),
        _ => Answer::json(404, r#"{"error":"no route"}"#),
    });
    let upstash = Upstash::new(format!("{}/prefix/", server.url()), TOKEN).unwrap();

    let mut pipe = Pipeline::new();
    let set = pipe.cmd::<Reply>(("SET", KEY, ARG));
    let push = pipe.cmd::<i64>(("LPUSH", KEY, 1));
    let mut replies = pipe.run(&upstash).await.unwrap();
    assert_eq!(replies.len(), 2);
    assert_eq!(replies.take(set).unwrap(), Reply::Bulk(b"OK".to_vec()));
    assert_eq!(replies.take(push).unwrap_err().code(), Some("WRONGTYPE"));

    let mut tx = Transaction::new();
    let _ = tx.cmd::<()>(("SET", KEY, ARG));
    let _ = tx.cmd::<()>(("LPUSH", KEY, 1));
    let err = tx.run(&upstash).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::Aborted);
    assert_eq!(
        batch.server_error().and_then(Error::code),
        Some("EXECABORT")
    );
    assert_no_secrets(&err, SECRETS);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].json(),
        serde_json::json!([["SET", KEY, ARG], ["LPUSH", KEY, "1"]])
    );
    assert_eq!(requests[1].path, "/prefix/multi-exec");
    assert!(Pipeline::new().run(&upstash).await.unwrap().is_empty());
    assert_eq!(server.requests().len(), 2);

    // Single commands go to the base path, without its trailing slash.
    assert_eq!(
        writer().eval(&upstash, [KEY], ()).await.unwrap(),
        Reply::Int(1)
    );
    assert_eq!(server.requests()[2].path, "/prefix");
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = FakeRest::start(|_, _| {
        let to = vec![("location".to_owned(), "http://127.0.0.1:1/".to_owned())];
        Answer::Http(307, to, Vec::new())
    });
    let upstash = client(&server, fast_retries(3));
    let err = writer().exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Protocol);
    assert!(t.message().contains("307"), "{err}");
    assert_eq!(server.requests().len(), 1);
    assert_no_secrets(&err, SECRETS);
}

#[tokio::test]
async fn a_batch_that_may_write_is_not_retried_once_it_may_have_been_sent() {
    let server = FakeRest::start(|_, _| Answer::Close);
    let upstash = client(&server, fast_retries(3));
    let mut pipe = Pipeline::new();
    let _ = pipe.cmd::<i64>(("GET", KEY));
    let _ = pipe.cmd::<i64>(("INCR", KEY));
    let err = pipe.run(&upstash).await.unwrap_err();
    assert_eq!(transport(&err).kind(), TransportErrorKind::Io);
    assert!(err.may_have_run());
    assert_eq!(server.requests().len(), 1);
    assert_no_secrets(&err, SECRETS);

    let server = FakeRest::start(|_, _| Answer::json(503, r#"{"error":"unavailable"}"#));
    let upstash = client(&server, fast_retries(3));
    let script = writer();
    let mut tx = Transaction::new();
    let _ = tx.exec(&script, [KEY], [ARG]);
    let err = tx.run(&upstash).await.unwrap_err();
    assert!(err.may_have_run(), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_read_only_batch_is_retried_after_a_lost_connection_or_a_5xx() {
    // SCRIPT LOAD and EVALSHA_RO, then GET: answered on the third try.
    let answer = r#"[{"result":"c2hh"},{"result":"aGk="},{"result":null}]"#;
    let server = FakeRest::start(move |n, _| match n {
        0 => Answer::Close,
        1 => Answer::json(502, "bad gateway"),
        _ => Answer::json(200, answer),
    });
    let upstash = client(&server, fast_retries(3));
    let script = reader();
    let mut pipe = Pipeline::new();
    let read = pipe.exec(&script, [KEY], [ARG]);
    let get = pipe.cmd::<Option<String>>(("GET", KEY));
    let mut replies = pipe.run(&upstash).await.unwrap();
    assert_eq!(replies.take(read).unwrap(), Reply::Bulk(b"hi".to_vec()));
    assert_eq!(replies.take(get).unwrap(), None);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.path.ends_with("/pipeline")));
    assert_eq!(requests[2].json()[1][0], "EVALSHA_RO");
}

#[test]
fn the_client_debug_output_hides_the_token() {
    let upstash = Upstash::new("https://eu1-example.upstash.io", TOKEN).unwrap();
    let debug = format!("{upstash:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(debug.contains("eu1-example.upstash.io"), "{debug}");
}

#[tokio::test]
async fn an_echoing_502_shows_no_piece_of_the_token_or_of_any_value_of_four_bytes_or_more() {
    // A gateway that echoes the request it could not forward: the token, then the JSON body.
    let server = FakeRest::start(|_, request| {
        let auth = request
            .header("authorization")
            .unwrap_or_default()
            .to_owned();
        let body = String::from_utf8_lossy(&request.body).into_owned();
        Answer::Http(
            502,
            Vec::new(),
            format!("bad gateway; {auth}; {body}").into_bytes(),
        )
    });
    let upstash = client(&server, RetryPolicy::none());
    let short = ["e", "r", "a", "t", "3", "-", "ok", "tok", "s3c", "4f9"];
    let long = [
        ARG,
        "say \"hi\" / \\ back",
        "ünïcødé-value",
        "line\nbreak\tand tab",
    ];
    let args: Vec<&str> = short.iter().chain(long.iter()).copied().collect();
    let err = writer().exec(&upstash, [KEY], args).await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind(), TransportErrorKind::Protocol);
    assert!(
        t.message().contains("502") && t.message().contains("bad gateway"),
        "{err}"
    );
    assert!(t.message().contains("<redacted>"), "{err}");
    for text in error_texts(&err) {
        for secret in [TOKEN, KEY].iter().chain(long.iter()) {
            let escaped = serde_json::to_string(secret).unwrap();
            for form in [*secret, &escaped[1..escaped.len() - 1]] {
                // Not even a piece of it survives (a short value must not cut it apart first).
                let chars: Vec<char> = form.chars().collect();
                for piece in chars.windows(4).map(|w| w.iter().collect::<String>()) {
                    assert!(
                        !text.contains(&piece),
                        "{piece:?} of {secret:?} shown in: {text}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_late_answer_with_an_older_sync_token_does_not_replace_a_newer_one() {
    // The request with argument "slow" is held until the test has received the answer to "fast", so it
    // is answered last, with the smaller position.
    let (release, held) = mpsc::channel::<()>();
    let held = Mutex::new(held);
    let answered = Arc::new(Mutex::new(Vec::new()));
    let order = Arc::clone(&answered);
    let server = FakeRest::start(move |_, request| {
        let slow = request.json()[4] == "slow";
        let numeric = request.json()[5] == "numeric";
        if slow {
            held.lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(20))
                .unwrap();
        }
        let token = match (numeric, slow) {
            (true, true) => "41",
            (true, false) => "1000",
            (false, true) => "b-opaque",
            (false, false) => "a-opaque",
        };
        order
            .lock()
            .unwrap()
            .push(request.json()[4].as_str().unwrap().to_owned());
        let headers = vec![("upstash-sync-token".to_owned(), token.to_owned())];
        Answer::Http(200, headers, br#"{"result":1}"#.to_vec())
    });
    let upstash = client(&server, RetryPolicy::none());
    let script = reader();
    let (slow, fast) = tokio::join!(script.exec(&upstash, [KEY], ("slow", "numeric")), async {
        let fast = script.exec(&upstash, [KEY], ("fast", "numeric")).await;
        release.send(()).unwrap();
        fast
    });
    assert_eq!(
        (slow.unwrap(), fast.unwrap()),
        (Reply::Int(1), Reply::Int(1))
    );
    assert_eq!(*answered.lock().unwrap(), ["fast", "slow"]);
    assert_eq!(upstash.sync_token().as_deref(), Some("1000"));
    // The next request carries the newest position.
    script
        .exec(&upstash, [KEY], ("next", "numeric"))
        .await
        .unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.header("upstash-sync-token"), Some("1000"));

    // Tokens that are not numbers can not be ordered: the last one received is kept.
    answered.lock().unwrap().clear();
    let (slow, fast) = tokio::join!(script.exec(&upstash, [KEY], ("slow", "opaque")), async {
        let fast = script.exec(&upstash, [KEY], ("fast", "opaque")).await;
        release.send(()).unwrap();
        fast
    });
    slow.unwrap();
    fast.unwrap();
    assert_eq!(*answered.lock().unwrap(), ["fast", "slow"]);
    assert_eq!(upstash.sync_token().as_deref(), Some("b-opaque"));
}

/// The source of a script, which an echoing gateway puts into its 502 page with the request.
const PRICING: &str = "-- pricing rules, confidential\n\
    local discount = tonumber(ARGV[1]) * 0.15\n\
    if discount > 10 then\n  return redis.call('SET', KEYS[1], discount)\nend\nreturn 0";

#[tokio::test]
async fn an_echoing_502_shows_no_line_of_a_script_or_library_the_request_carried() {
    let server = FakeRest::start(|_, request| {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        Answer::Http(502, Vec::new(), format!("bad gateway: {body}").into_bytes())
    });
    let upstash = client(&server, RetryPolicy::none());
    let script = Script::<Reply>::new(PRICING);
    let library_code =
        "#!lua name=pricing\nredis.register_function('price', function() return 1 end)";
    let library = redis_script::Library::new(library_code);
    let mut errors = vec![script.eval(&upstash, [KEY], [ARG]).await.unwrap_err()];
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&script, [KEY], [ARG]);
    errors.push(pipe.run(&upstash).await.unwrap_err());
    errors.push(library.load(&upstash).await.unwrap_err());
    for err in &errors {
        assert!(err.to_string().contains("502"), "{err}");
        for text in error_texts(err) {
            // (The library's name is shown, as a script's name is: it is no secret.)
            for line in PRICING.lines().chain(library_code.lines()) {
                let line = line.trim();
                if line.len() >= 12 {
                    assert!(!text.contains(line), "{line:?} shown in: {text}");
                }
            }
        }
    }
}

/// A gateway in front of the API that answers with the request it got, token and arguments, as the
/// error text of a single command, of a whole batch, and of a shared auto-pipelined request: no error
/// shows any of it, and no caller of the shared request sees another's arguments.
#[tokio::test]
async fn an_error_text_echoing_the_token_and_the_arguments_shows_neither() {
    let server = FakeRest::start(|_, request| {
        let echo = format!(
            "ERR refused Bearer {TOKEN} for {}",
            request.json().to_string().replace('"', "'")
        );
        Answer::json(400, &serde_json::json!({ "error": echo }).to_string())
    });
    let upstash = client(&server, RetryPolicy::default());
    let writer = writer();
    let err = writer.exec(&upstash, [KEY], [ARG]).await.unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");
    assert_no_secrets(&err, SECRETS);

    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&writer, [KEY], [ARG]);
    let err = pipe.run(&upstash).await.unwrap_err();
    assert_no_secrets(&err, SECRETS);

    // Two callers in one shared request: each error is the batch's, with neither's arguments.
    let shared = Upstash::builder(server.url(), TOKEN).build().unwrap();
    let other = "other-s3cr3t-o1";
    let (one, two) = tokio::join!(
        writer.exec(&shared, [KEY], [ARG]),
        writer.exec(&shared, [KEY], [other])
    );
    for err in [one.unwrap_err(), two.unwrap_err()] {
        assert_no_secrets(&err, &[TOKEN, KEY, ARG, other]);
    }
}
