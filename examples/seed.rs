//! Every example of the Upstash SDK's script documentation, as typed Rust.
//!
//! Run all: `cargo run --example seed`; one: `cargo run --example seed -- rate_limit`.

use redis::aio::MultiplexedConnection;
use redis_script::{Script, ScriptRO, lua_script};
use redis_script_examples::{BoxError, connect, report};
use serde::Deserialize;

static GREETING: Script<String> = lua_script!("lua/greeting.lua");
static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");
static SET_IF_HIGHER: Script<i64> = lua_script!("lua/set_if_higher.lua");
static POST_STATS: ScriptRO<PostStats> = lua_script!("lua/post_stats.lua", readonly);
static BATCH_INCR: Script<Vec<i64>> = lua_script!("lua/batch_incr.lua");
static RATE_LIMIT: Script<(i64, i64)> = lua_script!("lua/rate_limit.lua");
static USER_ACTIVITY: Script<()> = lua_script!("lua/user_activity.lua");

/// Decoded by position from `{views, likes, tostring(ratio)}`.
#[derive(Debug, Deserialize)]
struct PostStats {
    views: i64,
    likes: i64,
    ratio: f64,
}

const EXAMPLES: [&str; 7] = [
    "greeting",
    "counter",
    "set_if_higher",
    "post_stats",
    "batch_incr",
    "rate_limit",
    "user_activity",
];

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let redis = connect().await?;
    let chosen: Vec<String> = std::env::args().skip(1).collect();
    if let Some(unknown) = chosen.iter().find(|c| !EXAMPLES.contains(&c.as_str())) {
        return Err(format!("unknown example {unknown}; choose from {EXAMPLES:?}").into());
    }
    let prefix = format!("seed:{}", std::process::id());
    for name in EXAMPLES {
        if chosen.is_empty() || chosen.iter().any(|c| c == name) {
            println!("== {name}");
            run_example(name, &redis.conn, &prefix).await?;
        }
    }
    let mut conn = redis.conn.clone();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("*{prefix}*"))
        .query_async(&mut conn)
        .await?;
    if !keys.is_empty() {
        redis::cmd("DEL")
            .arg(keys)
            .query_async::<()>(&mut conn)
            .await?;
    }
    Ok(())
}

async fn run_example(
    name: &str,
    conn: &MultiplexedConnection,
    prefix: &str,
) -> Result<(), BoxError> {
    match name {
        "greeting" => {
            let message = GREETING.exec(conn, (), ["World"]).await?;
            println!("{message}");
        }
        "counter" => {
            let key = format!("{prefix}:page:views:homepage");
            let count = INCR_TTL.exec(conn, [&key], [3600]).await?;
            println!("{key} = {count} (expires in an hour)");
        }
        "set_if_higher" => {
            let key = format!("{prefix}:user:123:highscore");
            for score in [1500, 1200, 1800] {
                let high = SET_IF_HIGHER.exec(conn, [&key], [score]).await?;
                println!("offered {score}, high score is {high}");
            }
        }
        "post_stats" => {
            let post = format!("{prefix}:post:123");
            let mut c = conn.clone();
            redis::cmd("MSET")
                .arg(format!("{post}:views"))
                .arg(1000)
                .arg(format!("{post}:likes"))
                .arg(150)
                .query_async::<()>(&mut c)
                .await?;
            let stats = POST_STATS.exec(conn, [&post], ()).await?;
            println!(
                "{} views, {} likes, ratio {}",
                stats.views, stats.likes, stats.ratio
            );
        }
        "batch_incr" => {
            let keys = ["counter:1", "counter:2", "counter:3"].map(|k| format!("{prefix}:{k}"));
            let counters = BATCH_INCR.exec(conn, &keys, ()).await?;
            println!("{counters:?}");
        }
        "rate_limit" => {
            let key = format!("{prefix}:ratelimit:user:123");
            let (requests, ttl) = RATE_LIMIT.exec(conn, [&key], (100, 60)).await?;
            if requests > 100 {
                println!("rate limit exceeded, try again in {ttl} seconds");
            } else {
                println!("request {requests} of 100, window resets in {ttl} s");
            }
        }
        "user_activity" => {
            let user = format!("{prefix}:42");
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis();
            USER_ACTIVITY
                .exec(conn, (), (&user, "logged_in", now))
                .await?;
            println!("recorded activity of user {user}");
        }
        _ => {}
    }
    Ok(())
}
