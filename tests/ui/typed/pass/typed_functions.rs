use redis_script::{Function, FunctionRO, Library, Pipeline, lua_library};

lua_library! {
    static SEED: Library = "../../../../examples/lua/seed_library.lua";
    static INCR_TTL: Function<i64, IncrTtl> = "incr_ttl";
    static POST_STATS: FunctionRO<(i64, i64, f64), Post> = "post_stats";
    // Undeclared functions keep the positional call.
    static BATCH_INCR: Function<Vec<i64>> = "batch_incr";
}

async fn calls(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
    let _ = INCR_TTL.call(conn, IncrTtl { counter: "views", ttl: 60 }).await?;
    let _ = POST_STATS.call(conn, Post { post: "post:1" }).await?;
    let _ = BATCH_INCR.call(conn, ["a", "b"], ()).await?;
    let mut pipe = Pipeline::new();
    let n = pipe.call_typed(&INCR_TTL, IncrTtl { counter: "views", ttl: 60 });
    let _: i64 = pipe.run(conn).await?.take(n)?;
    let _ = &SEED;
    Ok(())
}

fn main() {
    let _ = calls;
}
