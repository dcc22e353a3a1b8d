use redis_script::{Pipeline, Script, ScriptRO, Transaction, lua_script};

lua_script! {
    /// A fixed-window rate limiter.
    pub static RATE_LIMIT: Script<(i64, i64), RateLimit> = "../../lua/typed_rate_limit.lua";
}

lua_script! {
    static LOCK: Script<Option<String>, Lock> = "../../lua/typed_lock.lua", name = "lock";
}

// Inferred from `local post = KEYS[1]` / `local field = ARGV[1]`; read-only by its type.
lua_script! {
    static STATS: ScriptRO<Option<String>, Stats> = "../../lua/typed_stats.lua";
}

// Builds its key from ARGV, on purpose.
lua_script! {
    static SEEN: Script<i64, Seen> = "../../lua/typed_key_origin.lua", keys_from_keys = false;
}

// No keys, no arguments.
lua_script! {
    static PING: Script<String, Ping> = "../../lua/typed_ping.lua";
}

// Undeclared scripts keep the positional call.
static UNTYPED: Script<i64> = lua_script!("../../lua/typed_variadic.lua");

async fn calls(conn: &redis::aio::MultiplexedConnection, user: String) -> redis_script::Result<()> {
    let bucket = format!("rate:{user}");
    let (_requests, _left) = RATE_LIMIT
        .exec(conn, RateLimit { window: 60, bucket: &bucket, limit: 100 })
        .await?;
    let _ = LOCK.exec(conn, Lock { lock: "lock:job", token: &user, ttl: 30_000 }).await?;
    let _ = STATS.exec(conn, Stats { post: "post:1", field: "views" }).await?;
    let _ = SEEN.exec(conn, Seen { user: &user }).await?;
    let _ = PING.exec(conn, Ping {}).await?;
    let _ = UNTYPED.exec(conn, ["a", "b"], ()).await?;

    let mut pipe = Pipeline::new();
    let limit = pipe.exec_typed(&RATE_LIMIT, RateLimit { bucket: &bucket, limit: 10, window: 1 });
    let stats = pipe.exec_typed(&STATS, Stats { post: "post:1", field: "likes" });
    let deleted = pipe.exec(&UNTYPED, ["a"], ());
    let mut replies = pipe.run(conn).await?;
    let (_, _): (i64, i64) = replies.take(limit)?;
    let _: Option<String> = replies.take(stats)?;
    let _: i64 = replies.take(deleted)?;

    let mut tx = Transaction::new();
    let lock = tx.exec_typed(&LOCK, Lock { lock: "lock:job", token: "t", ttl: 10 });
    let _: Option<String> = tx.run(conn).await?.take(lock)?;
    Ok(())
}

fn main() {
    let _ = calls;
}
