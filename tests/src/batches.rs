//! Pipelines and transactions, as checks that any [`Transport`] must pass: what the server runs
//! (counted by `INFO commandstats`), in which order (scripts push to a list), and what each entry gets
//! back. The RESP and REST test files call every check, so both transports keep the same guarantees.
//!
//! Each check expects a fresh server.

use redis_script::{
    BatchErrorKind, Error, Limits, Pipeline, Queued, Script, ScriptLoading, ScriptRO, Transaction,
    Transport,
};

use crate::{RedisServer, assert_no_secrets};

/// Pushes `ARGV[1]` to the list `KEYS[1]` and returns its length: the list is the order of effects.
pub const PUSH: &str = "return redis.call('RPUSH', KEYS[1], ARGV[1])";
/// The same effect written differently: a second script with its own SHA-1.
pub const PUSH_TOO: &str = "local n = redis.call('RPUSH', KEYS[1], ARGV[1]) return n";

/// A check of this module over a connection of type `C`.
pub type Check<C> =
    for<'a> fn(&'a C, &'a RedisServer) -> std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Every check of this module, by name, for a test that runs each on a fresh server.
pub fn every_check<C: Transport>() -> [(&'static str, Check<C>); 13] {
    [
        ("loads_each_script_once_per_batch", |c, s| {
            Box::pin(loads_each_script_once_per_batch(c, s))
        }),
        ("after_batch_loading", |c, s| {
            Box::pin(after_batch_loading(c, s))
        }),
        ("flush_in_the_middle", |c, s| {
            Box::pin(flush_in_the_middle(c, s))
        }),
        ("transaction_on_a_cold_cache", |c, s| {
            Box::pin(transaction_on_a_cold_cache(c, s))
        }),
        ("failing_inside_exec", |c, s| {
            Box::pin(failing_inside_exec(c, s))
        }),
        ("noscript_returned_by_a_script", |c, s| {
            Box::pin(noscript_returned_by_a_script(c, s))
        }),
        ("redirect_returned_by_a_script", |c, s| {
            Box::pin(redirect_returned_by_a_script(c, s))
        }),
        ("empty_batches", |c, s| Box::pin(empty_batches(c, s))),
        ("limits", |c, s| Box::pin(limits(c, s))),
        ("connection_commands", |c, s| {
            Box::pin(connection_commands(c, s))
        }),
        ("decode_failure", |c, s| Box::pin(decode_failure(c, s))),
        ("raw_evalsha_keeps_its_noscript", |c, s| {
            Box::pin(raw_evalsha_keeps_its_noscript(c, s))
        }),
        ("compile_error", |c, s| Box::pin(compile_error(c, s))),
    ]
}

/// The list `log`, which the scripts of these checks push to.
pub async fn log(server: &RedisServer) -> Vec<String> {
    server
        .query(redis::cmd("LRANGE").arg("log").arg(0).arg(-1))
        .await
}

/// `n` calls alternating between the two scripts, each pushing its index to `log`.
fn calls<'a>(
    pipe: &mut Pipeline<'a>,
    a: &'a Script<i64>,
    b: &'a Script<i64>,
    n: usize,
) -> Vec<Queued<i64>> {
    (0..n)
        .map(|i| {
            let script = if i % 2 == 0 { a } else { b };
            pipe.exec(script, ["log"], [i])
        })
        .collect()
}

/// A pipeline of 100 calls of two scripts loads each once and sends 100 evalsha.
pub async fn loads_each_script_once_per_batch<C: Transport>(conn: &C, server: &RedisServer) {
    let (a, b) = (Script::<i64>::new(PUSH), Script::<i64>::new(PUSH_TOO));

    // Cold: nothing cached. Each script is loaded in front of its first call, inside the batch.
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    let queued = calls(&mut pipe, &a, &b, 100);
    let mut replies = pipe.run(conn).await.unwrap();
    for (i, q) in queued.into_iter().enumerate() {
        assert_eq!(replies.take(q).unwrap(), i as i64 + 1);
    }
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 100, 0, 0));
    assert_eq!(stats.calls("script|load"), 2);
    let expected: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    assert_eq!(log(server).await, expected);

    // Warm: the same commands; still no EVAL and no NOSCRIPT.
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    let queued = calls(&mut pipe, &a, &b, 100);
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(
        replies.take(queued.into_iter().last().unwrap()).unwrap(),
        200
    );
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 100, 0, 0));
    assert_eq!(stats.calls("script|load"), 2);
}

/// After batch loading sends no script when warm and runs noscript entries once after.
pub async fn after_batch_loading<C: Transport>(conn: &C, server: &RedisServer) {
    let (a, b) = (Script::<i64>::new(PUSH), Script::<i64>::new(PUSH_TOO));

    // Cold: every call answers NOSCRIPT (did not run), then all run once, in their order, after the
    // batch with their scripts loaded.
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    pipe.script_loading(ScriptLoading::AfterBatch);
    let queued = calls(&mut pipe, &a, &b, 10);
    let raw = pipe.cmd::<i64>(("RPUSH", "log", "raw"));
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(raw).unwrap(), 1, "the command ran first");
    for (i, q) in queued.into_iter().enumerate() {
        assert_eq!(replies.take(q).unwrap(), i as i64 + 2);
    }
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 20, 0, 0));
    assert_eq!(stats.calls("script|load"), 2);
    let mut expected = vec!["raw".to_owned()];
    expected.extend((0..10).map(|i| i.to_string()));
    assert_eq!(log(server).await, expected, "NOSCRIPT entries ran after");

    // Warm: EVALSHA only, no script text at all.
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    pipe.script_loading(ScriptLoading::AfterBatch);
    let queued = calls(&mut pipe, &a, &b, 100);
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(
        replies.take(queued.into_iter().last().unwrap()).unwrap(),
        111
    );
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 100, 0, 0));
    assert_eq!(stats.calls("script|load"), 0);
}

/// A script flush in the middle of a pipeline still runs every entry once in order.
pub async fn flush_in_the_middle<C: Transport>(conn: &C, server: &RedisServer) {
    let (a, b) = (Script::<i64>::new(PUSH), Script::<i64>::new(PUSH_TOO));
    server.reset_stats().await;

    let mut pipe = Pipeline::new();
    let first = pipe.exec(&a, ["log"], ["0"]);
    let second = pipe.exec(&b, ["log"], ["1"]);
    let raw = pipe.cmd::<i64>(("RPUSH", "log", "2"));
    let flush = pipe.cmd::<()>(("SCRIPT", "FLUSH"));
    let third = pipe.exec(&a, ["log"], ["4"]);
    let fourth = pipe.exec(&b, ["log"], ["5"]);
    let fifth = pipe.exec(&a, ["log"], ["6"]);
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(first).unwrap(), 1);
    assert_eq!(replies.take(second).unwrap(), 2);
    assert_eq!(replies.take(raw).unwrap(), 3);
    replies.take(flush).unwrap();
    assert_eq!(replies.take(third).unwrap(), 4);
    assert_eq!(replies.take(fourth).unwrap(), 5);
    assert_eq!(replies.take(fifth).unwrap(), 6);
    assert_eq!(log(server).await, ["0", "1", "2", "4", "5", "6"]);

    // Loaded again after the flush; never EVAL, and no call answered NOSCRIPT.
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 5, 0, 0));
    assert_eq!(stats.calls("script|load"), 4);
    assert_eq!(stats.calls("script|flush"), 1);
}

/// An empty batch sends nothing.
pub async fn empty_batches<C: Transport>(conn: &C, server: &RedisServer) {
    server.reset_stats().await;
    let replies = Pipeline::new().run(conn).await.unwrap();
    assert!(replies.is_empty());
    let replies = Transaction::new().run(conn).await.unwrap();
    assert!(replies.is_empty());
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("multi"), 0);
    assert_eq!(stats.calls("exec"), 0);
    assert_eq!(
        stats.as_map().keys().collect::<Vec<_>>(),
        vec!["config|resetstat"]
    );
}

/// A batch over its limits is refused before anything is sent.
pub async fn limits<C: Transport>(conn: &C, server: &RedisServer) {
    let script = Script::<i64>::new(PUSH);
    server.reset_stats().await;

    let mut pipe = Pipeline::new();
    pipe.limits(Limits::new(3, 1 << 20));
    for i in 0..4 {
        let _ = pipe.exec(&script, ["log"], [i]);
    }
    let err = pipe.run(conn).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(batch.kind(), BatchErrorKind::TooLarge);
    assert!(!err.may_have_run());
    assert_eq!(
        err.to_string(),
        "the batch has 4 entries, more than its limit of 3; nothing was sent: split it, or set \
         other Limits"
    );

    let mut tx = Transaction::new();
    tx.limits(Limits::new(10, 100));
    let secret = "s3cr3t-value-".repeat(10);
    let _ = tx.exec(&script, ["log"], [&secret]);
    let err = tx.run(conn).await.unwrap_err();
    assert!(
        err.to_string().starts_with(
            "the keys and arguments of the batch take 133 bytes, more than its limit of 100"
        ),
        "{err}"
    );
    assert_no_secrets(&err, &[&secret]);
    assert_eq!(log(server).await, Vec::<String>::new());
    assert_eq!(server.commandstats().await.calls("script|load"), 0);
}

/// Commands that would change the connection are refused before anything is sent.
pub async fn connection_commands<C: Transport>(conn: &C, server: &RedisServer) {
    let script = Script::<i64>::new(PUSH);
    for (words, name) in [
        (vec!["SELECT", "1"], "SELECT"),
        (vec!["multi"], "MULTI"),
        (vec!["EXEC"], "EXEC"),
        (vec!["WATCH", "log"], "WATCH"),
        (vec!["SUBSCRIBE", "chan"], "SUBSCRIBE"),
        (vec!["client", "reply", "off"], "CLIENT REPLY"),
        (vec!["MONITOR"], "MONITOR"),
    ] {
        server.reset_stats().await;
        let mut pipe = Pipeline::new();
        let _ = pipe.exec(&script, ["log"], ["before"]);
        let _ = pipe.cmd::<()>(words);
        let err = pipe.run(conn).await.unwrap_err();
        let Error::Batch(batch) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(batch.kind(), BatchErrorKind::NotAllowed);
        assert_eq!(batch.entries(), [1]);
        assert!(
            err.to_string().starts_with(&format!(
                "{name} (entry 1) would change the state of the connection"
            )),
            "{err}"
        );
        let stats = server.commandstats().await;
        assert_eq!(stats.scripts(), (0, 0, 0, 0), "{name}: nothing was sent");
    }
    let mut tx = Transaction::new();
    let _ = tx.cmd::<()>(Vec::<String>::new());
    let err = tx.run(conn).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 0 of the batch is an empty command: give the command's name and arguments"
    );
    assert_eq!(log(server).await, Vec::<String>::new());
}

/// A transaction on a cold cache loads its scripts inside and runs atomically.
pub async fn transaction_on_a_cold_cache<C: Transport>(conn: &C, server: &RedisServer) {
    let (a, b) = (Script::<i64>::new(PUSH), Script::<i64>::new(PUSH_TOO));
    let read = ScriptRO::<Vec<String>>::new(
        "#!lua flags=no-writes\nreturn redis.call('LRANGE', KEYS[1], 0, -1)",
    );
    server.reset_stats().await;

    let mut tx = Transaction::new();
    let one = tx.exec(&a, ["log"], ["a"]);
    let two = tx.exec(&b, ["log"], ["b"]);
    let three = tx.exec(&a, ["log"], ["c"]);
    let len = tx.cmd::<i64>(("LLEN", "log"));
    let all = tx.exec(&read, ["log"], ());
    let mut replies = tx.run(conn).await.unwrap();
    assert_eq!(
        (
            replies.take(one).unwrap(),
            replies.take(two).unwrap(),
            replies.take(three).unwrap()
        ),
        (1, 2, 3)
    );
    assert_eq!(replies.take(len).unwrap(), 3);
    assert_eq!(replies.take(all).unwrap(), ["a", "b", "c"]);

    let stats = server.commandstats().await;
    assert_eq!((stats.calls("multi"), stats.calls("exec")), (1, 1));
    assert_eq!(stats.calls("script|load"), 3);
    assert_eq!(stats.scripts(), (0, 3, 0, 1));
    // Every call found its script: none failed.
    let info: String = server.query(redis::cmd("INFO").arg("commandstats")).await;
    let evalsha = info
        .lines()
        .find(|l| l.starts_with("cmdstat_evalsha:"))
        .unwrap();
    assert!(evalsha.contains("failed_calls=0"), "{evalsha}");
}

/// A command failing inside exec is its own error and the others ran.
pub async fn failing_inside_exec<C: Transport>(conn: &C, server: &RedisServer) {
    let script = Script::<i64>::new(PUSH);
    let failing = Script::<i64>::new(
        "redis.call('RPUSH', KEYS[1], 'failing') return redis.call('INCR', KEYS[1])",
    );
    let mut tx = Transaction::new();
    let set = tx.cmd::<()>(("SET", "text", "x"));
    let incr = tx.cmd::<i64>(("INCR", "text"));
    let pushed = tx.exec(&script, ["log"], ["after"]);
    let raised = tx.exec(&failing, ["log"], ());
    let mut replies = tx.run(conn).await.unwrap();
    replies.take(set).unwrap();
    let err = replies.take(incr).unwrap_err();
    assert_eq!(
        err.to_string(),
        "server error ERR: value is not an integer or out of range"
    );
    assert_eq!(replies.take(pushed).unwrap(), 1);
    let err = replies.take(raised).unwrap_err();
    let Error::Script(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.code(), "WRONGTYPE");
    assert!(
        err.may_have_run(),
        "its RPUSH stays: Redis does not roll back"
    );
    assert_eq!(log(server).await, ["after", "failing"]);
}

/// A decode failure of one entry leaves the others intact.
pub async fn decode_failure<C: Transport>(conn: &C, server: &RedisServer) {
    let script = Script::<i64>::new(PUSH);
    let mut pipe = Pipeline::new();
    let first = pipe.exec(&script, ["log"], ["a"]);
    let set = pipe.cmd::<i64>(("SET", "k", "v"));
    let wrong = pipe.cmd::<i64>(("GET", "k"));
    let last = pipe.exec(&script, ["log"], ["b"]);
    let mut replies = pipe.run(conn).await.unwrap();
    let err = replies.take(set).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    // RESP shows the status OK, REST the string "OK".
    assert!(
        err.to_string()
            .starts_with("can not decode reply OK as i64")
            || err
                .to_string()
                .starts_with("can not decode reply \"OK\" as i64"),
        "{err}"
    );
    let err = replies.take(wrong).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(replies.take(first).unwrap(), 1);
    assert_eq!(replies.take(last).unwrap(), 2);
    assert_eq!(log(server).await, ["a", "b"]);
}

/// A script returning noscript itself runs once in a pipeline and in a transaction.
pub async fn noscript_returned_by_a_script<C: Transport>(conn: &C, server: &RedisServer) {
    let liar = Script::<()>::new(
        "redis.call('INCR', KEYS[1]) return redis.error_reply('NOSCRIPT No matching script. Please use EVAL.')",
    );
    let mut pipe = Pipeline::new();
    let call = pipe.exec(&liar, ["ran"], ());
    let mut replies = pipe.run(conn).await.unwrap();
    let err = replies.take(call).unwrap_err();
    assert!(!err.is_noscript(), "{err:?}");
    assert!(err.may_have_run());
    let Error::Script(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.code(), "NOSCRIPT");
    assert_eq!(e.sha1(), Some(liar.sha1()));
    let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran, 1, "run once, not again");

    let mut tx = Transaction::new();
    let call = tx.exec(&liar, ["ran"], ());
    let mut replies = tx.run(conn).await.unwrap();
    let err = replies.take(call).unwrap_err();
    assert!(
        matches!(err, Error::Script(_)) && err.may_have_run(),
        "{err:?}"
    );
    let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran, 2);

    // Loading after the batch asks first too: the script is cached, so the NOSCRIPT was its own.
    let mut pipe = Pipeline::new();
    pipe.script_loading(ScriptLoading::AfterBatch);
    let call = pipe.exec(&liar, ["ran"], ());
    let mut replies = pipe.run(conn).await.unwrap();
    let err = replies.take(call).unwrap_err();
    assert!(
        matches!(err, Error::Script(_)) && err.may_have_run(),
        "{err:?}"
    );
    let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
    assert_eq!(ran, 3, "run once, not again");
}

/// A script's own error reply that reads like a redirect: in a pipeline it is not sent again (on one
/// server it can not be told from the server's own); inside EXEC, where the server never puts one (it
/// redirects a transaction as a whole), the entry says that it may have run.
pub async fn redirect_returned_by_a_script<C: Transport>(conn: &C, server: &RedisServer) {
    let forger = Script::<()>::new("redis.call('INCR', KEYS[1]) return redis.error_reply(ARGV[1])");
    let mut count = 0;
    for (transactions, reply) in (1..).zip([
        "MOVED 3999 127.0.0.1:1",
        "ASK 3999 127.0.0.1:1",
        "TRYAGAIN later",
    ]) {
        let mut pipe = Pipeline::new();
        let call = pipe.exec(&forger, ["ran"], [reply]);
        let err = pipe.run(conn).await.unwrap().take(call).unwrap_err();
        assert_eq!(
            err.code(),
            reply.split_once(' ').map(|(code, _)| code),
            "{err:?}"
        );
        count += 1;
        let mut tx = Transaction::new();
        let call = tx.exec(&forger, ["ran"], [reply]);
        let after = tx.cmd::<i64>(("INCR", "after"));
        let mut replies = tx.run(conn).await.unwrap();
        let err = replies.take(call).unwrap_err();
        assert!(err.may_have_run(), "{reply} inside EXEC: {err:?}");
        assert_eq!(replies.take(after).unwrap(), transactions);
        count += 1;
        let ran: i64 = server.query(redis::cmd("GET").arg("ran")).await;
        assert_eq!(ran, count, "{reply}: each call ran once");
    }
}

/// An EVALSHA written as a command is not a script call: its NOSCRIPT is its reply, nothing runs it.
pub async fn raw_evalsha_keeps_its_noscript<C: Transport>(conn: &C, server: &RedisServer) {
    let script = Script::<i64>::new(PUSH);
    for atomic in [false, true] {
        let (mut pipe, mut tx) = (Pipeline::new(), Transaction::new());
        let words = ("EVALSHA", script.sha1(), 1, "log", "raw");
        let (mut replies, raw) = if atomic {
            let raw = tx.cmd::<i64>(words);
            (tx.run(conn).await.unwrap(), raw)
        } else {
            let raw = pipe.cmd::<i64>(words);
            (pipe.run(conn).await.unwrap(), raw)
        };
        let err = replies.take(raw).unwrap_err();
        assert!(err.is_noscript(), "{err:?}");
        assert!(!err.may_have_run());
    }
    assert_eq!(log(server).await, Vec::<String>::new());
    let stats = server.commandstats().await;
    assert_eq!(
        stats.calls("script|exists"),
        0,
        "nothing asked, nothing sent again"
    );
}

/// A script redis can not compile fails its calls with the compile error.
pub async fn compile_error<C: Transport>(conn: &C, server: &RedisServer) {
    let broken = Script::<i64>::new("return (");
    let script = Script::<i64>::new(PUSH);
    let mut pipe = Pipeline::new();
    let first = pipe.exec(&broken, (), ());
    let ok = pipe.exec(&script, ["log"], ["ok"]);
    let second = pipe.exec(&broken, (), ());
    let mut replies = pipe.run(conn).await.unwrap();
    for q in [first, second] {
        let err = replies.take(q).unwrap_err();
        let Error::Script(e) = &err else {
            panic!("{err:?}")
        };
        assert!(e.is_compile_error(), "{err}");
        assert!(!err.may_have_run());
    }
    assert_eq!(replies.take(ok).unwrap(), 1);
    assert_eq!(log(server).await, ["ok"]);
}
