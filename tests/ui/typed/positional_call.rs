// A declared script is not called with positional keys and arguments any more.
redis_script::lua_script! {
    static RATE_LIMIT: redis_script::Script<(i64, i64), RateLimit> = "../lua/typed_rate_limit.lua";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<(i64, i64)> {
    RATE_LIMIT.exec(conn, ["rate:alice"], (100, 60)).await
}

fn main() {
    let _ = call;
}
