// A callback the checks can not read (a field of a table) reads nothing as far as they can tell:
// its type can only say so.
redis_script::lua_library! {
    static OPAQUE: redis_script::Library = "../lua/positional_opaque.lua";
    static HANDLER: redis_script::Function<i64, redis_script::script::Undeclared<1, 1>> = "opaque";
}

fn main() {
    let _ = (&OPAQUE, &HANDLER);
}
