// A field the `---@return` line does not declare.
redis_script::lua_script! {
    static LIMIT: redis_script::Script<Limited, Limit> = "../../lua/reply_limit.lua";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<i64> {
    let limited = LIMIT.exec(conn, Limit { bucket: "rate:alice", limit: 100, window: 60 }).await?;
    Ok(limited.left)
}

fn main() {
    let _ = call;
}
