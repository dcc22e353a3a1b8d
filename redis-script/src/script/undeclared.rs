//! The positional call, `exec(conn, keys, args)`, of a script that declares no parameters, and the
//! fewest keys and arguments its type may say it reads.

use crate::args::Args;

/// The parameters of a script that declares none: it is called with `exec(conn, keys, args)`. The
/// default of the second type parameter of [`Script`](crate::Script),
/// [`ScriptRO`](crate::ScriptRO), [`Function`](crate::Function) and
/// [`FunctionRO`](crate::FunctionRO).
///
/// `KEYS` and `ARGS` are the fewest keys and arguments every call must pass: `0`, nothing said, for
/// a `Script<T>`; what the script reads on every run (its [arity](crate::script#arity)) when its
/// type names it, as [`lua_script!`](crate::lua_script) (or [`lua_library!`](crate::lua_library)
/// for a function) checks: the build fails on any other number, and its message gives the right
/// one. A call whose keys or arguments are an array, a tuple or `()` (a count the compiler knows)
/// and fall short then does not build either; a slice or a `Vec` is checked when the call is made,
/// as for every script.
///
/// ```no_run
/// use redis_script::script::Undeclared;
/// use redis_script::{Script, lua_script};
///
/// // `lock.lua` reads KEYS[1], ARGV[1] and ARGV[2] on every run.
/// static LOCK: Script<i64, Undeclared<1, 2>> = lua_script!("../../../examples/lua/lock.lua");
///
/// # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
/// let taken = LOCK.exec(&conn, ["lock:report"], ("worker-1", 30_000)).await?;
/// // LOCK.exec(&conn, ["lock:report"], ["worker-1"]) does not build: an argument short.
/// # Ok(()) }
/// ```
///
/// ```compile_fail,E0080
/// use redis_script::script::Undeclared;
/// use redis_script::{Script, lua_script};
///
/// static LOCK: Script<i64, Undeclared<1, 2>> = lua_script!("../../../examples/lua/lock.lua");
///
/// fn take(conn: &redis::aio::MultiplexedConnection) {
///     let _ = LOCK.exec(conn, ["lock:report"], ["worker-1"]);
/// }
/// # fn main() { let _: fn(&redis::aio::MultiplexedConnection) = take; }
/// ```
///
/// ```compile_fail,E0080
/// // A type that says more (or less) than the script reads does not build either.
/// static LOCK: redis_script::Script<i64, redis_script::script::Undeclared<2, 2>> =
///     redis_script::lua_script!("../../../examples/lua/lock.lua");
/// # fn main() { let _ = &LOCK; }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Undeclared<const KEYS: usize = 0, const ARGS: usize = 0>;

/// The second type parameter of a script or function called positionally, `Undeclared<KEYS,
/// ARGS>`: what its calls must pass.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not what a positional script reads",
    label = "`lua_script!(\"file.lua\")` is a `Script<T>`, or a `Script<T, Undeclared<KEYS, ARGS>>` naming what it reads on every run",
    note = "a struct of parameters comes with the item form, `lua_script! {{ static NAME: Script<T, Params> = \"file.lua\"; }}`, for a file that declares them"
)]
pub trait Positional {
    /// `(KEYS, ARGS)`.
    const READS: (usize, usize);
}

impl<const KEYS: usize, const ARGS: usize> Positional for Undeclared<KEYS, ARGS> {
    const READS: (usize, usize) = (KEYS, ARGS);
}

/// Fails the build of a positional call passing `K` keys and `A` arguments to a script of
/// `Undeclared<KEYS, ARGS>` (`min` is `(KEYS, ARGS)`), when the compiler knows either count and it
/// is short. Evaluated where
/// the call is compiled (`cargo build`, `cargo test`; `cargo check` does not evaluate it), in an
/// inline `const` block: the error names this function, and its note the call.
pub(crate) const fn enough<K: Args + ?Sized, A: Args + ?Sized>(min: (usize, usize)) {
    if let Some(keys) = K::COUNT {
        assert!(
            keys >= min.0,
            "this call passes fewer keys than the script reads on every run: the script's type, \
             `Undeclared<KEYS, ARGS>`, names how many it needs (see the note below for the call)"
        );
    }
    if let Some(args) = A::COUNT {
        assert!(
            args >= min.1,
            "this call passes fewer arguments than the script reads on every run: the script's \
             type, `Undeclared<KEYS, ARGS>`, names how many it needs (see the note below for the \
             call)"
        );
    }
}
