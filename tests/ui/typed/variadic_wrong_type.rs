// A variadic argument is a slice of its declared type.
redis_script::lua_script! {
    static ADD: redis_script::Script<i64, Amounts> = "../../lua/typed_amounts.lua";
}

async fn call(conn: &redis::aio::MultiplexedConnection) -> redis_script::Result<i64> {
    ADD.exec(conn, Amounts { counter: "c", seen: "s", amounts: &["5", "6"] }).await
}

fn main() {
    let _ = call;
}
