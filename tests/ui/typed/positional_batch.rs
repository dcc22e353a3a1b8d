// Nor in a batch: `exec` takes undeclared scripts, `exec_typed` declared ones.
redis_script::lua_script! {
    static RATE_LIMIT: redis_script::Script<(i64, i64), RateLimit> = "../lua/typed_rate_limit.lua";
}

fn main() {
    let mut pipe = redis_script::Pipeline::new();
    let _ = pipe.exec(&RATE_LIMIT, ["rate:alice"], (100, 60));
}
