//! The quickstart: a counter with a TTL and a fixed-window rate limiter, both compile-time-checked Lua.
//!
//! Run: `cargo run --example quickstart` (uses `REDIS_URL`, or starts a throwaway `redis-server`).

use redis_script::{Script, ScriptRO, lua_script};
use redis_script_examples::{BoxError, connect, report};
use serde::Deserialize;

lua_script! {
    /// `INCR` a key and give it a TTL on first use; returns the new count. Its keys and arguments
    /// are declared in the file (`---@key counter`, `---@arg ttl integer`): it is called with an
    /// `IncrTtl { counter, ttl }`, which the macro defines.
    static INCR_TTL: Script<i64, IncrTtl> = "lua/incr_ttl.lua";
}

lua_script! {
    /// A fixed window: 100 requests per 60 seconds below. The file declares its reply too
    /// (`---@return {requests: integer, ttl: integer}`): the macro defines `Window`, read by name.
    static RATE_LIMIT: Script<Window, RateLimit> = "lua/rate_limit.lua";
}

lua_script! {
    /// Views, likes and their ratio, read-only (a `ScriptRO`): runs with EVALSHA_RO / EVAL_RO. It
    /// reads `<post>:views` and `<post>:likes`, keys built from its key, as the seed's example
    /// does: `keys_from_keys = false` says so (a cluster would need both keys in `KEYS`).
    static POST_STATS: ScriptRO<PostStats, Post> = "lua/post_stats.lua", keys_from_keys = false;
}

/// Decoded by position from the script's `{views, likes, tostring(ratio)}`.
#[derive(Debug, Deserialize)]
struct PostStats {
    views: i64,
    likes: i64,
    ratio: f64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let redis = connect().await?;
    let conn = &redis.conn;
    println!("connected to {}", redis.url);
    println!(
        "INCR_TTL sha1 {} (computed at compile time)",
        INCR_TTL.sha1()
    );

    // The first `exec` finds the script missing (NOSCRIPT) and sends it once with EVAL; later calls
    // send only its SHA-1.
    let key = format!("quickstart:views:{}", std::process::id());
    for _ in 0..3 {
        let views = INCR_TTL
            .exec(
                conn,
                IncrTtl {
                    counter: &key,
                    ttl: 3600,
                },
            )
            .await?;
        println!("{key} = {views}");
    }

    let user = format!("quickstart:ratelimit:{}", std::process::id());
    let limit = RateLimit {
        key: &user,
        limit: 100,
        window: 60,
    };
    let Window { requests, ttl } = RATE_LIMIT.exec(conn, limit).await?;
    println!("{user}: {requests} request(s) in this window, resets in {ttl} s");

    let post = format!("quickstart:post:{}", std::process::id());
    redis::cmd("MSET")
        .arg(format!("{post}:views"))
        .arg(1000)
        .arg(format!("{post}:likes"))
        .arg(150)
        .query_async::<()>(&mut conn.clone())
        .await?;
    let stats = POST_STATS.exec(conn, Post { post: &post }).await?;
    println!(
        "{post}: {} views, {} likes, ratio {}",
        stats.views, stats.likes, stats.ratio
    );

    redis::cmd("DEL")
        .arg(&key)
        .arg(&user)
        .arg(format!("{post}:views"))
        .arg(format!("{post}:likes"))
        .query_async::<()>(&mut conn.clone())
        .await?;
    Ok(())
}
