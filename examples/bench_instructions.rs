//! The client-side cost of a call in instructions, for `bench/instructions.sh` to count under
//! `valgrind --tool=callgrind` (a count, unlike a time, does not depend on what else the machine does).
//!
//! `bench_instructions <mode> <n> [size]` starts a throwaway `redis-server` (not traced), warms the script up,
//! then makes `n` calls in `mode`:
//!
//! - `exec`: `Script::exec`, one call at a time; `invoke`: the `redis` crate's `Script::invoke_async`;
//! - `pipeline`: `n` times one `Pipeline` of `size` (default 100) `exec`, each on a key of its own;
//!   `pipe`: the `redis` crate's `pipe()` with `load_script` and `size` `invoke_script`;
//! - `exec_blocking`: `Script::exec_blocking` on a blocking `redis::Connection`; `invoke_blocking`:
//!   the `redis` crate's blocking `Script::invoke` on one;
//! - `sizes`: prints the size of each future instead.

use redis::AsyncConnectionConfig;
use redis_script::{Script, lua_script};
use redis_script_examples::{BoxError, pipe_per_key, pipeline_per_key, report, throwaway};

static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "sizes".to_owned());
    let n: usize = args.next().map_or(Ok(1000), |n| n.parse())?;
    let size: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    let keys: Vec<String> = (0..size).map(|i| format!("bench:n:{i}")).collect();
    let redis = throwaway().await?;
    // Under valgrind the client is slow; the server is not, but no reply may time out.
    let config = AsyncConnectionConfig::new().set_response_timeout(None);
    let conn = redis::Client::open(redis.url.as_str())?
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    let anchor = redis::Script::new(INCR_TTL.script());
    INCR_TTL.exec(&conn, ["bench:key"], [3600]).await?;
    match mode.as_str() {
        "exec" => {
            for _ in 0..n {
                INCR_TTL.exec(&conn, ["bench:key"], [3600]).await?;
            }
        }
        "invoke" => {
            for _ in 0..n {
                let _: i64 = anchor
                    .key("bench:key")
                    .arg(3600)
                    .invoke_async(&mut conn.clone())
                    .await?;
            }
        }
        "pipeline" => {
            for _ in 0..n {
                assert_eq!(pipeline_per_key(&conn, &INCR_TTL, &keys).await?.len(), size);
            }
        }
        "pipe" => {
            for _ in 0..n {
                assert_eq!(pipe_per_key(&conn, &anchor, &keys).await?.len(), size);
            }
        }
        "exec_blocking" => {
            let mut blocking = redis::Client::open(redis.url.as_str())?.get_connection()?;
            for _ in 0..n {
                INCR_TTL.exec_blocking(&mut blocking, ["bench:key"], [3600])?;
            }
        }
        "invoke_blocking" => {
            let mut blocking = redis::Client::open(redis.url.as_str())?.get_connection()?;
            for _ in 0..n {
                let _: i64 = anchor.key("bench:key").arg(3600).invoke(&mut blocking)?;
            }
        }
        "sizes" => {
            let exec = INCR_TTL.exec(&conn, ["bench:key"], [3600]);
            let mut c = conn.clone();
            let invocation = anchor.key("bench:key");
            let invoke = invocation.invoke_async::<i64>(&mut c);
            println!("exec future:         {} bytes", size_of_val(&exec));
            println!("invoke_async future: {} bytes", size_of_val(&invoke));
        }
        other => {
            return Err(format!(
                "unknown mode {other}: exec, invoke, pipeline, pipe, exec_blocking, \
                     invoke_blocking, sizes"
            )
            .into());
        }
    }
    Ok(())
}
