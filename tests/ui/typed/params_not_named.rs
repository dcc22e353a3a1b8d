// The item form names the struct of the keys and arguments in the static's type.
redis_script::lua_script! {
    static RATE_LIMIT: redis_script::Script<(i64, i64)> = "../lua/typed_rate_limit.lua";
}

fn main() {
    let _ = &RATE_LIMIT;
}
