// No annotations, and the keys are read in a loop: nothing to name.
redis_script::lua_script! {
    static DELETE: redis_script::Script<i64, Delete> = "../lua/typed_variadic.lua";
}

fn main() {
    let _ = &DELETE;
}
