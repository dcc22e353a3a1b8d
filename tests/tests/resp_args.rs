//! KEYS and ARGV as scripts receive them: every Rust shape of the seed, and arbitrary bytes.

#![allow(clippy::unwrap_used)]

use redis_script::{Script, ScriptRO, lua_script};
use redis_script_tests::RedisServer;

static ECHO: Script<Vec<u8>> = lua_script!("../../examples/lua/echo.lua");
static GET: ScriptRO<Option<Vec<u8>>> = lua_script!("../../examples/lua/get.lua", readonly);

/// Replies `{KEYS, ARGV}`, so a test sees exactly what the script received.
fn keys_and_args() -> Script<(Vec<String>, Vec<String>)> {
    Script::new("return {KEYS, ARGV}")
}

/// Stores ARGV[1] at KEYS[1] and replies it.
fn set() -> Script<Vec<u8>> {
    Script::new("redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1]")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn every_byte_value_survives_as_key_and_as_argument() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let all: Vec<u8> = (0..=255).collect();

    let echoed = set().exec(&conn, [&all[..]], [&all[..]]).await.unwrap();
    assert_eq!(echoed, all);
    let stored: Vec<u8> = server.query(redis::cmd("GET").arg(&all[..])).await;
    assert_eq!(stored, all);
    assert_eq!(
        GET.exec(&conn, [&all[..]], ()).await.unwrap(),
        Some(all.clone())
    );

    // Each byte alone, too (NUL, CR, LF, non-UTF-8).
    for byte in 0..=255u8 {
        assert_eq!(ECHO.exec(&conn, (), [[byte]]).await.unwrap(), [byte]);
    }
}

#[tokio::test]
async fn a_one_mebibyte_argument_round_trips() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let big: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(31) % 251) as u8)
        .collect();

    let echoed = set().exec(&conn, ["big"], [&big]).await.unwrap();
    assert_eq!(echoed.len(), big.len());
    assert!(echoed == big);
    let length: i64 = server.query(redis::cmd("STRLEN").arg("big")).await;
    assert_eq!(length, 1 << 20);
    let stored = GET.exec(&conn, ["big"], ()).await.unwrap().unwrap();
    assert!(stored == big);
}

#[tokio::test]
async fn argument_shapes_of_the_seed() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = keys_and_args();

    // `()` for none.
    let (keys, args) = script.exec(&conn, (), ()).await.unwrap();
    assert!(keys.is_empty() && args.is_empty());

    // Arrays of &str.
    let (keys, args) = script.exec(&conn, ["a", "b"], ["x"]).await.unwrap();
    assert_eq!((keys, args), (strings(&["a", "b"]), strings(&["x"])));

    // Mixed tuples: numbers in decimal, bool as 1/0.
    let (keys, args) = script
        .exec(&conn, ("k", 7), ("a", 1, 2.5, true))
        .await
        .unwrap();
    assert_eq!(keys, strings(&["k", "7"]));
    assert_eq!(args, strings(&["a", "1", "2.5", "1"]));
    let (_, args) = script
        .exec(&conn, (), (false, -3_i64, 0.1_f64, u64::MAX, 'c'))
        .await
        .unwrap();
    assert_eq!(
        args,
        strings(&["0", "-3", "0.1", "18446744073709551615", "c"])
    );

    // Vec<String> and slices.
    let owned = vec!["one".to_owned(), "two".to_owned(), "three".to_owned()];
    let (keys, args) = script.exec(&conn, &owned[..1], &owned).await.unwrap();
    assert_eq!(keys, strings(&["one"]));
    assert_eq!(args, owned);
    let (_, args) = script.exec(&conn, (), owned.clone()).await.unwrap();
    assert_eq!(args, owned);

    // Byte slices and byte arrays.
    let (keys, args) = script
        .exec(&conn, [b"k1".as_slice()], [b"v1".to_vec(), b"".to_vec()])
        .await
        .unwrap();
    assert_eq!(keys, strings(&["k1"]));
    assert_eq!(args, strings(&["v1", ""]));

    // Numbers reach Lua as strings that `tonumber` reads back exactly.
    let sum = Script::<String>::new("return tostring(tonumber(ARGV[1]) + tonumber(ARGV[2]))");
    assert_eq!(sum.exec(&conn, (), (0.5, 2)).await.unwrap(), "2.5");
}

#[tokio::test]
async fn the_same_arguments_reach_evalsha_and_the_fallback_eval() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    let script = keys_and_args();
    server.reset_stats().await;

    let first = script.exec(&conn, ["k"], ("a", 1)).await.unwrap(); // EVALSHA, then EVAL
    let second = script.exec(&conn, ["k"], ("a", 1)).await.unwrap(); // EVALSHA
    assert_eq!(first, second);
    assert_eq!(first, (strings(&["k"]), strings(&["a", "1"])));
    assert_eq!(server.commandstats().await.scripts(), (1, 2, 0, 0));
}
