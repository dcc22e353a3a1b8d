//! The blocking API: the same checked scripts and batches from code without an async runtime (a
//! command-line tool, a batch job), on a `redis::Connection` and on an r2d2 pool.
//!
//! Run: `cargo run --example blocking` (uses `REDIS_URL`, or starts a throwaway `redis-server`).

use redis_script::redis;
use redis_script::{Pipeline, Script, ScriptRO, lua_script};
use redis_script_examples::{BoxError, connect, report};

/// `[requests, ttl]` for a fixed window.
static RATE_LIMIT: Script<(i64, i64)> = lua_script!("lua/rate_limit.lua");
/// A counter that expires.
static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");
/// `[views, likes, ratio]`, read-only.
static POST_STATS: ScriptRO<(i64, i64, f64)> = lua_script!("lua/post_stats.lua", readonly);

const LIMIT: i64 = 2;

fn main() -> std::process::ExitCode {
    report(run())
}

fn run() -> Result<(), BoxError> {
    // Where Redis is: `REDIS_URL`, or a throwaway server the examples' helper starts (which is
    // all this runtime is for; everything below blocks).
    let redis = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(connect())?;
    let client = redis::Client::open(redis.url.as_str())?;
    let run_id = std::process::id();
    let limited = format!("blocking:ratelimit:{run_id}");
    let views = format!("blocking:views:{run_id}");
    let post = format!("blocking:post:{run_id}");

    // One connection: EVALSHA, and on NOSCRIPT exactly one EVAL, as `exec` does.
    let mut conn = client.get_connection()?;
    for request in 1..=3 {
        let (requests, ttl) = RATE_LIMIT.exec_blocking(&mut conn, [&limited], (LIMIT, 60))?;
        let verdict = if requests <= LIMIT {
            "allowed"
        } else {
            "limited"
        };
        println!(
            "request {request}: {requests} of {LIMIT} in this window ({ttl} s left): {verdict}"
        );
    }

    // A pool: each call, or a whole batch, on one of its connections.
    let pool = r2d2::Pool::builder().max_size(2).build(client)?;
    let mut pipe = Pipeline::new();
    let counts: Vec<_> = (0..3)
        .map(|_| pipe.exec(&INCR_TTL, [&views], [60]))
        .collect();
    let (post_views, post_likes) = (format!("{post}:views"), format!("{post}:likes"));
    let likes = pipe.cmd::<()>(("MSET", &post_views, 10, &post_likes, 4));
    let mut replies = pipe.run_blocking(&pool)?;
    replies.take(likes)?;
    let counts = counts
        .into_iter()
        .map(|count| replies.take(count))
        .collect::<Result<Vec<i64>, _>>()?;
    println!("counted in one round trip: {counts:?}");
    let (views_of_post, likes_of_post, ratio) = POST_STATS.exec_blocking(&pool, [&post], ())?;
    println!("post: {views_of_post} views, {likes_of_post} likes, ratio {ratio}");

    let () = redis::cmd("DEL")
        .arg(&limited)
        .arg(&views)
        .arg(&post_views)
        .arg(&post_likes)
        .query(&mut conn)?;
    Ok(())
}
