// A script's type may name what it reads on every run: calls that pass enough build, whatever their
// shape, and the static is still a script everywhere one is taken.
use redis_script::script::Undeclared;
use redis_script::{BatchScript, Pipeline, Script, ScriptRO, ScriptRef, Transaction, lua_script};

// KEYS[1], ARGV[1] and ARGV[2] on every run.
static LOCK: Script<i64, Undeclared<1, 2>> = lua_script!("../../../../examples/lua/lock.lua");
// Keys read in a loop: no minimum, so the type says nothing.
static DELETE: Script<i64, Undeclared> = lua_script!("../../lua/typed_variadic.lua");
// Saying nothing is always allowed.
static LOCK_ANY: Script<i64> = lua_script!("../../../../examples/lua/lock.lua");
static READ: ScriptRO<Option<String>, Undeclared<1>> =
    lua_script!("../../../lua/arity_readonly.lua", readonly);

/// Generic over what it queues: each script's minimum holds where this is compiled for it.
fn queue<'a, S: BatchScript<i64>>(pipe: &mut Pipeline<'a>, script: &'a S) {
    let _ = pipe.exec(script, ["lock:a"], ("owner", 1));
}

fn takes(script: &Script<i64, Undeclared<1, 2>>) -> &str {
    script.sha1()
}

fn calls(conn: &redis::aio::MultiplexedConnection) {
    let _ = LOCK.exec(conn, ["lock:a"], ("owner", 30_000));
    let _ = LOCK.exec(conn, ("lock:a", "more"), ["owner", "30000", "more"]);
    let _ = LOCK.eval(conn, &["lock:a"], &("owner", 1));
    let _ = LOCK.evalsha(conn, ["lock:a"], ["owner", "1"]);
    // Counts only the value knows are checked when the call is made.
    let _ = LOCK.exec(conn, Vec::<String>::new(), Vec::<i64>::new());
    let _ = LOCK.exec(conn, &["lock:a"][..], &["owner"][..]);
    let _ = LOCK_ANY.exec(conn, (), ());
    let _ = DELETE.exec(conn, (), ());
    let _ = READ.exec(conn, ["k"], ());
    let _ = READ.eval_ro(conn, ["k"], ());
    let mut pipe = Pipeline::new();
    let _ = pipe.exec(&LOCK, ["lock:a"], ("owner", 1));
    let _ = pipe.exec(&DELETE, (), ());
    queue(&mut pipe, &LOCK);
    queue(&mut pipe, &LOCK_ANY);
    let mut transaction = Transaction::new();
    let _ = transaction.exec(&LOCK, ["lock:a"], ("owner", 1));
    let _ = ScriptRef::from(&LOCK);
    let _ = redis_script::production::preload_scripts(conn, [ScriptRef::from(&LOCK)]);
    let _ = takes(&LOCK);
    let _ = format!("{:?}", LOCK.clone());
}

fn local(conn: &redis::aio::MultiplexedConnection) {
    // The same rule in a `let`: the type names what the script reads, held to the file.
    let lock: Script<i64, Undeclared<1, 2>> = lua_script!("../../../../examples/lua/lock.lua");
    let _ = lock.exec(conn, ["lock:a"], ("owner", 1));
}

fn blocking(conn: &mut redis::Connection) {
    let _ = LOCK.exec_blocking(&mut *conn, ["lock:a"], ("owner", 1));
}

fn main() {
    let _: fn(&redis::aio::MultiplexedConnection) = calls;
    let _: fn(&mut redis::Connection) = blocking;
    let _: fn(&redis::aio::MultiplexedConnection) = local;
}
