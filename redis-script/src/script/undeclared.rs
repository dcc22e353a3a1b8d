//! The positional call, `exec(conn, keys, args)`, of a script that declares no parameters, and the
//! fewest keys and arguments its type may say it reads.

use crate::args::Args;

/// The parameters of a script that declares none: it is called with `exec(conn, keys, args)`. The
/// default of the second type parameter of [`Script`](crate::Script),
/// [`ScriptRO`](crate::ScriptRO), [`Function`](crate::Function) and
/// [`FunctionRO`](crate::FunctionRO).
///
/// `KEYS` and `ARGS` are the fewest keys and arguments every call must pass: `0` (any) for a
/// `Script<T>`, what the script reads on every run (its [arity](crate::script#arity)) for one the
/// item form of [`lua_script!`](crate::lua_script) defines. When they are in the type, a call whose
/// keys or arguments are an array, a tuple or `()` (a count the compiler knows) and fall short does
/// not build; a slice or a `Vec` is checked when the call is made, as for every script.
///
/// ```no_run
/// redis_script::lua_script! {
///     // `hits.lua` reads KEYS[1] on every run and ARGV[1] on the first hit only:
///     // the macro defines `type Hits = Undeclared<1, 0>`.
///     static HITS: redis_script::Script<i64, Hits> = "../../../examples/lua/hits.lua";
/// }
///
/// # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
/// let hits = HITS.exec(&conn, ["hits:home"], [3600]).await?;
/// // HITS.exec(&conn, (), [3600]) does not build: a key short.
/// # Ok(()) }
/// ```
///
/// ```compile_fail,E0080
/// redis_script::lua_script! {
///     static HITS: redis_script::Script<i64, Hits> = "../../../examples/lua/hits.lua";
/// }
///
/// fn count(conn: &redis::aio::MultiplexedConnection) {
///     let _ = HITS.exec(conn, (), [3600]);
/// }
/// # fn main() { let _: fn(&redis::aio::MultiplexedConnection) = count; }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Undeclared<const KEYS: usize = 0, const ARGS: usize = 0>;

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
