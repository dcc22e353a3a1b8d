// A function that declares nothing, its type naming what it reads on every run.
use redis_script::script::Undeclared;
use redis_script::{BatchFunction, Function, Library, Pipeline, Transaction, lua_library};

lua_library! {
    static POSITIONAL: Library = "../../lua/positional_library.lua";
    static TOUCH: Function<i64, Undeclared<2, 1>> = "touch";
    // Untyped: no minimum in the type, checked when the call is made.
    static TOUCH_ANY: Function<i64> = "touch";
    static TOUCH_SAYS_NOTHING: Function<i64, redis_script::script::Undeclared> = "touch";
}

fn queue<'a, F: BatchFunction<i64>>(pipe: &mut Pipeline<'a>, function: &'a F) {
    let _ = pipe.call(function, ["a", "b"], ["v"]);
}

fn calls(conn: &redis::aio::MultiplexedConnection) {
    let _ = TOUCH.call(conn, ["a", "b"], ["v"]);
    let _ = TOUCH.call(conn, vec!["a"], ["v"]);
    let _ = TOUCH_ANY.call(conn, ["a"], ());
    let _ = TOUCH_SAYS_NOTHING.call(conn, (), ());
    let mut transaction = Transaction::new();
    let _ = transaction.call(&TOUCH, ["a", "b", "c"], ("v", 1));
    let mut pipe = Pipeline::new();
    let _ = pipe.call(&TOUCH_ANY, (), ());
    queue(&mut pipe, &TOUCH);
    let _ = &POSITIONAL;
}

fn main() {
    let _: fn(&redis::aio::MultiplexedConnection) = calls;
}
