// A function that declares nothing, typed with a name: the name is what it reads on every run.
use redis_script::script::Undeclared;
use redis_script::{Function, Library, Pipeline, Transaction, lua_library};

lua_library! {
    static POSITIONAL: Library = "../../lua/positional_library.lua";
    static TOUCH: Function<i64, Touch> = "touch";
    // Untyped: no minimum in the type, checked when the call is made.
    static TOUCH_ANY: Function<i64> = "touch";
}

const _: Undeclared<2, 1> = Touch {};

fn calls(conn: &redis::aio::MultiplexedConnection) {
    let _ = TOUCH.call(conn, ["a", "b"], ["v"]);
    let _ = TOUCH.call(conn, vec!["a"], ["v"]);
    let _ = TOUCH_ANY.call(conn, ["a"], ());
    let mut transaction = Transaction::new();
    let _ = transaction.call(&TOUCH, ["a", "b", "c"], ("v", 1));
    let mut pipe = Pipeline::new();
    let _ = pipe.call(&TOUCH_ANY, (), ());
    let _ = &POSITIONAL;
}

fn main() {
    let _: fn(&redis::aio::MultiplexedConnection) = calls;
}
