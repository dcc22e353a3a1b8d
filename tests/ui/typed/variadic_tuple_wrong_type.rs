// A variadic tuple's items are Rust tuples of the declared types, in order: swapped, they do not build.
redis_script::lua_script! {
    static SCORES: redis_script::Script<i64, Scores> = "../../lua/typed_scores.lua";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<i64> {
    SCORES
        .exec(conn, Scores { board: "b", entries: &[("alice", 1.5)] })
        .await
}

fn main() {
    let _ = call;
}
