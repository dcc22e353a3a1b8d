// Too few: a parameter left out names itself.
redis_script::lua_script! {
    static RATE_LIMIT: redis_script::Script<(i64, i64), RateLimit> = "../lua/typed_rate_limit.lua";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<(i64, i64)> {
    RATE_LIMIT.exec(conn, RateLimit { bucket: "rate:alice", limit: 100 }).await
}

fn main() {
    let _ = call;
}
