//! Functions in pipelines and transactions, as checks that any [`Transport`] must pass: FUNCTION LOAD
//! in front of the first call of each library inside the batch, every entry run once and in order
//! (functions push to a list), whatever libraries the server held.
//!
//! Each check expects a fresh server.

use redis_script::{
    Error, Function, FunctionRO, Library, Pipeline, ScriptLoading, Transaction, Transport,
    lua_library,
};

use crate::RedisServer;
use crate::batches::log;

lua_library! {
    /// Two functions that push to a list and read its length.
    pub static LOG: Library = "../lua/batch_log.lua";
    pub static PUSH: Function<i64> = "push";
    pub static LEN: FunctionRO<i64> = "len";
}

lua_library! {
    /// A second library with the same effect.
    pub static LOG_TOO: Library = "../lua/batch_log_too.lua";
    pub static PUSH_TOO: Function<i64> = "push_too";
}

/// (FCALL, FCALL_RO, FUNCTION LOAD) counts of `server` since its last stats reset.
pub async fn function_counts(server: &RedisServer) -> (u64, u64, u64) {
    let stats = server.commandstats().await;
    (
        stats.calls("fcall"),
        stats.calls("fcall_ro"),
        stats.calls("function|load"),
    )
}

/// Libraries on the server, sorted.
pub async fn libraries(server: &RedisServer) -> Vec<String> {
    let list: Vec<Vec<redis::Value>> = server.query(redis::cmd("FUNCTION").arg("LIST")).await;
    let mut names: Vec<String> = list
        .iter()
        .filter_map(|fields| {
            fields.chunks(2).find_map(|pair| match pair {
                [redis::Value::BulkString(k), redis::Value::BulkString(v)]
                    if k == b"library_name" =>
                {
                    String::from_utf8(v.clone()).ok()
                }
                _ => None,
            })
        })
        .collect();
    names.sort();
    names
}

fn both_libraries() -> Vec<String> {
    let mut names = vec![
        LOG.loaded_name().to_owned(),
        LOG_TOO.loaded_name().to_owned(),
    ];
    names.sort();
    names
}

/// A pipeline calling functions of two libraries loads each library once, in front of its first
/// call, on an empty server and on one that has them, and runs every entry once in order.
pub async fn loads_each_library_once_per_batch<C: Transport>(conn: &C, server: &RedisServer) {
    for round in 0..2_i64 {
        server.reset_stats().await;
        let mut pipe = Pipeline::new();
        let mut pushes = Vec::new();
        for i in 0..10 {
            let function = if i % 2 == 0 { &PUSH } else { &PUSH_TOO };
            pushes.push(pipe.call(function, ["log"], [format!("{round}.{i}")]));
            if i == 4 {
                let _ = pipe.cmd::<i64>(("RPUSH", "log", format!("{round}.raw")));
            }
        }
        let len = pipe.call(&LEN, ["log"], ());
        let mut replies = pipe.run(conn).await.unwrap();
        let base = round * 11;
        for (i, push) in pushes.into_iter().enumerate() {
            let i = i as i64;
            let expected = base + i + 1 + i64::from(i > 4);
            assert_eq!(
                replies.take(push).unwrap(),
                expected,
                "round {round}, entry {i}"
            );
        }
        assert_eq!(replies.take(len).unwrap(), base + 11);
        let stats = server.commandstats().await;
        assert_eq!(
            (stats.calls("fcall"), stats.calls("fcall_ro")),
            (10, 1),
            "round {round}: every call once, none answered \"Function not found\""
        );
        assert_eq!(stats.calls("function|load"), 2, "round {round}");
        assert_eq!(libraries(server).await, both_libraries());
    }
    let mut expected = Vec::new();
    for round in 0..2 {
        for i in 0..10 {
            expected.push(format!("{round}.{i}"));
            if i == 4 {
                expected.push(format!("{round}.raw"));
            }
        }
    }
    assert_eq!(log(server).await, expected);
}

/// A transaction loads its libraries inside MULTI / EXEC and runs once, atomically.
pub async fn transaction_loads_its_libraries_inside<C: Transport>(conn: &C, server: &RedisServer) {
    server.reset_stats().await;
    let mut tx = Transaction::new();
    let a = tx.call(&PUSH, ["log"], ["a"]);
    let raw = tx.cmd::<i64>(("RPUSH", "log", "raw"));
    let b = tx.call(&PUSH_TOO, ["log"], ["b"]);
    let len = tx.call(&LEN, ["log"], ());
    let mut replies = tx.run(conn).await.unwrap();
    assert_eq!(replies.take(a).unwrap(), 1);
    assert_eq!(replies.take(raw).unwrap(), 2);
    assert_eq!(replies.take(b).unwrap(), 3);
    assert_eq!(replies.take(len).unwrap(), 3);
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("multi"), 1);
    assert_eq!(stats.calls("exec"), 1);
    assert_eq!((stats.calls("fcall"), stats.calls("fcall_ro")), (2, 1));
    assert_eq!(stats.calls("function|load"), 2);
    assert_eq!(log(server).await, ["a", "raw", "b"]);
    assert_eq!(libraries(server).await, both_libraries());
}

/// A FUNCTION FLUSH among the entries: the library is loaded again in front of the next call.
pub async fn function_flush_in_the_middle<C: Transport>(conn: &C, server: &RedisServer) {
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    let first = pipe.call(&PUSH, ["log"], ["0"]);
    let flush = pipe.cmd::<()>(("FUNCTION", "FLUSH"));
    let second = pipe.call(&PUSH, ["log"], ["1"]);
    let third = pipe.call(&PUSH, ["log"], ["2"]);
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(first).unwrap(), 1);
    replies.take(flush).unwrap();
    assert_eq!(replies.take(second).unwrap(), 2);
    assert_eq!(replies.take(third).unwrap(), 3);
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("fcall"), 3);
    assert_eq!(stats.calls("function|load"), 2);
    assert_eq!(log(server).await, ["0", "1", "2"]);
    assert_eq!(libraries(server).await, [LOG.loaded_name()]);
}

/// With [`ScriptLoading::AfterBatch`] nothing is loaded up front: on an empty server the calls answer
/// "Function not found" (they did not run) and run once after the batch with their library loaded;
/// on a server that has it, FCALL alone.
pub async fn after_batch_loading<C: Transport>(conn: &C, server: &RedisServer) {
    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    pipe.script_loading(ScriptLoading::AfterBatch);
    let calls: Vec<_> = (0..3).map(|i| pipe.call(&PUSH, ["log"], [i])).collect();
    let raw = pipe.cmd::<i64>(("RPUSH", "log", "raw"));
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(raw).unwrap(), 1, "the command ran first");
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(replies.take(call).unwrap(), i as i64 + 2);
    }
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("fcall"), 6, "3 not found, 3 after the load");
    assert_eq!(stats.calls("function|load"), 1);
    assert_eq!(log(server).await, ["raw", "0", "1", "2"]);

    server.reset_stats().await;
    let mut pipe = Pipeline::new();
    pipe.script_loading(ScriptLoading::AfterBatch);
    let calls: Vec<_> = (0..3).map(|i| pipe.call(&PUSH, ["log"], [i])).collect();
    let mut replies = pipe.run(conn).await.unwrap();
    assert_eq!(replies.take(calls.into_iter().last().unwrap()).unwrap(), 7);
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("fcall"), 3);
    assert_eq!(stats.calls("function|load"), 0, "no library text sent");
}

/// Two versions of one library in one batch: each call runs its own version's code.
pub async fn two_versions_in_one_batch<C: Transport>(
    conn: &C,
    server: &RedisServer,
    (old, new): (&Function<i64>, &Function<i64>),
) {
    assert_eq!(old.library().name(), new.library().name());
    assert_ne!(old.called_name(), new.called_name());
    let mut pipe = Pipeline::new();
    let calls = [
        pipe.call(old, ["n"], ()),
        pipe.call(new, ["n"], ()),
        pipe.call(old, ["n"], ()),
    ];
    let mut replies = pipe.run(conn).await.unwrap();
    let got: Vec<i64> = calls
        .into_iter()
        .map(|c| replies.take(c).unwrap())
        .collect();
    assert_eq!(got, [1, 11, 12]);
    let log: Vec<String> = server
        .query(redis::cmd("LRANGE").arg("n:log").arg(0).arg(-1))
        .await;
    assert_eq!(log, ["v1", "v2", "v1"]);
    let mut expected = vec![
        old.library().loaded_name().to_owned(),
        new.library().loaded_name().to_owned(),
    ];
    expected.sort();
    assert_eq!(libraries(server).await, expected);
}

/// A library the server refuses to load (one of its function names belongs to another library) fails
/// the calls of its other functions with the server's reason; nothing of it ran and the other entries did, in a
/// pipeline and in a transaction.
pub async fn refused_library<C: Transport>(conn: &C, server: &RedisServer) {
    let owner = "#!lua name=owner\nredis.register_function('taken', function() return 0 end)";
    let () = server
        .query(redis::cmd("FUNCTION").arg("LOAD").arg(owner))
        .await;
    let clash = Library::new(
        "#!lua name=clash\n\
         redis.register_function('mine', function(keys) return redis.call('RPUSH', keys[1], 'mine') end)\n\
         redis.register_function('taken', function() return 1 end)",
    );
    let mine = clash.function::<i64>("mine");
    for atomic in [false, true] {
        let (a, call, b, mut replies) = if atomic {
            let mut tx = Transaction::new();
            let a = tx.cmd::<i64>(("RPUSH", "log", "a"));
            let call = tx.call(&mine, ["log"], ());
            let b = tx.cmd::<i64>(("RPUSH", "log", "b"));
            (a, call, b, tx.run(conn).await.unwrap())
        } else {
            let mut pipe = Pipeline::new();
            let a = pipe.cmd::<i64>(("RPUSH", "log", "a"));
            let call = pipe.call(&mine, ["log"], ());
            let b = pipe.cmd::<i64>(("RPUSH", "log", "b"));
            (a, call, b, pipe.run(conn).await.unwrap())
        };
        replies.take(a).unwrap();
        replies.take(b).unwrap();
        let e = replies.take(call).unwrap_err();
        let Error::Preload(refused) = &e else {
            panic!("{e:?}")
        };
        let failed = &refused.failed()[0];
        assert_eq!(failed.name.as_deref(), Some("clash"));
        let Error::Server(reason) = &failed.error else {
            panic!("{e:?}")
        };
        assert_eq!(reason.message(), "Function taken already exists", "{e}");
        assert!(!e.may_have_run(), "{e:?}");
        assert!(e.to_string().contains("clash"), "{e}");
    }
    assert_eq!(log(server).await, ["a", "b", "a", "b"]);
}
