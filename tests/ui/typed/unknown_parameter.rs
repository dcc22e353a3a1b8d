// Too many: a parameter the script does not declare.
redis_script::lua_script! {
    static RATE_LIMIT: redis_script::Script<(i64, i64), RateLimit> = "../lua/typed_rate_limit.lua";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<(i64, i64)> {
    let params = RateLimit { bucket: "rate:alice", limit: 100, window: 60, burst: 10 };
    RATE_LIMIT.exec(conn, params).await
}

fn main() {
    let _ = call;
}
