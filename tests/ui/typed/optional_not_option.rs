// An optional argument is an `Option`: a plain value is not one.
redis_script::lua_library! {
    static SHAPES: redis_script::Library = "../../../examples/lua/bump.lua";
    static BUMP: redis_script::Function<Bumped, Bump> = "bump";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<Bumped> {
    BUMP.call(conn, Bump { counter: "c", by: 5 }).await
}

fn main() {
    let _ = (&SHAPES, call);
}
