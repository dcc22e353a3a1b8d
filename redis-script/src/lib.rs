#![doc = include_str!("../../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod args;
pub(crate) mod batch;
mod command;
mod de;
mod error;
mod function;
mod preload;
#[cfg(feature = "registry")]
mod registry;
mod reply;
#[cfg(feature = "resp")]
mod resp;
#[cfg(feature = "rest")]
pub mod rest;
mod script;
#[cfg(feature = "tracing")]
mod trace;
mod transport;

pub use args::{Arg, ArgList, Args, Values};
pub use batch::{
    BatchFunction, BatchScript, Limits, Pipeline, Queued, Replies, ScriptLoading, Transaction,
};
pub use command::{Command, CommandName};
pub use de::{DecodeError, from_reply};
pub use error::{
    BatchError, BatchErrorKind, Error, FailedLoad, LoadedScript, PreloadError, Result, ScriptError,
    ServerError, TransportError, TransportErrorKind,
};
pub use function::{
    Function, FunctionRO, Library, MissingLibrary, missing_libraries, preload_libraries,
};
pub use preload::{Missing, Preloaded, ScriptRef, missing_scripts, preload_scripts};
#[cfg(feature = "registry")]
pub use preload::{missing, preload};
#[cfg(feature = "registry")]
pub use registry::{RegisteredScript, libraries, scripts};
pub use reply::Reply;
pub use script::{MAX_NAME_LEN, Script, ScriptNameError, ScriptRO};
pub use transport::{
    Batch, BatchCommand, BatchGroup, BatchKeys, BatchReplies, BoxFuture, DynTransport, EntryKeys,
    Transport,
};

#[cfg(feature = "resp")]
pub use redis;
#[cfg(feature = "cluster")]
pub use resp::Cluster;

/// Reads a Lua file at compile time, checks it, and expands to a const [`Script<T>`] (or, with
/// `readonly`, a [`ScriptRO<T>`]) carrying its text and SHA-1.
///
/// The path is relative to the file that contains the macro call, as for `include_str!`. Editing the Lua
/// file rebuilds the crate.
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
/// The file is checked as Redis would check it: the shebang, Lua 5.1 syntax (by Lua 5.1.5, the compiler
/// Redis embeds), and the commands it calls with a literal name against the command table of Redis
/// 7.0, Redis 8.2 and Valkey 9.1. Options, after the path:
///
/// - `readonly`: a [`ScriptRO`], run with EVALSHA_RO / EVAL_RO; a write is an error.
/// - `commands = ["FT.SEARCH", ..]`, `readonly_commands = ["JSON.GET", ..]`: commands the table does
///   not know (modules), as writes or not.
/// - `servers = ["redis-7.0", "redis-8.2", "valkey-9.1"]`: every command must run on each server
///   named (by default, on any of them).
/// - `allow_key_locking`: accept Upstash's shebang flag `allow-key-locking`, which Redis refuses.
///
/// ```
/// # use redis_script::{lua_script, Script};
/// static ON_SEVEN_AND_EIGHT: Script<i64> =
///     lua_script!("../../examples/lua/incr_ttl.lua", servers = ["redis-7.0", "redis-8.2"]);
/// ```
///
/// A mistake in the script is a compile error at the macro call:
///
/// ```compile_fail
/// // The script calls INCR, a write, so it can not be read-only.
/// static BAD: redis_script::ScriptRO<i64> =
///     redis_script::lua_script!("../../examples/lua/incr_ttl.lua", readonly);
/// ```
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
/// `readonly_commands`, `servers`, `allow_key_locking`); each following item names a function the
/// library registers.
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
/// The file is checked as Redis would load it and run its functions: the `#!lua name=` line, Lua 5.1
/// syntax, every `redis.register_function` (a literal name, literal flags Redis knows, no name
/// twice), the commands each function calls (no writes in one flagged `no-writes`), and what a
/// function can not use (`KEYS` and `ARGV`, `redis.call` while the library loads). A function the
/// file does not register, or a `FunctionRO` for one without `no-writes`, is a compile error:
///
/// ```compile_fail
/// redis_script::lua_library! {
///     static SEED: redis_script::Library = "../../examples/lua/seed_library.lua";
///     // incr_ttl writes, and is not flagged no-writes.
///     static INCR_TTL: redis_script::FunctionRO<i64> = "incr_ttl";
/// }
/// ```
///
/// The library is loaded under a version, the first 12 hex digits of the SHA-1 of the file: the
/// library as `<name>__<version>` and each function as `<function>__<version>`, so two builds with
/// different code run side by side on one server (see [`Library`]). What FUNCTION LOAD sends is
/// therefore the file with those names changed, not the file byte for byte.
#[macro_export]
macro_rules! lua_library {
    ($($input:tt)*) => {
        $crate::__private::lua_library! { $crate; $($input)* }
    };
}

/// Not public API: what `lua_script!` expands to.
#[doc(hidden)]
pub mod __private {
    pub use redis_script_macros::{lua_library, lua_script};

    pub use crate::function::FunctionParts;

    #[cfg(feature = "registry")]
    pub use crate::registry::{REDIS_LIBRARIES, REDIS_SCRIPTS};
    #[cfg(feature = "registry")]
    pub use linkme;

    /// A `Script` from the text, SHA-1 and name the macro embedded.
    pub const fn script<T>(
        text: &'static str,
        sha1: &'static str,
        name: &'static str,
    ) -> crate::Script<T> {
        crate::Script::__from_parts(text, sha1, name)
    }

    /// A `ScriptRO` from the text, SHA-1 and name the macro embedded.
    pub const fn script_ro<T>(
        text: &'static str,
        sha1: &'static str,
        name: &'static str,
    ) -> crate::ScriptRO<T> {
        crate::ScriptRO::__from_parts_ro(text, sha1, name)
    }
}

/// Not public API: puts a script `lua_script!` embedded into the registry (with the feature
/// `registry`), or nowhere.
#[doc(hidden)]
#[cfg(feature = "registry")]
#[macro_export]
macro_rules! __register {
    ($text:expr, $sha1:expr, $name:expr, $read_only:expr) => {
        #[$crate::__private::linkme::distributed_slice($crate::__private::REDIS_SCRIPTS)]
        #[linkme(crate = $crate::__private::linkme)]
        static SCRIPT: $crate::RegisteredScript =
            $crate::RegisteredScript::__new($name, $sha1, $text, $read_only);
    };
}

/// Not public API: without the feature `registry`, scripts are not registered.
#[doc(hidden)]
#[cfg(not(feature = "registry"))]
#[macro_export]
macro_rules! __register {
    ($($script:tt)*) => {};
}

/// Not public API: puts a library `lua_library!` embedded into the registry (with the feature
/// `registry`), or nowhere.
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
