// A function's type that names another arity than the function's.
redis_script::lua_library! {
    static POSITIONAL: redis_script::Library = "../lua/positional_library.lua";
    static TOUCH: redis_script::Function<i64, redis_script::script::Undeclared<1, 1>> = "touch";
}

fn main() {
    let _ = (&POSITIONAL, &TOUCH);
}
