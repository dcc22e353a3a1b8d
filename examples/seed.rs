//! Every example of the Upstash SDK's script documentation, as typed Rust.
//!
//! Run all: `cargo run --example seed`; one: `cargo run --example seed -- rate_limit`.

use redis::aio::MultiplexedConnection;
use redis_script::{Script, ScriptRO, lua_script};
use redis_script_examples::{BoxError, connect, report};
use serde::Deserialize;

// Each file declares its keys and arguments (`---@key`, `---@arg`): the call names them in the
// struct the macro defines (`Greeting { name }`), and a missing, unknown or mistyped one does not
// build.
lua_script! { static GREETING: Script<String, Greeting> = "lua/greeting.lua"; }
lua_script! { static INCR_TTL: Script<i64, IncrTtl> = "lua/incr_ttl.lua"; }
lua_script! { static SET_IF_HIGHER: Script<i64, SetIfHigher> = "lua/set_if_higher.lua"; }
lua_script! {
    // Reads `<post>:views` and `<post>:likes`, keys built from its key, as the SDK's example does.
    static POST_STATS: ScriptRO<PostStats, Post> = "lua/post_stats.lua", keys_from_keys = false;
}
lua_script! {
    // Builds its keys from ARGV, as the SDK's example does: a single Redis only.
    static USER_ACTIVITY: Script<(), UserActivity> = "lua/user_activity.lua", keys_from_keys = false;
}
lua_script! { static RATE_LIMIT: Script<Window, RateLimit> = "lua/rate_limit.lua"; }
// Increments however many keys it is given (`#KEYS`): no fixed list to declare, a positional call.
static BATCH_INCR: Script<Vec<i64>> = lua_script!("lua/batch_incr.lua");

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
            let message = GREETING.exec(conn, Greeting { name: "World" }).await?;
            println!("{message}");
        }
        "counter" => {
            let key = format!("{prefix}:page:views:homepage");
            let count = INCR_TTL
                .exec(
                    conn,
                    IncrTtl {
                        counter: &key,
                        ttl: 3600,
                    },
                )
                .await?;
            println!("{key} = {count} (expires in an hour)");
        }
        "set_if_higher" => {
            let key = format!("{prefix}:user:123:highscore");
            for score in [1500, 1200, 1800] {
                let high = SET_IF_HIGHER
                    .exec(
                        conn,
                        SetIfHigher {
                            key: &key,
                            value: score,
                        },
                    )
                    .await?;
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
            let stats = POST_STATS.exec(conn, Post { post: &post }).await?;
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
            let limit = RateLimit {
                key: &key,
                limit: 100,
                window: 60,
            };
            let Window { requests, ttl } = RATE_LIMIT.exec(conn, limit).await?;
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
            let activity = UserActivity {
                user: &user,
                activity: "logged_in",
                timestamp: i64::try_from(now)?,
            };
            USER_ACTIVITY.exec(conn, activity).await?;
            println!("recorded activity of user {user}");
        }
        _ => {}
    }
    Ok(())
}
