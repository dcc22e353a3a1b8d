#![doc = include_str!("lib.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The guides link the items of every feature (docs.rs builds with all of them); with some left out,
// those links have nothing to point at, which is not a mistake in the docs.
#![cfg_attr(
    not(all(
        feature = "rest",
        feature = "cluster",
        feature = "r2d2",
        feature = "tracing"
    )),
    allow(rustdoc::broken_intra_doc_links)
)]

// The modules, by floor (CONTRIBUTING.md, "Layers"; `tests/layers.rs` holds the crate to it):
//
// - the ground floor, which imports nothing above it: `args`, `reply`, `command`, `command_table`,
//   `label`, `de`, `error`, `trace`;
// - the transport seam: `transport`;
// - the rules written once above the seam: `script`, `function`, `batch`, `preload`, `registry`;
// - the transports, which implement the seam and know nothing of the rules: `resp`, `rest`.
mod args;
pub mod batch;
pub mod blocking;
mod command;
mod command_table;
mod de;
pub mod error;
pub mod function;
mod label;
mod preload;
pub mod production;
#[cfg(feature = "registry")]
mod registry;
mod reply;
#[cfg(feature = "resp")]
mod resp;
#[cfg(any(feature = "rest", feature = "rest-no-provider"))]
pub mod rest;
pub mod script;
#[cfg(feature = "tracing")]
mod trace;
pub mod transport;

// What application code uses, at the root (shown there in full, not as a list of re-exports).
pub use args::{Arg, ArgList, Args};
#[doc(inline)]
pub use batch::{Limits, Pipeline, Queued, Replies, ScriptLoading, Transaction};
pub use de::from_reply;
#[doc(inline)]
pub use error::{BatchErrorKind, Error, Result, TransportErrorKind};
#[doc(inline)]
pub use function::{Function, FunctionRO, Library};
#[cfg(feature = "registry")]
pub use preload::{missing, preload};
#[cfg(feature = "registry")]
pub use registry::{libraries, scripts};
pub use reply::Reply;
#[doc(inline)]
pub use script::{Script, ScriptRO};
#[doc(inline)]
pub use transport::{BlockingTransport, DynTransport, Transport};

#[cfg(feature = "resp")]
pub use redis;
#[cfg(feature = "cluster")]
pub use resp::{BlockingCluster, Cluster};

// Paths of the previous release, kept for it: each item now lives in the module named (see the
// CHANGELOG).
#[doc(hidden)]
pub use args::Values;
#[doc(hidden)]
pub use batch::{BatchFunction, BatchScript, DeclaredFunction, DeclaredScript};
#[doc(hidden)]
pub use command::{Command, CommandName};
#[doc(hidden)]
pub use error::{
    BatchError, DecodeError, FailedLoad, LoadedScript, PreloadError, ScriptError, ServerError,
    TransportError,
};
#[doc(hidden)]
pub use function::{MissingLibrary, missing_libraries, preload_libraries};
#[doc(hidden)]
pub use production::{Missing, Preloaded, ScriptRef, missing_scripts, preload_scripts};
#[doc(hidden)]
#[cfg(feature = "registry")]
pub use registry::RegisteredScript;
#[doc(hidden)]
pub use script::{MAX_NAME_LEN, ScriptNameError};
#[doc(hidden)]
pub use transport::{
    Batch, BatchCommand, BatchGroup, BatchKeys, BatchReplies, BoxFuture, EntryKeys,
};

/// Reads a Lua file at compile time, checks it, and expands to a const [`Script<T>`] (or, with
/// `readonly`, a [`ScriptRO<T>`]) carrying its text and SHA-1: the compile-time checks.
///
/// The path is relative to the file that contains the macro call, as for `include_str!`. Editing the
/// Lua file rebuilds the crate.
///
/// ```
/// use redis_script::{lua_script, Script, ScriptRO};
///
/// static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");
/// static POST_STATS: ScriptRO<(i64, i64, f64)> =
///     lua_script!("../../examples/lua/post_stats.lua", readonly);
///
/// assert_eq!(INCR_TTL.sha1().len(), 40);
/// assert!(POST_STATS.script().contains("views"));
/// ```
///
/// A script that declares its keys and arguments (`---@key bucket`, `---@arg limit integer` at the
/// top of the file) is written in the item form, which names the struct of its parameters as the
/// static's second type parameter and defines it; its calls are then typed
/// ([declared parameters](crate::script#declared-parameters-from-execconn-keys-args-to-a-declared-script)):
///
/// ```
/// redis_script::lua_script! {
///     /// Fixed-window rate limit.
///     pub static RATE_LIMIT: redis_script::Script<Window, RateLimit> =
///         "../../examples/lua/rate_limit.lua";
/// }
///
/// let call = RateLimit { key: "rate:alice", limit: 100, window: 60 };
/// # let _ = call;
/// // The file declares its reply (`---@return {requests: integer, ttl: integer}`): the macro
/// // defines `Window` too, read by field name.
/// # fn read(Window { requests, ttl }: Window) -> i64 { requests + ttl }
/// ```
///
/// The expression form's type may name what the script reads on every run, for its positional
/// calls to be held to it when they compile ([arity](crate::script#arity)); any other number fails
/// the build:
///
/// ```
/// use redis_script::{Script, lua_script, script::Undeclared};
///
/// static LOCK: Script<i64, Undeclared<1, 2>> = lua_script!("../../examples/lua/lock.lua");
/// ```
///
/// Options, comma-separated after the path:
///
/// - `readonly`: a [`ScriptRO`], run with EVALSHA_RO / EVAL_RO; a write is an error.
/// - `commands = ["FT.SEARCH", ..]`, `readonly_commands = ["JSON.GET", ..]`: commands the table does
///   not know (modules), as writes or not.
/// - `servers = ["redis-7.0", "redis-8.2", "valkey-9.1"]`: every command must run on each server
///   named (by default, on any of them).
/// - `allow_key_locking`: accept Upstash's shebang flag `allow-key-locking`, which Redis refuses.
/// - `keys_from_keys`: every key a command is given must come from `KEYS` (see [below](#keys-from-keys-keys_from_keys));
///   on by default for a declared script, `keys_from_keys = false` turns it off.
/// - `name = "rate_limit"`: the script's [name](crate::production#names) (by default, the path as
///   written); at most 128 bytes of printable text.
///
/// # What is checked
///
/// The macro fails the build, pointing at the path literal, when Redis would refuse the script. The
/// rule is Redis's own: a script builds if and only if `SCRIPT LOAD` accepts it on Redis 7.0 to 8.2
/// and Valkey 9.1, and a differential test holds the macro to it.
///
/// - **The file**: it must exist, be a regular file (not a directory, device, FIFO or socket: those
///   are refused before they are opened), be UTF-8, not be empty, and hold at most 1 MiB.
/// - **Limits of the checks**, so that no input crashes the build or makes it take minutes: Redis has
///   none of them, and no script written by hand comes near them. At most 1 MiB per file (it is sent
///   whole with every `EVAL`); at most 1000 binary operators in one expression, counting those of the
///   expressions around it (the checks nest a level per operator, and Lua's compiler takes quadratic
///   time on long `and`/`or` chains: a 1.2 MB chain takes minutes); at most 1000 `elseif`s in one `if`
///   and 1000 `break`s in one loop (quadratic in Lua's compiler too). Each is a compile error naming
///   the limit and what to do instead. The costliest 1 MiB files under the limits take about 2.5 s to
///   check.
/// - **Lua 5.1 syntax, by Redis's own compiler**: the body is compiled by Lua 5.1.5, the version Redis
///   embeds, built from source with the crate (so a C compiler is needed, as for `ring`; nothing
///   else), loaded as Redis loads it: named `user_script`, after the shebang line, never as
///   precompiled bytecode, and with `[[` allowed inside `[[...]]` as in Redis's build. The message is
///   Redis's, the line is Redis's, and the column is found by asking the same compiler where the text
///   stops being valid. Lua 5.2+ syntax gets a hint: `goto`/`::labels::`, `//`, `&`, `|`, `~`, `<<`,
///   `>>` (use `bit.band`, `bit.lshift`, ...), `<const>`/`<close>`.
/// - **The shebang** `#!lua flags=...`, parsed as Redis parses it: only `no-writes`, `allow-oom`,
///   `allow-stale`, `no-cluster` and `allow-cross-slot-keys`; any other `#!` engine or option is an
///   error, as on the server. Upstash's `allow-key-locking` (a script that names every key in KEYS
///   then runs without Upstash's global lock) builds only with the option `allow_key_locking`, since
///   Redis refuses it: use it for scripts that run on Upstash alone.
/// - **Read-only scripts** (`readonly`, run with `EVAL_RO`/`EVALSHA_RO`): a shebang without
///   `no-writes` is an error (Redis refuses `EVAL_RO` on it), and so is any
///   `redis.call`/`redis.pcall` of a write command written as a string literal, also through an alias
///   (`local rcall = redis.call`).
/// - **Commands**, against a table read from real servers (Redis 7.0.15, Redis 8.2.3, Valkey 9.1.2;
///   `scripts/test` fails when the servers say something else): a name no covered server knows is an
///   error that suggests the nearest known ones (`unknown command INCRR: did you mean INCR or
///   INCRBY?`) before offering `commands = ["MODULE.CMD"]` (treated as writes) or
///   `readonly_commands = ["MODULE.CMD"]`; so is a command every covered server refuses inside
///   scripts (EVAL, MULTI, SUBSCRIBE, CONFIG, ...).
/// - **The modules Redis 8 bundles**: JSON (`JSON.*`), search and query (`FT.*`), time series
///   (`TS.*`), probabilistic structures (`BF.*`, `CF.*`, `CMS.*`, `TOPK.*`, `TDIGEST.*`) and vector
///   sets (`V*`) build by default, on Redis 8.2 (`servers = ["redis-7.0"]` or `["valkey-9.1"]` still
///   refuses them). Their write flags and key positions come from the modules' own sources at the
///   versions Redis 8.2 bundles, vector sets from Redis 8.2's `COMMAND`; a write among them is refused
///   in a read-only script.
/// - **Argument counts**: `redis.call('SET', KEYS[1])`, `redis.call('GET')`, `redis.call('XGROUP',
///   'CREATE', k)` are errors that quote Redis's "Wrong number of args calling Redis command from
///   script" and the command's syntax, from each command's arity in `COMMAND`. Only literal calls
///   with a known count: a last argument that expands (`unpack(t)`, a call, `...`) leaves the count
///   alone. A differential test runs every such call on every covered server with EVAL and holds the
///   check to the server's own refusal. The modules' 8.2 versions declare no arity to Redis; where a
///   module's handler refuses a count before anything else (`TS.ADD` takes at least 3 arguments,
///   `BF.CARD` exactly 1), the call is an error quoting the module's "wrong number of arguments"
///   and the syntax its docs give; the other module calls are not counted.
/// - **Lua globals removed by security releases** (`getfenv`, `setfenv`, `newproxy`: Redis 8.2.2 and
///   the patched 7.x releases no longer have them), checked per server from what each server's Lua
///   has.
/// - **NOSCRIPT errors**: a script that can itself return an error whose code is NOSCRIPT
///   (`redis.error_reply("NOSCRIPT ...")`, `{err = "NOSCRIPT ..."}`, `error({err = "NOSCRIPT ..."})`)
///   is an error, because `exec` would take it for "script not cached" and run the script a second
///   time.
///
/// Command names computed at run time (`redis.call(ARGV[1])`) are not checked. The checks after the
/// syntax are about what Redis finds only when the script runs (or, for NOSCRIPT, never): a script
/// they reject still loads. Every error names the place in the Lua file as compilers do,
/// `path/to/file.lua:LINE:COL:`, with the path relative to the directory cargo runs rustc in (the
/// workspace root, where `cargo build` prints its own paths from), so that a terminal or an editor
/// opens the file there. The checks are the crate `redis-script-check`, a library of its own
/// (`redis_script_check::check`), which never panics on any input; should anything inside it fail, the
/// macro reports a compile error naming the file instead of crashing.
///
/// A mistake in the script is a compile error at the macro call:
///
/// ```compile_fail
/// // The script calls INCR, a write, so it can not be read-only.
/// static BAD: redis_script::ScriptRO<i64> =
///     redis_script::lua_script!("../../examples/lua/incr_ttl.lua", readonly);
/// ```
///
/// ```text
/// error: lua/readonly_write.lua:3:3: SET writes, but this script is readonly (EVAL_RO); Redis would fail with "Write commands are not allowed from read-only scripts". Remove the write, or drop `readonly`
///  --> src/main.rs:3:39
///   |
/// 3 | static SCRIPT: ScriptRO = lua_script!("lua/readonly_write.lua", readonly);
///   |                                       ^^^^^^^^^^^^^^^^^^^^^^^^
/// ```
///
/// ```text
/// error: lua/goto.lua:2:23: Lua syntax error: '=' expected near 'continue' (Redis: "Error compiling script")
///          |
///        2 |   if i == 2 then goto continue end
///          |                       ^
///          = help: Redis runs Lua 5.1, which has no `goto` or `::labels::` (Lua 5.2); use a nested `if` or a function
///  --> src/main.rs:3:37
///   |
/// 3 | static SCRIPT: Script = lua_script!("lua/goto.lua");
///   |                                     ^^^^^^^^^^^^^^
/// ```
///
/// # Which servers: `servers = [...]`
///
/// By default a command builds when **any** covered server runs it in scripts, so scripts for current
/// servers build: `HEXPIRE` and the other hash-field expiration commands (Redis 7.4+, Valkey 9.0+),
/// `WAITAOF` (7.2+), and the blocking pops, which Redis 7.0 refuses inside scripts and 8.2 and Valkey
/// run without blocking. A command is a write if it writes on any server that runs it. To hold a
/// script to the servers you deploy on, name them; every listed server must then run each command:
///
/// ```
/// # use redis_script::{lua_script, Script};
/// static ON_SEVEN_AND_EIGHT: Script<i64> =
///     lua_script!("../../examples/lua/incr_ttl.lua", servers = ["redis-7.0", "redis-8.2"]);
/// ```
///
/// ```text
/// error: lua/expire_field.lua:2:8: Redis 7.0.15 does not know HEXPIRE, and servers = [..] asks for it; it runs in scripts on Redis 7.4.0+ (checked on Redis 8.2.3), Valkey 9.0.0+ (checked on Valkey 9.1.2). Drop that server from servers = [..], or avoid HEXPIRE
/// ```
///
/// The names are `redis-7.0`, `redis-8.2` and `valkey-9.1`. The table does not cover Upstash, whose
/// own implementation of the commands is not a server this project can run; a command Upstash lacks
/// fails there when the script runs.
///
/// # Keys from KEYS: `keys_from_keys`
///
/// A key a script builds itself (`'counter:' .. ARGV[1]`, `KEYS[1] .. ':meta'`, a literal, a value
/// read from Redis) works on one server and breaks elsewhere: Redis Cluster routes a script by the
/// slots of its `KEYS` (CROSSSLOT, or a key another node serves), ACL key patterns check only `KEYS`,
/// and proxies that route by `KEYS` miss it. Many production scripts do it on purpose (job queues keep
/// a prefix in `ARGV` and every key in one slot with a hash tag), and Redis runs them, so by default it
/// builds. With `keys_from_keys`, every key argument of a literal command (the command's key specs say
/// which arguments are keys) must come from `KEYS`: `KEYS[n]`, a local holding it, an element of
/// `KEYS` in a `for ... in ipairs(KEYS)` loop.
///
/// ```ignore
/// static LIMIT: Script<bool> = lua_script!("lua/limit.lua", keys_from_keys);
/// ```
///
/// ```text
/// error: lua/limit.lua:3:33: the key `key` (1st argument of INCR) is built from ARGV. Redis runs it on one server, but Redis Cluster routes a script by the keys in KEYS (this one may be in another slot: CROSSSLOT, or served by another node), ACL key patterns check only KEYS, and proxies that route by KEYS miss it. Pass every key in KEYS (build it in the client), or drop keys_from_keys
/// ```
///
/// A key concatenated onto a `KEYS` value (`KEYS[1] .. ':x'`) counts as built, not as from `KEYS`: it
/// keeps the slot only when `KEYS[1]` holds a hash tag `{...}`, which the macro can not see. A
/// literal key's error gives its slot (`CLUSTER KEYSLOT`): beside another literal key of another slot,
/// it says that no run using both works on Redis Cluster, whatever `KEYS` holds (with
/// `allow-cross-slot-keys`, only while one node serves both slots); beside keys of `KEYS`, it names
/// the hash tag they would need to share its slot. A value
/// that holds on some paths only (assigned in a branch or a loop, a function parameter, a global) is
/// not judged. Off by default, and an error rather than a warning when on: a proc macro on stable Rust
/// can warn only through a deprecated item, which rustc reports as "use of deprecated constant" and
/// hides in dependencies.
#[macro_export]
macro_rules! lua_script {
    ($($input:tt)*) => {
        $crate::__private::lua_script! { $crate; $($input)* }
    };
}

/// Reads a library of Redis Functions at compile time, checks it, and defines a static [`Library`]
/// and one static per function, each a [`Function<T>`] (FCALL) or a [`FunctionRO<T>`] (FCALL_RO)
/// with the reply type the caller chooses.
///
/// The first item names the library's file (relative to the file of the macro call, as for
/// `include_str!`), with the options of [`lua_script!`] that concern the checks (`commands`,
/// `readonly_commands`, `servers`, `allow_key_locking`) and `unversioned` (loaded under the name in
/// the file, for libraries other services call by name: see [shared
/// libraries](crate::function#shared-libraries) for what that costs a rolling deploy); each
/// following item names a function the library registers. A function whose keys, arguments and
/// reply are declared above its registration is a `Function<Reply, Params>`, called with the struct
/// of its parameters and read into the struct of its reply ([declared
/// functions](crate::function#declared-functions)).
///
/// ```
/// use redis_script::{Function, FunctionRO, Library, lua_library};
///
/// lua_library! {
///     /// The seed's examples as one library.
///     pub static SEED: Library = "../../examples/lua/seed_library.lua";
///     pub static INCR_TTL: Function<i64> = "incr_ttl";
///     pub static POST_STATS: FunctionRO<(i64, i64, f64)> = "post_stats";
/// }
///
/// assert_eq!(SEED.name(), "seed");
/// assert_eq!(INCR_TTL.called_name(), format!("incr_ttl__{}", SEED.version().unwrap()));
/// ```
///
/// # What is checked
///
/// The file is checked as Redis loads the library and runs its functions: the `#!lua name=` line, Lua
/// 5.1 syntax (Redis's compiler), every `redis.register_function` (a literal name, which Redis's name
/// rule allows, registered once; literal flags Redis knows), the commands each function calls, no
/// writes in a function flagged `no-writes`, and what Redis refuses in a library: `KEYS` and `ARGV` (a
/// function gets `keys, args` as parameters), and what the code outside the functions does when
/// FUNCTION LOAD runs it: only `redis.register_function`, `redis.log` and a few constants exist then
/// (any other global, `redis.call`, writing a global, a Lua type error, an endless loop that would hit
/// FUNCTION LOAD's timeout are refused with Redis's own message and line). `redis.log` while the
/// library loads is refused too when Valkey is among the servers: Valkey 9.1 crashes on it. A function
/// registered under a computed name can not be typed: the error says to write the name as a literal.
/// A declared function's code is held to its declaration (a `keys[n]` / `args[n]` past it, an
/// optional parameter it needs on every run, a literal return without the reply's fields), and
/// every function whose callback the checks can tell gets the [arity](crate::function#arity) a
/// script gets, declared or not.
/// A differential test holds the checker to the servers: thousands of libraries judged by FUNCTION
/// LOAD and FUNCTION LIST on Redis 7.0, 8.2 and Valkey 9.1. Naming a function the file does not
/// register, or a `FunctionRO` for one without `no-writes`, is a compile error at that function:
///
/// ```compile_fail
/// redis_script::lua_library! {
///     static SEED: redis_script::Library = "../../examples/lua/seed_library.lua";
///     // incr_ttl writes, and is not flagged no-writes.
///     static INCR_TTL: redis_script::FunctionRO<i64> = "incr_ttl";
/// }
/// ```
///
/// Upstash's `allow-key-locking` is a per-function flag there (`flags = { 'allow-key-locking' }`):
/// Redis refuses it, so `lua_library!` does too unless the library opts in, as scripts do:
/// `static LIB: Library = "lib.lua", allow_key_locking;`.
///
/// The library is loaded under a version, the first 12 hex digits of the SHA-1 of the file: the
/// library as `<name>__<version>` and each function as `<function>__<version>`, so two builds with
/// different code run side by side on one server ([versions](crate::function#versions-for-rolling-deploys)).
/// What FUNCTION LOAD sends is therefore the file with those names changed, not the file byte for
/// byte.
#[macro_export]
macro_rules! lua_library {
    ($($input:tt)*) => {
        $crate::__private::lua_library! { $crate; $($input)* }
    };
}

/// Not public API: everything the code `lua_script!` and `lua_library!` generate reaches, and nothing
/// else. The macro and this crate are released together (the facade pins the macro's exact version).
#[doc(hidden)]
pub mod __private {
    pub use redis_script_macros::{lua_library, lua_script};

    pub use crate::args::{ArgList, Params};
    pub use crate::function::FunctionParts;
    use crate::function::{Function, FunctionRO, Inner, Library};
    use crate::script::{Positional, Script, ScriptRO, Source};
    /// The generated `Deserialize` of a declared reply implements it through this.
    pub use serde;

    #[cfg(feature = "registry")]
    pub use crate::registry::{REDIS_LIBRARIES, REDIS_SCRIPTS, RegisteredScript};
    #[cfg(feature = "registry")]
    pub use linkme;

    pub use crate::{__register_library as register_library, __register_script as register_script};

    /// A `Script` from the text, SHA-1 and name the macro embedded, whose calls must pass at least
    /// `keys` keys and `args` arguments (what the script reads on every run): the expression form.
    /// Its type is positional, `Script<T, Undeclared<KEYS, ARGS>>`, and says either nothing
    /// (`Script<T>`) or exactly what the script reads (`reads`); else the build fails with `wrong`.
    #[allow(clippy::too_many_arguments)]
    pub const fn script_with_arity<T, P: Positional>(
        text: &'static str,
        sha1: &'static str,
        name: &'static str,
        keys: u16,
        args: u16,
        reads_keys: usize,
        reads_args: usize,
        wrong: &'static str,
    ) -> Script<T, P> {
        positional::<P>((reads_keys, reads_args), wrong);
        Script::from_source(Source::embedded(text, sha1, name).with_arity(keys, args))
    }

    /// A `ScriptRO`, as [`script_with_arity`].
    #[allow(clippy::too_many_arguments)]
    pub const fn script_ro_with_arity<T, P: Positional>(
        text: &'static str,
        sha1: &'static str,
        name: &'static str,
        keys: u16,
        args: u16,
        reads_keys: usize,
        reads_args: usize,
        wrong: &'static str,
    ) -> ScriptRO<T, P> {
        positional::<P>((reads_keys, reads_args), wrong);
        ScriptRO::from_source(Source::embedded(text, sha1, name).with_arity(keys, args))
    }

    /// Fails the build (the static's initializer is evaluated at compile time) when `P` names a
    /// minimum other than none or what the script reads.
    const fn positional<P: Positional>(reads: (usize, usize), wrong: &'static str) {
        let (keys, args) = P::READS;
        if !((keys == 0 && args == 0) || (keys == reads.0 && args == reads.1)) {
            panic!("{}", wrong);
        }
    }

    /// A `Script` of the item form, whose parameters `P` are the struct the macro defined beside it.
    pub const fn typed_script<T, P>(
        text: &'static str,
        sha1: &'static str,
        name: &'static str,
        keys: u16,
        args: u16,
    ) -> Script<T, P> {
        Script::from_source(Source::embedded(text, sha1, name).with_arity(keys, args))
    }

    /// A `ScriptRO` of the item form, as [`typed_script`].
    pub const fn typed_script_ro<T, P>(
        text: &'static str,
        sha1: &'static str,
        name: &'static str,
        keys: u16,
        args: u16,
    ) -> ScriptRO<T, P> {
        ScriptRO::from_source(Source::embedded(text, sha1, name).with_arity(keys, args))
    }

    /// A registry entry for a script the macro embedded.
    #[cfg(feature = "registry")]
    pub const fn registered_script(
        name: &'static str,
        sha1: &'static str,
        text: &'static str,
        read_only: bool,
    ) -> RegisteredScript {
        RegisteredScript::new(name, sha1, text, read_only)
    }

    /// A `Library` from what the macro embedded: its name, the name it is loaded under, the code
    /// FUNCTION LOAD sends, the SHA-1 of its file and its version.
    pub const fn library(
        name: &'static str,
        loaded_as: &'static str,
        code: &'static str,
        sha1: &'static str,
        version: &'static str,
    ) -> Library {
        Library::embedded(name, loaded_as, code, sha1, version)
    }

    /// A library the macro embedded with `unversioned`: loaded and called by its own names.
    pub const fn shared_library(
        name: &'static str,
        code: &'static str,
        sha1: &'static str,
    ) -> Library {
        Library::embedded_shared(name, code, sha1)
    }

    /// A `Function` of `library`, as the macro embedded it.
    pub const fn function<T, P>(library: Library, parts: FunctionParts) -> Function<T, P> {
        Function::from_inner(Inner::from_parts(library, parts))
    }

    /// A `FunctionRO` of `library`, as the macro embedded it.
    pub const fn function_ro<T, P>(library: Library, parts: FunctionParts) -> FunctionRO<T, P> {
        FunctionRO::from_inner(Inner::from_parts(library, parts))
    }
}

/// Not public API: puts a script `lua_script!` embedded into the registry (with the feature
/// `registry`), or nowhere. Reached as `__private::register_script!`.
#[doc(hidden)]
#[cfg(feature = "registry")]
#[macro_export]
macro_rules! __register_script {
    ($text:expr, $sha1:expr, $name:expr, $read_only:expr) => {
        #[$crate::__private::linkme::distributed_slice($crate::__private::REDIS_SCRIPTS)]
        #[linkme(crate = $crate::__private::linkme)]
        static SCRIPT: $crate::__private::RegisteredScript =
            $crate::__private::registered_script($name, $sha1, $text, $read_only);
    };
}

/// Not public API: without the feature `registry`, scripts are not registered.
#[doc(hidden)]
#[cfg(not(feature = "registry"))]
#[macro_export]
macro_rules! __register_script {
    ($($script:tt)*) => {};
}

/// Not public API: puts a library `lua_library!` embedded into the registry (with the feature
/// `registry`), or nowhere. Reached as `__private::register_library!`.
#[doc(hidden)]
#[cfg(feature = "registry")]
#[macro_export]
macro_rules! __register_library {
    ($library:expr) => {
        #[$crate::__private::linkme::distributed_slice($crate::__private::REDIS_LIBRARIES)]
        #[linkme(crate = $crate::__private::linkme)]
        static LIBRARY: $crate::Library = $library;
    };
}

/// Not public API: without the feature `registry`, libraries are not registered.
#[doc(hidden)]
#[cfg(not(feature = "registry"))]
#[macro_export]
macro_rules! __register_library {
    ($($library:tt)*) => {};
}
