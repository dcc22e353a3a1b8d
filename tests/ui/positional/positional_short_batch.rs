// The same minimum holds for an entry of a batch.
use redis_script::script::Undeclared;

static LOCK: redis_script::Script<i64, Undeclared<1, 2>> =
    redis_script::lua_script!("../../../examples/lua/lock.lua");

fn batch() {
    let mut pipe = redis_script::Pipeline::new();
    let _ = pipe.exec(&LOCK, ["lock:a"], ["owner"]);
}

fn main() {
    let _: fn() = batch;
}
