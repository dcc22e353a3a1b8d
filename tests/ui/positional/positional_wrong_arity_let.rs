// A wrong arity in a `let` fails the build too, not the run.
use redis_script::script::Undeclared;

fn main() {
    let lock: redis_script::Script<i64, Undeclared<5, 5>> =
        redis_script::lua_script!("../../../examples/lua/lock.lua");
    let _ = lock;
}
