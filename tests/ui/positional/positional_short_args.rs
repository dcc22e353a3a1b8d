// A function that reads keys[1], keys[2] and args[1] on every run, called with its two keys and no
// argument: does not build.
redis_script::lua_library! {
    static POSITIONAL: redis_script::Library = "../lua/positional_library.lua";
    static TOUCH: redis_script::Function<i64, redis_script::script::Undeclared<2, 1>> = "touch";
}

fn touch(conn: &redis::aio::MultiplexedConnection) {
    let _ = TOUCH.call(conn, ["a", "b"], ());
}

fn main() {
    let _: fn(&redis::aio::MultiplexedConnection) = touch;
}
