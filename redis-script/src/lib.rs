#![doc = include_str!("../../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod args;
pub(crate) mod batch;
mod command;
mod de;
mod error;
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
pub use batch::{BatchScript, Limits, Pipeline, Queued, Replies, ScriptLoading, Transaction};
pub use command::{Command, CommandName};
pub use de::{DecodeError, from_reply};
pub use error::{
    BatchError, BatchErrorKind, Error, FailedLoad, LoadedScript, PreloadError, Result, ScriptError,
    ServerError, TransportError, TransportErrorKind,
};
pub use preload::{Missing, Preloaded, ScriptRef, missing_scripts, preload_scripts};
#[cfg(feature = "registry")]
pub use preload::{missing, preload};
#[cfg(feature = "registry")]
pub use registry::{RegisteredScript, scripts};
pub use reply::Reply;
pub use script::{MAX_NAME_LEN, Script, ScriptNameError, ScriptRO};
pub use transport::{
    Batch, BatchCommand, BatchGroup, BatchKeys, BatchReplies, BoxFuture, DynTransport, EntryKeys,
    Transport,
};

#[cfg(feature = "resp")]
pub use redis;

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

/// Not public API: what `lua_script!` expands to.
#[doc(hidden)]
pub mod __private {
    pub use redis_script_macros::lua_script;

    #[cfg(feature = "registry")]
    pub use crate::registry::REDIS_SCRIPTS;
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
