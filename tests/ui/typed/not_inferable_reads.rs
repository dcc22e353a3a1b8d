// No annotations, no names to infer, and keys it reads on every run: the message gives the
// positional type to write.
redis_script::lua_script! {
    static LOCK: redis_script::Script<i64, Lock> = "../../../examples/lua/lock.lua";
}

fn main() {
    let _ = &LOCK;
}
