// A value of the wrong type: the limit is declared an integer.
redis_script::lua_script! {
    static RATE_LIMIT: redis_script::Script<(i64, i64), RateLimit> = "../lua/typed_rate_limit.lua";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<(i64, i64)> {
    RATE_LIMIT.exec(conn, RateLimit { bucket: "rate:alice", limit: "100", window: 60 }).await
}

fn main() {
    let _ = call;
}
