// A declared function's argument of the wrong type.
redis_script::lua_library! {
    static SEED: redis_script::Library = "../../../examples/lua/seed_library.lua";
    static INCR_TTL: redis_script::Function<i64, IncrTtl> = "incr_ttl";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<i64> {
    INCR_TTL.call(conn, IncrTtl { counter: "views", ttl: "an hour" }).await
}

fn main() {
    let _ = (&SEED, call);
}
