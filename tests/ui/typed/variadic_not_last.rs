// A variadic key with another key after it: that one would have no fixed position.
redis_script::lua_script! {
    static PUSH: redis_script::Script<i64, Push> = "../lua/typed_variadic_not_last.lua";
}

fn main() {}
