// A type that names another arity than the script's: the message gives the right one.
use redis_script::script::Undeclared;

static LOCK: redis_script::Script<i64, Undeclared<2, 2>> =
    redis_script::lua_script!("../../../examples/lua/lock.lua");

fn main() {
    let _ = &LOCK;
}
