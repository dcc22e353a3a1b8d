// Generated structs build warning-free whatever the script names its fields, and whatever the
// user names the structs, the names of the generated `Deserialize` impl's own items included.
#![deny(warnings)]

use redis_script::{Script, lua_script};

lua_script! {
    /// camelCase names, as the script writes them.
    pub static CAMEL: Script<Fields, D> = "../../lua/reply_camel_case.lua";
}

lua_script! {
    /// A reply struct named as the generic parameter of `Deserialize` is.
    pub static LIMIT: Script<A, Limit> = "../../../lua/reply_limit.lua";
}

async fn calls(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
    let Fields { requestCount, isAllowed } =
        CAMEL.exec(conn, D { userKey: "user:1", maxCount: 10 }).await?;
    let _ = (requestCount, isAllowed);
    let A { allowed, remaining, reset } =
        LIMIT.exec(conn, Limit { bucket: "rate:alice", limit: 100, window: 60 }).await?;
    let _ = (allowed, remaining, reset);
    Ok(())
}

fn main() {
    let _ = calls;
}
