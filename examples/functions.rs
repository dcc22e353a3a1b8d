//! The seed's examples as one library of Redis Functions: checked at compile time, loaded on the first
//! call, versioned so that two builds can share a server, and old versions cleaned up.
//!
//! Run: `cargo run --example functions` (uses `REDIS_URL` or a throwaway `redis-server`).

use redis_script::{Function, FunctionRO, Library, Pipeline, lua_library};
use redis_script_examples::{BoxError, connect, report};

lua_library! {
    /// `examples/lua/seed_library.lua`: `#!lua name=seed`.
    static SEED: Library = "lua/seed_library.lua";
    // Each function declares its keys and arguments right above its registration (`---@key`,
    // `---@arg`): it is called with the struct named here, which the macro defines.
    static GREETING: FunctionRO<String, Greeting> = "greeting";
    static INCR_TTL: Function<i64, IncrTtl> = "incr_ttl";
    static POST_STATS: FunctionRO<(i64, i64, f64), Post> = "post_stats";
    static RATE_LIMIT: Function<(i64, i64), RateLimit> = "rate_limit";
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let redis = connect().await?;
    let conn = &redis.conn;
    let prefix = format!("functions:{}", std::process::id());
    println!(
        "library {} loads as {} (version {})",
        SEED.name(),
        SEED.loaded_name(),
        SEED.version().unwrap_or("none")
    );

    // The first call finds no function, loads the library once and calls again; later ones are FCALL.
    println!("{}", GREETING.call(conn, Greeting { name: "World" }).await?);
    let page = format!("{prefix}:page:views");
    let count = INCR_TTL
        .call(
            conn,
            IncrTtl {
                counter: &page,
                ttl: 3600,
            },
        )
        .await?;
    println!("{page} = {count} (expires in an hour)");

    let post = format!("{prefix}:post:1");
    let mut c = conn.clone();
    redis::cmd("MSET")
        .arg(format!("{post}:views"))
        .arg(1000)
        .arg(format!("{post}:likes"))
        .arg(150)
        .query_async::<()>(&mut c)
        .await?;
    let (views, likes, ratio) = POST_STATS.call(conn, Post { post: &post }).await?;
    println!("{views} views, {likes} likes, ratio {ratio} (FCALL_RO)");

    let limit = format!("{prefix}:ratelimit:user:1");
    let rate = RateLimit {
        key: &limit,
        limit: 100,
        window: 60,
    };
    let (requests, ttl) = RATE_LIMIT.call(conn, rate).await?;
    println!("request {requests} of 100, window resets in {ttl} s");

    // In a pipeline: one round trip, each call typed; FUNCTION LOAD goes in front (an "already
    // exists" here), so the calls run in order whatever the server holds.
    let mut pipe = Pipeline::new();
    let second = pipe.call_typed(&RATE_LIMIT, rate);
    let again = pipe.call_typed(
        &INCR_TTL,
        IncrTtl {
            counter: &page,
            ttl: 3600,
        },
    );
    let mut replies = pipe.run(conn).await?;
    let ((requests, _), count) = (replies.take(second)?, replies.take(again)?);
    println!("pipeline: request {requests} of 100, {page} = {count}");

    // After every instance runs this build: drop the versions older builds loaded.
    let deleted = SEED.delete_other_versions(conn).await?;
    println!(
        "deleted {} older version(s) of {}",
        deleted.len(),
        SEED.name()
    );

    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut c)
        .await?;
    redis::cmd("DEL")
        .arg(keys)
        .query_async::<()>(&mut c)
        .await?;
    redis::cmd("FUNCTION")
        .arg("DELETE")
        .arg(SEED.loaded_name())
        .query_async::<()>(&mut c)
        .await?;
    Ok(())
}
