// A function typed with a parameters struct must declare its keys and arguments.
redis_script::lua_library! {
    static SEED: redis_script::Library = "../../../examples/lua/seed_library.lua";
    static BATCH_INCR: redis_script::Function<Vec<i64>, BatchIncr> = "batch_incr";
}

fn main() {
    let _ = (&SEED, &BATCH_INCR);
}
