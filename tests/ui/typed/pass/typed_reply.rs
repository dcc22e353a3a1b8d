use redis_script::{Pipeline, Script, lua_script};

lua_script! {
    /// A rate limiter whose reply is read by field.
    pub static LIMIT: Script<Limited, Limit> = "../../../lua/reply_limit.lua";
}

// The expression form checks the literal returns too, and decodes into the caller's type.
static UNNAMED: Script<(bool, i64, i64)> = lua_script!("../../../lua/reply_limit.lua");

async fn calls(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
    let limited: Limited = LIMIT.exec(conn, Limit { bucket: "rate:alice", limit: 100, window: 60 }).await?;
    let Limited { allowed, remaining, reset } = limited.clone();
    let _: (bool, i64, i64) = (allowed, remaining, reset);
    let _ = format!("{limited:?}");
    let _ = UNNAMED.exec(conn, ["rate:bob"], (10, 60)).await?;

    let mut pipe = Pipeline::new();
    let queued = pipe.exec_typed(&LIMIT, Limit { bucket: "rate:carol", limit: 1, window: 1 });
    let _: Limited = pipe.run(conn).await?.take(queued)?;
    Ok(())
}

fn main() {
    let _ = calls;
}
