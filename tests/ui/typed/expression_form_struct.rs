// The expression form is the positional `Script<T>`: a struct can not be named for a file whose
// item form did not define it (here, another script's).
redis_script::lua_script! {
    static RATE_LIMIT: redis_script::Script<(i64, i64), RateLimit> = "../lua/typed_rate_limit.lua";
}

static OTHER: redis_script::Script<(i64, i64), RateLimit> =
    redis_script::lua_script!("../../../examples/lua/lock.lua");

fn main() {
    let _ = (&RATE_LIMIT, &OTHER);
}
