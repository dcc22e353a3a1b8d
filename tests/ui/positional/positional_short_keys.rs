// `hits.lua` reads KEYS[1] on every run: a call with no key does not build.
redis_script::lua_script! {
    static HITS: redis_script::Script<i64, Hits> = "../../../examples/lua/hits.lua";
}

fn count(conn: &redis::aio::MultiplexedConnection) {
    let _ = HITS.exec(conn, (), [3600]);
}

fn main() {
    let _: fn(&redis::aio::MultiplexedConnection) = count;
}
