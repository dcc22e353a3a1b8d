// A blocking call is held to it too, the error pointing at the call.
use redis_script::script::Undeclared;

static LOCK: redis_script::Script<i64, Undeclared<1, 2>> =
    redis_script::lua_script!("../../../examples/lua/lock.lua");

fn take(conn: &mut redis::Connection) {
    let _ = LOCK.exec_blocking(conn, ["lock:a"], ["owner"]);
}

fn main() {
    let _: fn(&mut redis::Connection) = take;
}
