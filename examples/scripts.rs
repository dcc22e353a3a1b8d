//! Lists the scripts and libraries this binary embeds, as an operator needs them to name an EVALSHA
//! or FCALL seen in SLOWLOG or MONITOR: SHA-1, kind and name, sorted by name, then each library as
//! it is loaded. `--missing` also asks the server at `REDIS_URL` (or a throwaway one) which of them it
//! does not have, and `--preload` loads them.
//!
//! Run: `cargo run --example scripts [-- --missing | --preload]`. In a service, the same lines over
//! `redis_script::scripts()` and `redis_script::libraries()` print its own.

use redis_script::{FunctionRO, Library, Script, ScriptRO, lua_library, lua_script};
use redis_script_examples::{BoxError, connect, report};

// Scripts of this binary: each `lua_script!` registers its script, used or not.
static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");
static POST_STATS: ScriptRO<(i64, i64, String)> = lua_script!("lua/post_stats.lua", readonly);
static RATE_LIMIT: Script<(i64, i64)> = lua_script!("lua/rate_limit.lua", name = "rate_limit");

// A library of this binary: `lua_library!` registers it.
lua_library! {
    static SEED: Library = "lua/seed_library.lua";
    static GREETING: FunctionRO<String> = "greeting";
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let _used = (&INCR_TTL, &POST_STATS, &RATE_LIMIT, &SEED, &GREETING);
    let mut scripts: Vec<_> = redis_script::scripts().iter().collect();
    scripts.sort_by_key(|s| (s.name(), s.sha1()));
    scripts.dedup_by_key(|s| (s.name(), s.sha1()));
    for script in &scripts {
        let kind = if script.is_read_only() { "ro" } else { "rw" };
        println!("{} {kind} {}", script.sha1(), script.name());
    }
    let libraries = redis_script::libraries();
    for library in libraries {
        println!("{} library {}", library.sha1(), library.loaded_name());
    }
    let mode = std::env::args().nth(1);
    if mode.is_none() {
        return Ok(());
    }
    let redis = connect().await?;
    match mode.as_deref() {
        Some("--missing") => {}
        Some("--preload") => {
            let done = redis_script::preload(&redis.conn).await?;
            println!(
                "loaded {} scripts on {} server(s)",
                done.scripts, done.servers
            );
            let servers = redis_script::function::preload_libraries(&redis.conn, libraries).await?;
            println!(
                "loaded {} libraries on {servers} server(s)",
                libraries.len()
            );
        }
        Some(other) => {
            return Err(format!("unknown option {other}; use --missing or --preload").into());
        }
        None => {}
    }
    let missing = redis_script::missing(&redis.conn).await?;
    println!(
        "{} of {} not cached on the server",
        missing.len(),
        scripts.len()
    );
    for m in missing {
        println!(
            "missing {} {}",
            m.script.sha1(),
            m.script.name().unwrap_or_default()
        );
    }
    let missing = redis_script::function::missing_libraries(&redis.conn, libraries).await?;
    println!(
        "{} of {} libraries missing on the server",
        missing.len(),
        libraries.len()
    );
    for m in missing {
        println!("missing library {}", m.library.loaded_name());
    }
    Ok(())
}
