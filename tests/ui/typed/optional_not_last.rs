// An optional argument with another after it: a `None` would move that one into its place.
redis_script::lua_script! {
    static LOG: redis_script::Script<i64, Log> = "../lua/typed_optional_not_last.lua";
}

fn main() {}
