//! The seed's scripts over the Upstash REST API.
//!
//! With `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN` set, it talks to that database. Without
//! them it starts `upstash-local` (a server that speaks the same REST API) in front of `REDIS_URL` or a
//! throwaway `redis-server`, so it runs on a fresh machine too.
//!
//! Run: `cargo run --example upstash`.

use redis_script::rest::{TOKEN_ENV, URL_ENV, Upstash};
use redis_script::{Script, ScriptRO, lua_script};
use redis_script_examples::{BoxError, connect, report};

lua_script! { static GREETING: Script<String, Greeting> = "lua/greeting.lua"; }
lua_script! { static RATE_LIMIT: Script<Window, RateLimit> = "lua/rate_limit.lua"; }
lua_script! { static GET: ScriptRO<Option<Vec<u8>>, Get> = "lua/get.lua"; }

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    // Kept until the end of `main`: the local server and the Redis behind it.
    let mut local_server = None;
    let upstash = if std::env::var_os(URL_ENV).is_some() {
        println!("using the database at ${URL_ENV}");
        Upstash::from_env()?
    } else {
        let redis = connect().await?;
        let token = format!("local-{}", std::process::id());
        let config = upstash_local::Config::new(redis.url.clone(), token.clone());
        let server = upstash_local::Server::bind(([127, 0, 0, 1], 0).into(), config).await?;
        let url = server.url();
        println!(
            "${URL_ENV} is not set: serving the Upstash REST API at {url} in front of {}",
            redis.url
        );
        println!("(set {URL_ENV} and {TOKEN_ENV} to use a real Upstash database)");
        let task = tokio::spawn(server.run());
        local_server = Some((redis, task));
        Upstash::new(url, token)?
    };

    println!(
        "{}",
        GREETING
            .exec(&upstash, Greeting { name: "Upstash" })
            .await?
    );

    let key = format!("upstash-example:ratelimit:{}", std::process::id());
    for _ in 0..3 {
        let limit = RateLimit {
            key: &key,
            limit: 100,
            window: 60,
        };
        let Window { requests, ttl } = RATE_LIMIT.exec(&upstash, limit).await?;
        println!("{key}: request {requests} of 100, window resets in {ttl} s");
    }

    // A read-only script: EVALSHA_RO, falling back to EVAL_RO. Safe to retry, so the client does.
    let value = GET.exec(&upstash, Get { key: &key }).await?;
    let count = value.map(|v| String::from_utf8_lossy(&v).into_owned());
    println!("GET {key} -> {count:?}");

    // Commands can be batched with script calls: one round trip (here, one command).
    let mut cleanup = redis_script::Pipeline::new();
    let deleted = cleanup.cmd::<i64>(("DEL", &key));
    cleanup.run(&upstash).await?.take(deleted)?;
    if let Some((_, task)) = local_server {
        task.abort();
    }
    Ok(())
}
