// `lock.lua` reads KEYS[1] on every run: a call with no key does not build.
use redis_script::script::Undeclared;

static LOCK: redis_script::Script<i64, Undeclared<1, 2>> =
    redis_script::lua_script!("../../../examples/lua/lock.lua");

fn take(conn: &redis::aio::MultiplexedConnection) {
    let _ = LOCK.exec(conn, (), ("owner", 30_000));
}

fn main() {
    let _: fn(&redis::aio::MultiplexedConnection) = take;
}
