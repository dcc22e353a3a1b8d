// The lock's (ttl, token) swapped: each value lands on a parameter of another type.
redis_script::lua_script! {
    static LOCK: redis_script::Script<Option<String>, Lock> = "../lua/typed_lock.lua";
}

async fn call(conn: &redis::aio::MultiplexedConnection, token: &str, ttl: i64) -> redis_script::Result<Option<String>> {
    LOCK.exec(conn, Lock { lock: "lock:job", token: ttl, ttl: token }).await
}

fn main() {
    let _ = call;
}
