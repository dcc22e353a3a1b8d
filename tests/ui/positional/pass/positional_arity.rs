// A script that declares nothing, and whose names can not be inferred, gets what it reads on every
// run as its type: `Undeclared<KEYS, ARGS>`. Calls that pass enough build, whatever their shape;
// the static is still a script everywhere one is taken.
use redis_script::script::Undeclared;
use redis_script::{Pipeline, Script, ScriptRef};

redis_script::lua_script! {
    // KEYS[1] on every run, ARGV[1] on the first hit only.
    static HITS: Script<i64, Hits> = "../../../../examples/lua/hits.lua";
}

redis_script::lua_script! {
    // Keys read in a loop: no minimum.
    static DELETE: Script<i64, Delete> = "../../lua/typed_variadic.lua";
}

const _: Undeclared<1, 0> = Hits {};
const _: Undeclared<0, 0> = Delete {};

fn calls(conn: &redis::aio::MultiplexedConnection) {
    let _ = HITS.exec(conn, ["hits:home"], [3600]);
    let _ = HITS.exec(conn, ["hits:home"], ());
    let _ = HITS.exec(conn, ("hits:home", "more"), (3600, "more"));
    let _ = HITS.eval(conn, &["hits:home"], ());
    let _ = HITS.evalsha(conn, ["hits:home"], ());
    // Counts only the value knows are checked when the call is made.
    let _ = HITS.exec(conn, Vec::<String>::new(), ());
    let _ = HITS.exec(conn, &["hits:home"][..], ());
    let _ = DELETE.exec(conn, (), ());
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&HITS, ["hits:home"], [3600]);
    let _ = pipe.exec(&DELETE, (), ());
    let _ = ScriptRef::from(&HITS);
    let _ = redis_script::production::preload_scripts(conn, [ScriptRef::from(&HITS)]);
}

fn main() {
    let _: fn(&redis::aio::MultiplexedConnection) = calls;
}
