// The same minimum holds for an entry of a batch.
redis_script::lua_script! {
    static HITS: redis_script::Script<i64, Hits> = "../../../examples/lua/hits.lua";
}

fn batch() {
    let mut pipe = redis_script::Pipeline::new();
    let _ = pipe.exec(&HITS, [] as [&str; 0], [3600]);
}

fn main() {
    let _: fn() = batch;
}
