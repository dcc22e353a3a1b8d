//! The `tracing` feature: one span per call and per batch, with OpenTelemetry's database fields, the
//! script's name and SHA-1, a fallback event, the outcome; recorded by a real subscriber, over RESP
//! and REST. No key, argument, token or script text in any field.

#![allow(clippy::unwrap_used)]

use redis_script::rest::Upstash;
use redis_script::{Function, Library, Pipeline, Script, ScriptRO, lua_library, lua_script};
use redis_script_tests::RedisServer;
use redis_script_tests::spans::{RecordedSpan, SpanRecorder};
use redis_script_tests::upstash::UpstashLocal;
use tracing_subscriber::filter::LevelFilter;

static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua", name = "incr_ttl");
static POST_STATS: ScriptRO<(i64, i64, String)> =
    lua_script!("../../examples/lua/post_stats.lua", readonly);

lua_library! {
    static SEED: Library = "../../examples/lua/seed_library.lua";
    static INCR: Function<i64> = "incr_ttl";
}

const KEY: &str = "key-s3cr3t-t1";
const ARG: &str = "4242";

fn only(spans: &[RecordedSpan], name: &str) -> Vec<RecordedSpan> {
    spans.iter().filter(|s| s.name == name).cloned().collect()
}

/// No field anywhere holds a key, an argument, a token or a script's text.
fn assert_clean(recorder: &SpanRecorder, secrets: &[&str]) {
    for value in recorder.all_values() {
        for secret in secrets {
            assert!(!value.contains(secret), "{value:?} holds {secret:?}");
        }
        assert!(!value.contains("redis.call"), "{value:?} holds script text");
    }
}

#[tokio::test]
async fn a_call_is_one_span_with_the_database_fields_and_its_fallback_as_an_event() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let (recorder, _guard) = SpanRecorder::install();

    assert_eq!(INCR_TTL.exec(&conn, [KEY], [ARG]).await.unwrap(), 1);
    assert_eq!(INCR_TTL.exec(&conn, [KEY], [ARG]).await.unwrap(), 2);

    let calls = only(&recorder.spans(), "redis.script");
    assert_eq!(calls.len(), 2);
    let (first, second) = (&calls[0], &calls[1]);
    for call in &calls {
        assert_eq!(call.level, "DEBUG");
        call.assert_each_field_once();
        assert_eq!(call.field("db.system.name"), Some("redis"));
        assert_eq!(call.field("otel.kind"), Some("client"));
        assert_eq!(call.field("redis.script.name"), Some("incr_ttl"));
        assert_eq!(call.field("redis.script.sha1"), Some(INCR_TTL.sha1()));
        assert_eq!(call.field("otel.status_code"), None);
        assert_eq!(call.field("error.type"), None);
    }
    // The first call found no script: EVALSHA, then EVAL, recorded as the operation sent last (and
    // the span named after it) and as an event; the second is EVALSHA alone.
    assert_eq!(first.field("db.operation.name"), Some("EVAL"));
    assert_eq!(first.field("otel.name"), Some("EVAL incr_ttl"));
    assert_eq!(first.field("db.query.summary"), Some("EVAL incr_ttl"));
    assert_eq!(first.event_levels, ["DEBUG"]);
    assert_eq!(second.field("otel.name"), Some("EVALSHA incr_ttl"));
    assert_eq!(second.field("db.query.summary"), Some("EVALSHA incr_ttl"));
    assert_eq!(first.field("redis.script.fallback"), Some("true"));
    assert_eq!(first.events.len(), 1, "{first:?}");
    assert_eq!(
        first.events[0].get("db.operation.name").map(String::as_str),
        Some("EVAL")
    );
    assert_eq!(second.field("db.operation.name"), Some("EVALSHA"));
    assert_eq!(second.field("redis.script.fallback"), Some("false"));
    assert!(second.events.is_empty());
    assert_clean(&recorder, &[KEY, ARG]);
}

#[tokio::test]
async fn a_failed_call_records_the_error_type_code_and_whether_it_may_have_run() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let () = server.query(redis::cmd("RPUSH").arg(KEY).arg("x")).await;
    let (recorder, _guard) = SpanRecorder::install();

    let err = INCR_TTL.exec(&conn, [KEY], [ARG]).await.unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"));
    // A reply that does not fit the type: the script ran.
    let unnamed = Script::<i64>::new("return {1, 2}");
    assert!(unnamed.exec(&conn, (), ()).await.is_err());

    let calls = only(&recorder.spans(), "redis.script");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].field("otel.status_code"), Some("ERROR"));
    assert_eq!(calls[0].field("error.type"), Some("WRONGTYPE"));
    assert_eq!(calls[0].field("db.response.status_code"), Some("WRONGTYPE"));
    assert_eq!(calls[0].field("redis.script.may_have_run"), Some("true"));
    for call in &calls {
        call.assert_each_field_once();
    }
    // A script without a name is summarised by its SHA-1 (and the command that ran: it was not
    // cached).
    assert_eq!(
        calls[1].field("otel.name"),
        Some(format!("EVAL {}", unnamed.sha1()).as_str())
    );
    assert_eq!(calls[1].field("redis.script.name"), None);
    assert_eq!(calls[1].field("error.type"), Some("decode"));
    assert_clean(&recorder, &[KEY, ARG]);
}

#[tokio::test]
async fn a_batch_is_one_span_with_an_event_per_script_and_function_entry() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let (recorder, _guard) = SpanRecorder::install();

    let mut pipeline = Pipeline::new();
    let views = pipeline.exec(&INCR_TTL, [KEY], [ARG]);
    let stats = pipeline.exec(&POST_STATS, ["post:1"], ());
    let raw = pipeline.cmd::<i64>(("INCR", "plain"));
    let function = pipeline.call(&INCR, [KEY], [ARG]);
    let mut replies = pipeline.run(&conn).await.unwrap();
    assert_eq!(replies.take(views).unwrap(), 1);
    assert_eq!(replies.take(stats).unwrap().0, 0);
    assert_eq!(replies.take(raw).unwrap(), 1);
    assert_eq!(replies.take(function).unwrap(), 2);

    let spans = recorder.spans();
    // The entries are not calls of their own: no `redis.script` span.
    assert!(only(&spans, "redis.script").is_empty());
    let batches = only(&spans, "redis.batch");
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert_eq!(batch.level, "DEBUG");
    batch.assert_each_field_once();
    // Each entry's detail is below the batch's level.
    assert_eq!(batch.event_levels, ["TRACE"; 3]);
    assert_eq!(batch.field("db.operation.name"), Some("PIPELINE"));
    assert_eq!(batch.field("db.operation.batch.size"), Some("4"));
    assert_eq!(batch.field("db.system.name"), Some("redis"));
    let entries: Vec<(Option<&str>, Option<&str>)> = batch
        .events
        .iter()
        .map(|e| {
            (
                e.get("redis.batch.entry").map(String::as_str),
                e.get("redis.script.name").map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (Some("0"), Some("incr_ttl")),
            (Some("1"), Some("../../examples/lua/post_stats.lua")),
            (Some("3"), None)
        ]
    );
    // A function entry is named by its library and its own name, not by the library's SHA-1.
    let function = &batch.events[2];
    assert_eq!(function.get("redis.script.sha1"), None);
    assert_eq!(
        function.get("redis.library.name").map(String::as_str),
        Some("seed")
    );
    assert_eq!(
        function.get("redis.function.name").map(String::as_str),
        Some("incr_ttl")
    );
    assert_clean(&recorder, &[KEY, ARG, "plain"]);
}

#[tokio::test]
async fn over_rest_the_span_names_the_server_and_never_the_token() {
    let redis = RedisServer::start();
    let local = UpstashLocal::start(&redis);
    let upstash = Upstash::new(local.url(), local.token()).unwrap();
    let (recorder, _guard) = SpanRecorder::install();

    assert_eq!(INCR_TTL.exec(&upstash, [KEY], [ARG]).await.unwrap(), 1);

    let calls = only(&recorder.spans(), "redis.script");
    assert_eq!(calls.len(), 1);
    calls[0].assert_each_field_once();
    assert_eq!(calls[0].field("otel.name"), Some("EVAL incr_ttl"));
    let url = reqwest_url(local.url());
    assert_eq!(calls[0].field("server.address"), Some(url.0.as_str()));
    assert_eq!(
        calls[0].field("server.port"),
        Some(url.1.to_string().as_str())
    );
    assert_eq!(calls[0].field("db.operation.name"), Some("EVAL"));
    assert_eq!(calls[0].field("redis.script.fallback"), Some("true"));
    assert_clean(&recorder, &[KEY, ARG, local.token()]);
}

/// `http://127.0.0.1:PORT` as host and port.
fn reqwest_url(url: &str) -> (String, u16) {
    let rest = url.trim_start_matches("http://").trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':').unwrap();
    (host.to_owned(), port.parse().unwrap())
}

#[tokio::test]
async fn a_function_call_is_one_span_named_after_its_function_and_the_load_is_an_event() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let (recorder, _guard) = SpanRecorder::install();

    assert_eq!(INCR.call(&conn, [KEY], [ARG]).await.unwrap(), 1);
    assert_eq!(INCR.call(&conn, [KEY], [ARG]).await.unwrap(), 2);

    let calls = only(&recorder.spans(), "redis.script");
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_eq!(call.level, "DEBUG");
        call.assert_each_field_once();
        assert_eq!(call.field("db.system.name"), Some("redis"));
        assert_eq!(call.field("db.operation.name"), Some("FCALL"));
        assert_eq!(call.field("otel.name"), Some("FCALL seed.incr_ttl"));
        assert_eq!(call.field("db.query.summary"), Some("FCALL seed.incr_ttl"));
        // The function's own identity: its library, the library's version, its name; no SHA-1
        // that every function of the library would share.
        assert_eq!(call.field("redis.library.name"), Some("seed"));
        assert_eq!(call.field("redis.library.version"), SEED.version());
        assert_eq!(call.field("redis.function.name"), Some("incr_ttl"));
        assert_eq!(call.field("redis.script.name"), None);
        assert_eq!(call.field("redis.script.sha1"), None);
    }
    assert_eq!(calls[0].event_levels, ["DEBUG"]);
    assert_eq!(calls[0].field("redis.script.fallback"), Some("true"));
    assert_eq!(
        calls[0].events[0]
            .get("db.operation.name")
            .map(String::as_str),
        Some("FUNCTION LOAD")
    );
    assert_eq!(calls[1].field("redis.script.fallback"), Some("false"));
    assert!(calls[1].events.is_empty());
    assert_clean(&recorder, &[KEY, ARG]);
}

#[tokio::test]
async fn a_service_logging_at_info_records_nothing_per_call_or_batch() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let (recorder, _guard) = SpanRecorder::install_at(LevelFilter::INFO);

    INCR_TTL.exec(&conn, [KEY], [ARG]).await.unwrap();
    INCR.call(&conn, [KEY], [ARG]).await.unwrap();
    let mut pipeline = Pipeline::new();
    let entry = pipeline.exec(&INCR_TTL, [KEY], [ARG]);
    pipeline.run(&conn).await.unwrap().take(entry).unwrap();
    assert!(recorder.spans().is_empty(), "{:?}", recorder.spans());

    // At DEBUG: the spans and the fallback events, not the entries of a batch.
    let (recorder, _guard) = SpanRecorder::install_at(LevelFilter::DEBUG);
    server.script_flush().await;
    INCR_TTL.exec(&conn, [KEY], [ARG]).await.unwrap();
    let mut pipeline = Pipeline::new();
    let entry = pipeline.exec(&INCR_TTL, [KEY], [ARG]);
    pipeline.run(&conn).await.unwrap().take(entry).unwrap();
    let spans = recorder.spans();
    assert_eq!(spans.len(), 2, "{spans:?}");
    assert_eq!(spans[0].event_levels, ["DEBUG"]);
    assert!(spans[1].events.is_empty(), "{spans:?}");
}
